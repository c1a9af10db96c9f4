"""Events and sign-ups (活动报名): staff publish an activity, residents sign up, waiting lists move.
up.

Here: the records and check-in codes (``model``), seats, the waiting list and promotion
(``service``), what people are told outside the chat they are in (``reminders``), calendar files
(``ics``) and ``juwei events …`` (``cli``). The /events, /mysignups and /newevent flows are in
``conversations/events.py``, /roster, /checkin and the other staff tools in ``handlers/events.py``,
the texts in ``bot/locales/*/events.py``, the tables in ``migrations/0004_events.sql``.
"""
