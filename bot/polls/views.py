"""What people see of a poll: the totals and thresholds, as text in their language or as JSON.

Totals never name anyone. Rooms that have not answered (and owners' names) are only in
``status_text`` and the CLI, for staff and the poll's director.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import local
from bot.i18n import text
from bot.polls.service import BUILDING, HouseholdRow, Poll
from bot.polls.tally import AGREEMENT, PARTICIPATION, Tally


def number(value: Decimal) -> int | float:
    """An area for JSON: a whole number as such, else its decimal (display only)."""
    return int(value) if value == value.to_integral_value() else float(value)


def ratio(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def percent(value: Fraction) -> str:
    return f"{float(value * 100):.1f}%"


def area_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def result_json(
    poll: Poll, tz: ZoneInfo, now: Any, tally: Tally | None, counts: list[tuple[str, int]]
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": poll.id,
        "kind": poll.kind,
        "title": poll.title,
        "committee": poll.committee,
        "deadline": poll.deadline.astimezone(tz).isoformat(timespec="minutes"),
        "closed": poll.closed(now),
    }
    if poll.kind != BUILDING or tally is None:
        found["answered"] = sum(n for _, n in counts)
        found["options"] = [{"label": label, "count": n} for label, n in counts]
        return found
    p, a = tally.participated, tally.agreed
    found |= {
        "building": poll.building,
        "households": tally.households,
        "area": number(tally.area),
        "participated": {
            "count": p.count,
            "area": number(p.area),
            "count_ratio": ratio(p.count_ratio),
            "area_ratio": ratio(p.area_ratio),
        },
        "agreed": {
            "count": a.count,
            "area": number(a.area),
            "count_ratio": ratio(a.count_ratio),
            "area_ratio": ratio(a.area_ratio),
        },
        "disagreed": tally.disagreed,
        "abstained": tally.abstained,
        "thresholds": {"participation": ratio(PARTICIPATION), "agreement": ratio(AGREEMENT)},
        "participation_ok": tally.participation_ok,
        "agreement_ok": tally.agreement_ok,
        "passed": tally.passed,
        "missing": list(tally.missing),
    }
    return found


def _ok(lang: str, ok: bool) -> str:
    return text(lang, "polls.met" if ok else "polls.not_met")


def totals_text(lang: str, poll: Poll, tz: ZoneInfo, tally: Tally | None, counts: Any) -> str:
    """The running totals anyone allowed may see: no names, no rooms."""
    head = text(
        lang,
        "polls.totals_head",
        title=poll.title,
        where=poll.building or poll.committee or "",
        deadline=local(poll.deadline, tz),
    )
    if poll.kind != BUILDING or tally is None:
        lines = [text(lang, "polls.option_line", label=label, count=n) for label, n in counts]
        return "\n".join([head, *lines])
    p, a = tally.participated, tally.agreed
    lines = [
        head,
        text(
            lang,
            "polls.participation_line",
            count=p.count,
            households=tally.households,
            area=area_text(p.area),
            total_area=area_text(tally.area),
            count_percent=percent(p.count_ratio),
            area_percent=percent(p.area_ratio),
            ok=_ok(lang, tally.participation_ok),
        ),
        text(
            lang,
            "polls.agreement_line",
            count=a.count,
            participants=p.count,
            area=area_text(a.area),
            participant_area=area_text(p.area),
            count_percent=percent(a.count_ratio),
            area_percent=percent(a.area_ratio),
            ok=_ok(lang, tally.agreement_ok),
            disagreed=tally.disagreed,
            abstained=tally.abstained,
        ),
        text(lang, "polls.passed" if tally.passed else "polls.not_passed"),
        text(lang, "polls.intention_only"),
    ]
    return "\n".join(lines)


def status_text(
    lang: str, poll: Poll, tz: ZoneInfo, tally: Tally | None, counts: Any, rows: list[HouseholdRow]
) -> str:
    """For staff and the poll's director, in a private chat: totals and who to visit."""
    lines = [totals_text(lang, poll, tz, tally, counts)]
    if poll.kind == BUILDING and tally is not None:
        waiting = [h for h in rows if h.choice is None]
        if waiting:
            lines.append(text(lang, "polls.missing_head", count=len(waiting)))
            lines += [
                text(lang, "polls.missing_line", room=h.room, owner=h.owner or "—") for h in waiting
            ]
        else:
            lines.append(text(lang, "polls.none_missing"))
    return "\n".join(lines)


def choice_label(lang: str, poll: Poll, choice: str) -> str:
    if poll.kind == BUILDING:
        return text(lang, f"polls.choice.{choice}")
    return poll.options[int(choice) - 1]
