"""Business-hours calendars and business-time arithmetic.

Its own app because several others need it and none owns it: teams name the
calendar they work by, SLA policies measure targets in business time, and
metrics report first-response and resolution times in business hours. Keeping
it apart lets each of them depend on ``calendars`` without depending on each
other. The arithmetic itself (``businesstime``) touches no database.
"""
