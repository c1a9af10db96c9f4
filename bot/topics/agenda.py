"""A committee meeting's agenda of accepted topics, as Markdown to print, CSV or JSON.

Agendas are handed round at the meeting, so anonymous submitters stay anonymous here.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from bot.clock import local
from bot.i18n import text
from bot.sheets import csv_cell
from bot.topics.service import Topic

FORMATS = ("md", "csv", "json")
SUMMARY_LENGTH = 200


@dataclass(frozen=True)
class Agenda:
    committee: str
    meeting: date | None
    topics: list[Topic]
    lang: str
    tz: ZoneInfo

    @property
    def meeting_text(self) -> str:
        return self.meeting.isoformat() if self.meeting else text(self.lang, "topics.meeting_tbd")

    def rows(self) -> list[dict[str, object]]:
        return [
            {
                "rank": n,
                "ref": t.ref,
                "title": t.title,
                "summary": t.summary(SUMMARY_LENGTH),
                "supports": t.supports,
                "submitter": t.submitter_for(self.lang, None),
                "submitted_at": local(t.created_at, self.tz),
            }
            for n, t in enumerate(self.topics, 1)
        ]


def _cell(value: object) -> str:
    return " ".join(str(value).split()).replace("|", "\\|")


def as_markdown(agenda: Agenda) -> str:
    t = agenda.lang
    lines = [
        text(t, "topics.agenda.title", committee=agenda.committee),
        "",
        text(t, "topics.agenda.meeting", meeting=agenda.meeting_text, count=len(agenda.topics)),
        "",
    ]
    if not agenda.topics:
        lines.append(text(t, "topics.agenda.empty"))
        return "\n".join(lines) + "\n"
    lines += [text(t, "topics.agenda.table_head"), "| --- | --- | --- | --- | --- |"]
    rows = agenda.rows()
    for row in rows:
        cells = (row["rank"], row["ref"], row["title"], row["supports"], row["submitter"])
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    for row in rows:
        lines += [
            "",
            text(t, "topics.agenda.item", rank=row["rank"], title=row["title"], ref=row["ref"]),
            "",
            text(
                t,
                "topics.agenda.item_meta",
                supports=row["supports"],
                submitter=row["submitter"],
                submitted_at=row["submitted_at"],
            ),
            "",
            str(row["summary"]),
        ]
    return "\n".join(lines) + "\n"


def as_csv(agenda: Agenda) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(text(agenda.lang, "topics.agenda.csv_head").split(","))
    for row in agenda.rows():
        writer.writerow([csv_cell(value) for value in row.values()])
    return out.getvalue()


def as_json(agenda: Agenda) -> str:
    body = {
        "committee": agenda.committee,
        "meeting": agenda.meeting.isoformat() if agenda.meeting else None,
        "topics": agenda.rows(),
    }
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def render(agenda: Agenda, fmt: str) -> str:
    return {"md": as_markdown, "csv": as_csv, "json": as_json}[fmt](agenda)
