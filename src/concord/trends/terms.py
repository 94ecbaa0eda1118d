"""Words of a subject that may name a topic: simple tokenising and stop words.

No stemming library or language model: a subject is short, and a word that
names a sudden topic ("outage", "invoice", "login") is usually repeated as
written. Rarity is judged against the baseline by the detector, not here, so
this list holds only words that never name a topic in any helpdesk.
"""

from __future__ import annotations

import re

# Letters only (any script): numbers, order ids and dates are never a topic.
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
MIN_LENGTH = 3
MAX_TERMS = 12  # per subject; a pasted paragraph should not count for everything

# One string is easier to read and extend than a list of 150 quoted words.
STOP_WORDS = frozenset(
    """
    about above after again against all also and any are aren't because been before being
    below between both but can can't cannot could couldn't did didn't does doesn't doing don't
    down during each few for from further had hadn't has hasn't have haven't having her here
    hers herself him himself his how i'm i've into isn't it's its itself just let's more most
    mustn't myself nor not now off once only other ought our ours ourselves out over own same
    shan't she should shouldn't some such than that that's the their theirs them themselves
    then there there's these they they're this those through too under until very was wasn't
    were weren't what what's when where where's which while who who's whom why will with won't
    would wouldn't you you'd you'll you're you've your yours yourself yourselves
    re fw fwd aw wg sv ref
    hello hi hey dear thanks thank thx please pls regards urgent asap help question questions
    issue issues problem problems request requests query enquiry inquiry info information
    need needs want wants get got still yet again today yesterday tomorrow new update
    """.split()  # noqa: SIM905
)


def subject_terms(subject: str) -> frozenset[str]:
    """The distinct candidate topic words of one subject, lower-cased."""
    found: list[str] = []
    for match in _WORD.finditer(subject.lower()):
        word = match.group(0)
        if len(word) < MIN_LENGTH or word in STOP_WORDS or word in found:
            continue
        found.append(word)
        if len(found) == MAX_TERMS:
            break
    return frozenset(found)
