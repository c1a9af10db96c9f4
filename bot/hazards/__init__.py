"""Hazard reports (隐患上报): residents and directors report fire hazards, staff close them.

Here: the status table and rules (``model``), storage (``repo``), filing and moving reports and
telling people (``service``), how a report reads (``views``), spreadsheets (``export``), the daily
digest and weekly summary with their chart (``digest``, ``chart``) and ``juwei hazards …``
(``cli``). The /report flow and the card actions' flows are in ``conversations/hazards.py``,
/reports and the card buttons in ``handlers/hazards.py``, the texts in
``bot/locales/*/hazards.py``, the tables in ``migrations/0003_hazards.sql``.
"""
