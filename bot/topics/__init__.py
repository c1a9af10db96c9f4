"""Topics (议题) for the property-governance committees (专委会): submitted, supported, reviewed.

Here: the committees as data (``committees``), saving, reading and 附议 (``service``), the review
table (``reviews``), a meeting's agenda (``agenda``) and ``juwei committees|topics …`` (``cli``).
The /topic and /review flows are in ``conversations/topics.py``, /topics and its buttons in
``handlers/topics.py``, the texts in ``bot/locales/*/topics.py``, the tables in
``migrations/0005_topics.sql``.
"""
