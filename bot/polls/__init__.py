"""Consultations (意见征询): simple polls and per-building polls with the 民法典 第278条 thresholds.

Here: the double-threshold arithmetic (``tally``), reading a building's households from a file
(``households``), polls, household codes and answers (``service``), the totals people see
(``views``), reminders and the result posted to the residents' groups (``reminders``) and
``juwei polls …`` (``cli``). Answering (/poll CODE, 意见征询) is the flow in
``conversations/polls.py``; /poll status and /poll result are in ``handlers/polls.py``; the texts
in ``bot/locales/*/polls.py``; the tables in ``migrations/0014_polls.sql``.
"""
