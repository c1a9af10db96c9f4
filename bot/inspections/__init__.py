"""Inspection campaigns (专项行动排摸检查): key places, checklists, time nodes and coverage.

Here: the key places register and its file import (``places``), the default checklists
(``checklists.yaml``, read by ``checklists``), campaigns and their time nodes (``campaigns``),
saving an inspection and filing hazard reports from its 不合格 items (``rounds``), coverage per
committee and the per-place spreadsheet (``progress``), announcements and node reminders
(``reminders``) and ``juwei places …`` / ``juwei inspections …`` (``cli``). The /inspect flow is
in ``conversations/inspections.py``, /inspection and /progress in ``handlers/inspections.py``,
the texts in ``bot/locales/*/inspections.py``, the tables in ``migrations/0013_inspections.sql``.
"""
