"""``juwei committees …`` and ``juwei topics …``: the 专委会 and their topics, from a terminal.

Whoever runs these has the database, so they act as staff: they see anonymous submitters.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from bot.cli import UsageError, with_app
from bot.clock import local
from bot.i18n import text
from bot.parsing import InputError
from bot.roles import Role
from bot.topics.agenda import FORMATS, Agenda, render
from bot.topics.committees import CommitteeError, TopicCommittee, TopicCommittees
from bot.topics.reviews import TopicReviews
from bot.topics.service import Status, Topic, TopicError, TopicService, parse_meeting_day

if TYPE_CHECKING:
    from datetime import date

    from bot.app import App
    from bot.settings import Settings


def _usage(lang: str, key: str, **params: object) -> Exception:
    return UsageError(text(lang, key, **params))


async def _run(settings: Settings, work: Any) -> int:
    try:
        return int(await with_app(settings, work))
    except (TopicError, CommitteeError) as exc:
        raise _usage(settings.default_language, exc.key, **exc.params) from exc


def _out(line: str) -> None:
    sys.stdout.write(line + "\n")


def _committee_json(c: TopicCommittee) -> dict[str, object]:
    return {"id": c.id, "name": c.name, "description": c.description, "active": c.active}


# -- committees ------------------------------------------------------------------------------


async def committees_list(args: argparse.Namespace, settings: Settings) -> int:
    lang = settings.default_language

    async def work(app: App) -> int:
        found = await TopicCommittees(app.db, app.clock).all(include_retired=args.all)
        if args.json:
            _out(json.dumps([_committee_json(c) for c in found], ensure_ascii=False))
            return 0
        for c in found:
            state = "" if c.active else text(lang, "topics.cli.retired")
            _out(
                text(lang, "topics.cli.committee_row", name=c.name, description=c.description)
                + state
            )
        return 0

    return await _run(settings, work)


async def committees_add(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        added = await TopicCommittees(app.db, app.clock).add(args.name, args.description)
        _out(text(settings.default_language, "topics.cli.committee_added", name=added.name))
        return 0

    return await _run(settings, work)


async def committees_rename(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        repo = TopicCommittees(app.db, app.clock)
        renamed = await repo.rename(args.old, args.new, args.description)
        _out(
            text(
                settings.default_language,
                "topics.cli.committee_renamed",
                old=args.old,
                new=renamed.name,
            )
        )
        return 0

    return await _run(settings, work)


async def committees_retire(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        retired = await TopicCommittees(app.db, app.clock).retire(args.name)
        _out(text(settings.default_language, "topics.cli.committee_retired", name=retired.name))
        return 0

    return await _run(settings, work)


# -- topics ----------------------------------------------------------------------------------


def _status(lang: str, word: str) -> Status:
    try:
        return Status.parse(word)
    except ValueError:
        raise _usage(lang, "topics.cli.bad_status", status=word) from None


def _meeting(app: App, lang: str, said: str | None) -> date | None:
    if not said:
        return None
    try:
        return parse_meeting_day(said, app.clock.now(), app.tz)
    except InputError:
        raise _usage(lang, "topics.cli.bad_date", value=said) from None


async def _committee(app: App, lang: str, name: str) -> TopicCommittee:
    found = await TopicCommittees(app.db, app.clock).by_name(name, include_retired=True)
    if found is None:
        raise _usage(lang, "topics.committee.unknown", name=name)
    return found


def _topic_json(topic: Topic, app: App, lang: str) -> dict[str, object]:
    return {
        "ref": topic.ref,
        "committee": topic.committee,
        "title": topic.title,
        "details": topic.details,
        "status": text(lang, topic.status.label_key),
        "status_code": topic.status.value,
        "anonymous": topic.anonymous,
        "submitter": topic.submitter_name,
        "supports": topic.supports,
        "meeting": topic.meeting.isoformat() if topic.meeting else None,
        "merged_into": topic.merged_into,
        "note": topic.note,
        "submitted_at": local(topic.created_at, app.tz),
    }


async def topics_list(args: argparse.Namespace, settings: Settings) -> int:
    lang = settings.default_language

    async def work(app: App) -> int:
        committee = await _committee(app, lang, args.committee) if args.committee else None
        statuses = (_status(lang, args.status),) if args.status else ()
        found = await TopicService.of(app).find(
            committee_id=committee.id if committee else None, statuses=statuses
        )
        if args.json:
            _out(json.dumps([_topic_json(t, app, lang) for t in found], ensure_ascii=False))
            return 0
        if not found:
            _out(text(lang, "topics.cli.none"))
        for t in found:
            _out(
                text(
                    lang,
                    "topics.cli.row",
                    ref=t.ref,
                    status_key=t.status.label_key,
                    committee=t.committee,
                    title=t.title,
                    supports=t.supports,
                    submitter=t.submitter_for(lang, Role.STAFF),
                )
            )
        return 0

    return await _run(settings, work)


async def topics_set(args: argparse.Namespace, settings: Settings) -> int:
    lang = settings.default_language
    to = _status(lang, args.status)

    async def work(app: App) -> int:
        moved = await TopicReviews.of(app).move(
            args.ref,
            to,
            None,
            note=args.note,
            meeting=_meeting(app, lang, args.meeting),
            into=args.into,
        )
        _out(
            text(
                lang,
                "topics.cli.moved",
                ref=moved.topic.ref,
                before_key=moved.before.label_key,
                status_key=moved.topic.status.label_key,
            )
        )
        return 0

    return await _run(settings, work)


async def topics_agenda(args: argparse.Namespace, settings: Settings) -> int:
    lang = settings.default_language

    async def work(app: App) -> int:
        committee = await _committee(app, lang, args.committee)
        wanted = _meeting(app, lang, args.meeting)
        meeting, chosen = await TopicService.of(app).agenda(committee.id, wanted)
        agenda = Agenda(committee.name, meeting, chosen, lang, app.tz)
        sys.stdout.write(render(agenda, args.format))
        return 0

    return await _run(settings, work)


def add_commands(sub: Any, db_parent: argparse.ArgumentParser) -> None:
    committees = sub.add_parser("committees", help="专委会 (property-governance committees)")
    c_sub = committees.add_subparsers(dest="committees_command", metavar="ACTION", required=True)
    c_list = c_sub.add_parser("list", parents=[db_parent], help="列出专委会 (list)")
    c_list.add_argument("--all", action="store_true", help="include retired committees")
    c_list.add_argument("--json", action="store_true", help="JSON output")
    c_list.set_defaults(func=committees_list)
    c_add = c_sub.add_parser("add", parents=[db_parent], help="新增专委会 (add)")
    c_add.add_argument("name")
    c_add.add_argument("--description", required=True, help="one line: what it handles")
    c_add.set_defaults(func=committees_add)
    c_rename = c_sub.add_parser("rename", parents=[db_parent], help="改名 (rename)")
    c_rename.add_argument("old")
    c_rename.add_argument("new")
    c_rename.add_argument("--description", help="a new description too")
    c_rename.set_defaults(func=committees_rename)
    c_retire = c_sub.add_parser("retire", parents=[db_parent], help="停用 (retire)")
    c_retire.add_argument("name")
    c_retire.set_defaults(func=committees_retire)

    topics = sub.add_parser("topics", help="议题 (topics submitted to the 专委会)")
    t_sub = topics.add_subparsers(dest="topics_command", metavar="ACTION", required=True)
    t_list = t_sub.add_parser("list", parents=[db_parent], help="列出议题 (list topics)")
    t_list.add_argument("--committee", help="committee name")
    t_list.add_argument("--status", help="待审 已采纳 已合并 暂不采纳 已办结 (or English)")
    t_list.add_argument("--json", action="store_true", help="JSON output")
    t_list.set_defaults(func=topics_list)
    t_set = t_sub.add_parser("set", parents=[db_parent], help="审议议题 (move a topic)")
    t_set.add_argument("ref", help="YT-YYYYMMDD-NNNN")
    t_set.add_argument("status", help="已采纳 已合并 暂不采纳 已办结 (or English)")
    t_set.add_argument("--note", help="reason, outcome or a note for the submitter")
    t_set.add_argument("--meeting", help="meeting date for 已采纳, e.g. 2026-07-25")
    t_set.add_argument("--into", help="the surviving topic's reference for 已合并")
    t_set.set_defaults(func=topics_set)
    t_agenda = t_sub.add_parser("agenda", parents=[db_parent], help="会议议程 (meeting agenda)")
    t_agenda.add_argument("--committee", required=True, help="committee name")
    t_agenda.add_argument("--meeting", help="meeting date (default: the next meeting)")
    t_agenda.add_argument("--format", choices=FORMATS, default="md")
    t_agenda.set_defaults(func=topics_agenda)
