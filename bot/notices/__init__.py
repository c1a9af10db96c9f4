"""Notices (通知): broadcasts, meeting notices and the summer fire-prevention campaign, on a
schedule.

Here: notices as rows (``repo``), when they are due (``schedule``), APScheduler rebuilt from the
rows (``scheduler``), exactly-once delivery to each chat (``delivery``), meetings (``meetings``),
收到 (``acks``), the summer campaign and its tips (``campaign``, ``tips``) and ``juwei notices …``
(``cli``). The /broadcast and /meeting flows are in ``conversations/notices.py``, /notices,
/meetings, /campaign and 收到 in ``handlers/notices.py``, the texts in ``bot/locales/*/notices.py``,
the tables in ``migrations/0002_notices.sql``.
"""
