"""Simulated people for the throughput benchmark, run on the lean fake Bot API's own event loop.

No task per person: each sendMessage the fake receives moves its person on (a callback), so a
person costs a few dictionary look-ups per update. A person's script is a list of steps (typed
text, or a press of a button of the bot's last message); a phase runs many people either all
at once (every typed update queued at the start, or for presses each next step the moment the
answer arrives) or paced (one update every 1/rate seconds, to whoever is ready).

Correctness: each person must get exactly the answers their script got in calibration (run
beforehand one step at a time, by few people at once), in order. A missing answer stops the
phase with a timeout; a doubled, different or reordered one shows when the answers are compared.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench.lean_api import LeanBotApi, Sent

Pick = Callable[[int, int], int]  # (person, number of buttons) -> index
Step = tuple[str, str | Pick]  # ("text", what is typed) or ("press", which button)
Signature = Callable[[int, Sent], str]  # what of an answer must match its calibration


@dataclass(frozen=True)
class Workload:
    name: str
    describe: str
    script: Callable[[int], Sequence[Step]]  # a person's steps, by uid
    kinds: int  # how many scripts there are: any `kinds` consecutive uids have them all
    key: Callable[[int], str]  # people with the same key get the same answers
    signature: Signature
    queued: bool  # every update queued at the start (typed steps only)
    warm_up: bool = False  # one person first, whose answers are not checked

    def updates_per_person(self, uid: int = 0) -> int:
        return len(self.script(uid))


class Person:
    __slots__ = (
        "answering",
        "chat_json",
        "done_at",
        "expected",
        "got_for_step",
        "handed",
        "latencies",
        "next_step",
        "phase",
        "script",
        "sent",
        "uid",
        "user_json",
    )

    def __init__(self, uid: int, script: Sequence[Step], phase: Phase) -> None:
        self.uid = uid
        self.script = script
        user = {"id": uid, "is_bot": False, "first_name": "测试用户", "language_code": "zh-hans"}
        chat = {"id": uid, "type": "private", "first_name": "测试用户"}
        self.user_json = json.dumps(user, ensure_ascii=False, separators=(",", ":"))
        self.chat_json = json.dumps(chat, ensure_ascii=False, separators=(",", ":"))
        self.sent: list[Sent] = []
        self.next_step = 0  # the next step to send
        self.answering = 0  # the step whose answers are awaited
        self.expected: list[int] | None = None  # answers per step (None: calibrating)
        self.got_for_step = 0
        self.handed: list[float] = [0.0] * len(script)
        self.done_at: list[float] = [0.0] * len(script)
        self.latencies: list[float] = []
        self.phase = phase

    def _handed(self, step: int) -> Callable[[float], None]:
        def note(at: float) -> None:
            self.handed[step] = at

        return note

    def send_next(self, api: LeanBotApi) -> None:
        step = self.next_step
        self.next_step += 1
        kind, what = self.script[step]
        if kind == "text":
            assert isinstance(what, str)
            command = len(what.split(maxsplit=1)[0]) if what.startswith("/") else 0
            text_json = json.dumps(what, ensure_ascii=False)
            api.push_text(
                self.user_json, self.chat_json, self.uid, text_json, command, self._handed(step)
            )
        else:
            assert callable(what)
            last = self.sent[-1] if self.sent else None
            buttons = _buttons(last.markup) if last is not None else []
            data = buttons[what(self.uid, len(buttons))] if buttons else "x"
            query = api.push_callback(
                self.user_json, self.chat_json, last, data, self._handed(step)
            )
            self.phase.presses.append(query)


def _buttons(markup: str | None) -> list[str]:
    if not markup:
        return []
    rows = json.loads(markup).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


@dataclass
class Phase:
    """One run of a workload against one bot."""

    api: LeanBotApi
    workload: Workload
    people: dict[int, Person] = field(default_factory=dict)
    unfinished: int = 0
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    pacer: Pacer | None = None
    presses: list[str] = field(default_factory=list)
    quiet_gap: float = 0.0  # calibrating: a step is answered after this long without messages
    quiet_timers: dict[int, asyncio.TimerHandle] = field(default_factory=dict)
    started: float = 0.0
    waiting: deque[Person] = field(default_factory=deque)  # calibration: not started yet

    def add(self, uid: int) -> Person:
        person = Person(uid, self.workload.script(uid), self)
        self.people[uid] = person
        self.unfinished += 1
        return person

    def on_message(self, message: Sent) -> None:
        person = self.people.get(message.chat_id)
        if person is None:
            return
        person.sent.append(message)
        if person.answering >= len(person.script):
            return  # an answer too many: seen when the answers are compared
        if person.expected is None:  # calibrating: wait for quiet
            timer = self.quiet_timers.pop(person.uid, None)
            if timer is not None:
                timer.cancel()
            loop = asyncio.get_running_loop()
            self.quiet_timers[person.uid] = loop.call_later(
                self.quiet_gap, self._step_answered, person, message.at
            )
            return
        person.got_for_step += 1
        self.settle(person, message.at)

    def settle(self, person: Person, at: float | None) -> None:
        """A step is answered once it was sent and its answers have come; an answer that
        arrives early counts towards the step after it (checked by content afterwards)."""
        expected = person.expected
        while (
            expected is not None
            and person.answering < person.next_step
            and person.got_for_step >= expected[person.answering]
        ):
            self._step_answered(person, at)

    def _step_answered(self, person: Person, at: float | None) -> None:
        self.quiet_timers.pop(person.uid, None)
        step = person.answering
        if at is None:  # answered before it was sent: an early answer, no latency to note
            at = person.done_at[step - 1] if step else self.started
        else:
            person.latencies.append(at - person.handed[step])
        person.done_at[step] = at
        person.answering += 1
        if person.expected is not None:
            person.got_for_step -= person.expected[step]
        if person.answering >= len(person.script):
            self.unfinished -= 1
            if self.waiting:
                self.waiting.popleft().send_next(self.api)
            if self.unfinished == 0:
                self.finished.set()
        elif person.next_step == person.answering:  # steps go one by one
            if self.pacer is not None:
                self.pacer.ready.append(person)
            else:
                person.send_next(self.api)
                self.settle(person, None)

    def begin(self, pacer: Pacer | None, started: float, at_once: int = 0) -> None:
        """``at_once``: at most that many people at a time (calibration, so that one
        update's answers come close together)."""
        self.started = started
        self.pacer = pacer
        for n, person in enumerate(self.people.values()):
            if at_once and n >= at_once:
                self.waiting.append(person)
            elif pacer is not None:
                pacer.ready.append(person)
            elif self.workload.queued and person.expected is not None:
                while person.next_step < len(person.script):
                    person.send_next(self.api)
            else:
                person.send_next(self.api)
        if pacer is not None:
            pacer.start()
        if not self.people:
            self.finished.set()

    @property
    def ended(self) -> float:
        return max((p.done_at[-1] for p in self.people.values()), default=self.started)

    @property
    def updates(self) -> int:
        return sum(len(p.script) for p in self.people.values())

    @property
    def latencies(self) -> list[float]:
        return [x for p in self.people.values() for x in p.latencies]

    def stuck(self) -> list[str]:
        return [
            f"person {p.uid}: step {p.answering + 1} of {len(p.script)}, answers expected "
            f"{p.expected}, got {[m.text[:40] for m in p.sent]}"
            for p in self.people.values()
            if p.answering < len(p.script)
        ]


class Pacer:
    """Sends the next update of whoever is ready, ``rate`` a second on the loop's clock."""

    def __init__(self, api: LeanBotApi, rate: float, total: int) -> None:
        self.api = api
        self.gap = 1.0 / rate
        self.left = total
        self.ready: deque[Person] = deque()
        self.slots = 0
        self.missed = 0  # slots with nobody ready
        self._loop = asyncio.get_running_loop()
        self._next = 0.0

    def start(self) -> None:
        self._next = self._loop.time()
        self._tick()

    def _tick(self) -> None:
        self.slots += 1
        if self.ready:
            person = self.ready.popleft()
            person.send_next(self.api)
            person.phase.settle(person, None)
            self.left -= 1
        else:
            self.missed += 1
        if self.left > 0:
            self._next += self.gap
            self._loop.call_at(self._next, self._tick)


# --- calibration and checks ----------------------------------------------------------------


def answers_of(phase: Phase, person: Person) -> list[list[str]]:
    """The person's answers, step by step, by arrival and the counts calibrated."""
    sign = phase.workload.signature
    out: list[list[str]] = []
    position = 0
    counts = person.expected or []
    for count in counts:
        out.append([sign(person.uid, m) for m in person.sent[position : position + count]])
        position += count
    if position < len(person.sent):
        out.append(["(extra) " + sign(person.uid, m) for m in person.sent[position:]])
    return out


def calibrated_answers(phase: Phase) -> dict[str, list[list[str]]]:
    """After a calibration phase: each key's answers per step (split by the quiet gaps). Two
    people share each key and must have got the same answers, else the bot's answers vary
    (or one was doubled) and the bench cannot check them."""
    references: dict[str, list[list[str]]] = {}
    for person in phase.people.values():
        per_step: list[list[str]] = [[] for _ in person.script]
        step = 0
        for message in person.sent:
            while step < len(person.script) - 1 and message.at > person.done_at[step]:
                step += 1
            per_step[step].append(phase.workload.signature(person.uid, message))
        if any(not answers for answers in per_step):
            raise BenchFailure(
                f"{phase.workload.name}: a step of person {person.uid} went unanswered in "
                f"calibration: {per_step}"
            )
        key = phase.workload.key(person.uid)
        known = references.setdefault(key, per_step)
        if _flat(known) != _flat(per_step):
            raise BenchFailure(
                f"{phase.workload.name}: two people with the same script got different answers "
                f"in calibration ({key}):\n  {known}\n  {per_step}"
            )
    return references


def _short(answers: list[list[str]]) -> list[list[str]]:
    return [[a[:24] for a in step] for step in answers]


def _flat(answers: list[list[str]]) -> list[str]:
    return [a for step in answers for a in step]


def check(phase: Phase, references: dict[str, list[list[str]]]) -> list[str]:
    """Every person's answers against the calibration: missing, doubled, out of order, or
    different; and every button press answered exactly once."""
    problems: list[str] = []
    for person in phase.people.values():
        want = references[phase.workload.key(person.uid)]
        got = answers_of(phase, person)
        if _flat(got) != _flat(want):
            problems.append(f"person {person.uid}: expected {_short(want)}, got {_short(got)}")
    for query in phase.presses:
        count = phase.api.answered_queries.get(query, 0)
        if count != 1:
            problems.append(f"button press {query} answered {count} times")
    return problems


class BenchFailure(Exception):
    """The bench cannot stand behind its figures: an answer missing, doubled or out of order."""


# --- the three workloads -------------------------------------------------------------------


def join_script(uid: int) -> Sequence[Step]:
    """/join typed as text: committee by number, a name, no phone, and the confirmation."""
    return (
        ("text", "/join"),
        ("text", str(uid % 3 + 1)),
        ("text", "王阿姨"),
        ("text", "跳过"),
        ("text", "确认提交"),
    )


def address(uid: int) -> str:
    """Addresses unlike each other, so no report is taken for a repeat of another."""
    rng = random.Random(uid)
    return "".join(chr(0x4E00 + rng.randrange(20_000)) for _ in range(6)) + f"{uid}号"


def report_script(uid: int) -> Sequence[Step]:
    """/report by buttons: category, committee, address, description, no photos, 一般, 确认提交."""
    return (
        ("text", "/report"),
        ("press", lambda u, n: u % n),
        ("press", lambda u, n: u % n),
        ("text", address(uid)),
        ("text", "楼道里有电动自行车在充电，电线从窗口拉下来"),
        ("press", lambda u, n: n - 1),  # 完成 (no photos)
        ("press", lambda u, n: n - 1),  # 一般
        ("press", lambda u, n: 0),  # 确认提交
    )


def faq_kinds(questions: Sequence[str], per_person: int) -> int:
    """Scripts of ``per_person`` consecutive questions that together ask every question."""
    return -(-len(questions) // per_person)


def faq_script(questions: Sequence[str], per_person: int) -> Callable[[int], Sequence[Step]]:
    kinds = faq_kinds(questions, per_person)

    def script(uid: int) -> Sequence[Step]:
        first = uid % kinds * per_person
        return tuple(("text", questions[(first + i) % len(questions)]) for i in range(per_person))

    return script


def whole_text(uid: int, message: Sent) -> str:
    return message.text


def count_only(uid: int, message: Sent) -> str:
    """Report answers carry reference numbers and addresses; one answer per press is checked by
    count (a press waits for the answer before it can be made)."""
    return "·"


def workloads(questions: Sequence[str], faq_per_person: int = 3) -> list[Workload]:
    return [
        Workload(
            "join",
            "/join typed as text (5 updates a person, all queued at once)",
            join_script,
            3,
            lambda uid: f"committee {uid % 3 + 1}",
            whole_text,
            queued=True,
        ),
        Workload(
            "report",
            "/report by buttons (8 updates a person, each sent when the last is answered)",
            report_script,
            3,
            lambda uid: "report",
            count_only,
            queued=False,
        ),
        Workload(
            "faq",
            f"elevator questions in private chats ({faq_per_person} a person, queued at once)",
            faq_script(questions, faq_per_person),
            faq_kinds(questions, faq_per_person),
            lambda uid: f"questions {uid % faq_kinds(questions, faq_per_person)}",
            whole_text,
            queued=True,
            warm_up=True,  # juwei builds its FAQ index on the first question
        ),
    ]
