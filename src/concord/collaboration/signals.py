"""What the collaboration app announces, for the channels above it to act on.

Collaboration is a domain app and never imports a channel: the email channel
subscribes to ``consult_emailed`` in its ``AppConfig.ready`` and mails the
question (or the follow-up) to the consult's outside address.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the writing transaction (``Signal.send``: a receiver's failure
# rolls the consult back, so no outside consult exists without its email),
# with ``consult`` and ``reply`` (None for the question itself, else the
# owner's follow-up). Receivers may only write in that same transaction.
consult_emailed = Signal()
