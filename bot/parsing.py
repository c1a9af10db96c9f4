"""Parsers for what people type in answer to a question: phone numbers, counts, times, choices.

Every parser is pure. A failure raises ``InputError`` carrying a message-catalogue key (and the
values its text needs), so the engine can re-ask in the person's language with the reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator

from bot.messages import Incoming, Option


class InputError(ValueError):
    """An answer that could not be accepted; ``key`` names the catalogue message explaining why.

    A ``ValueError`` so that pydantic validators (``ChinesePhone``) turn it into a validation error
    while keeping this object in the error's context.
    """

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params: dict[str, object] = params


def normalise(text: str) -> str:
    """Fold the ways one answer can be typed: full-width forms, spacing, letter case."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


# --- what people type, on its way in -------------------------------------------------------------

# ANSI/VT escape sequences (CSI ``ESC [ … letter``, OSC ``ESC ] … BEL``, two-byte ``ESC x``), then
# any other control character but newline and tab: C0, DEL and C1. They colour or move a staff
# terminal, and openpyxl refuses them in a spreadsheet cell.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """Typed text without escape sequences and control characters; line breaks become \\n."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def clean_incoming(msg: Incoming) -> Incoming:
    """Everything a person typed in one message, stripped of control characters: the one place
    on the way in, so nothing stored, shown or exported carries them."""
    args = tuple(a for a in map(strip_controls, msg.args) if a)
    text = strip_controls(msg.text) if msg.text is not None else None
    choice = strip_controls(msg.choice) if msg.choice is not None else None
    reply_to = strip_controls(msg.reply_to_text) if msg.reply_to_text is not None else None
    location = msg.location
    if location is not None and location.label:
        location = replace(location, label=strip_controls(location.label))
    command = strip_controls(msg.command) if msg.command is not None else None
    return replace(
        msg,
        command=command,
        chat=replace(msg.chat, title=strip_controls(msg.chat.title)),
        user=replace(msg.user, name=strip_controls(msg.user.name)),
        text=text,
        args=args,
        choice=choice,
        location=location,
        reply_to_text=reply_to,
    )


# --- ids typed in commands and links --------------------------------------------------------------

MAX_ID = 2**63 - 1  # SQLite's largest integer: a bigger one overflows the query


def parse_id(text: str) -> int | None:
    """A row id as people type it after a command (``12``, ``#12``, ``１２``); None for anything
    else, e.g. ``²`` (a digit to ``str.isdigit``) or a number past SQLite's integers."""
    digits = text.strip().removeprefix("#").removeprefix("＃")
    # isdecimal, not isdigit: int() reads full-width digits but raises on superscripts.
    if not digits.isdecimal() or len(digits) > 19:
        return None
    value = int(digits)
    return value if 0 < value <= MAX_ID else None


# --- Chinese numerals -------------------------------------------------------------------------

_CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG_UNITS = {"万": 10**4, "亿": 10**8}
_CN_CHARS = "".join(_CN_DIGITS) + "".join(_CN_SMALL_UNITS) + "".join(_CN_BIG_UNITS)


def _chinese_to_int(text: str) -> int | None:
    """Read a Chinese numeral: 十二, 一百零五, 两万三 (= 23000), or digit by digit, 二〇二六."""
    if not text or any(ch not in _CN_CHARS for ch in text):
        return None
    if all(ch in _CN_DIGITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))

    done = 0  # whole 亿 groups
    upper = 0  # the 万 group within the current 亿 group
    current = 0  # below 万
    digit: int | None = None
    last_small = 10**4  # small units must fall within a group: 千 > 百 > 十
    last_big = 10**9
    unit_before_digit: int | None = None  # the unit just before a trailing digit, for 一百五
    prev_unit: int | None = None
    for ch in text:
        if ch in _CN_DIGITS:
            if digit is not None:
                return None
            value = _CN_DIGITS[ch]
            if value == 0:
                prev_unit = None
                continue
            digit, unit_before_digit, prev_unit = value, prev_unit, None
        elif ch in _CN_SMALL_UNITS:
            unit = _CN_SMALL_UNITS[ch]
            if unit >= last_small:
                return None
            if digit is None:
                if unit != 10:
                    return None
                digit = 1  # 十二 is 12: a leading 十 carries an unwritten 一
            current += digit * unit
            digit, last_small, prev_unit = None, unit, unit
        else:
            unit = _CN_BIG_UNITS[ch]
            group = current + (digit or 0)
            if group == 0 or unit >= last_big:
                return None
            if unit == 10**4:
                upper = group * unit
            else:
                done = (upper + group) * unit
                upper = 0
            current, digit, last_small, last_big, prev_unit = 0, None, 10**4, unit, unit
    if digit is not None:
        # 一百五 means 150 and 两万三 means 23000: a digit straight after a unit counts in the
        # next unit down; after 零 (一百零五) or 十 it counts ones.
        scale = unit_before_digit // 10 if unit_before_digit else 1
        current += digit * scale
    return done + upper + current


def _number(text: str) -> int | None:
    """Digits or a Chinese numeral, as an int; None if it is neither."""
    if text.isascii() and text.isdigit():
        return int(text)
    return _chinese_to_int(text)


# --- phone numbers ----------------------------------------------------------------------------

_PHONE_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―.()]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def parse_phone(text: str) -> str:
    """A mainland mobile as 11 digits; takes +86/0086/86, spaces, dashes and full-width forms."""
    digits = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not _MOBILE.fullmatch(digits):
        raise InputError("input.phone.invalid")
    return digits


ChinesePhone = Annotated[str, AfterValidator(parse_phone)]


# --- counts -----------------------------------------------------------------------------------

_INT = re.compile(
    r"(?P<sign>[-+负])?"
    rf"(?P<number>[0-9]{{1,3}}(?:,[0-9]{{3}})+|[0-9]+|[{_CN_CHARS}]+)"
    r"个?(?:人|位|名|口|户|次|张|份|件|岁|间|台|辆|只|套|天|晚)?",
    re.ASCII,
)


# A head count said in a sentence: 我和老伴两个人, 我们三个, 我们俩, 一家三口.
_HEADS = re.compile(rf"(?P<number>[0-9]+|[{_CN_CHARS}]+)(?:个人|个|人|位|名|口)|(?P<pair>[俩仨])")
_PAIR = {"俩": 2, "仨": 3}


def _head_count(text: str) -> int | None:
    """The one head count in a sentence; None when there is none, or more than one."""
    found = list(_HEADS.finditer(text))
    if len(found) != 1:
        return None
    match = found[0]
    return _PAIR[match["pair"]] if match["pair"] else _number(match["number"])


def parse_int(text: str, low: int, high: int) -> int:
    """A whole number from low to high inclusive: 3, ３, 三, 两, 十二, 3人, 3 位, 三个,
    and a head count in a sentence (我和老伴两个人, 我们俩)."""
    compact = normalise(text).replace(" ", "")
    match = _INT.fullmatch(compact)
    value = _number(match["number"].replace(",", "")) if match else None
    if value is None:
        value = _head_count(compact)
        if value is None:
            raise InputError("input.number.invalid")
    elif match is not None and match["sign"] in ("-", "负"):
        value = -value
    if not low <= value <= high:
        raise InputError("input.number.range", low=low, high=high)
    return value


# --- dates and times --------------------------------------------------------------------------

_SMALL_CN = "零〇一二两三四五六七八九十"
_MD = rf"[0-9]{{1,2}}|[{_SMALL_CN}]{{1,3}}"  # a month, day, hour or minute
_YEAR = r"[0-9]{4}|[零〇一二三四五六七八九]{4}"

_FULL_DATE = re.compile(
    r"(?P<y>[0-9]{4}) ?(?P<sep>[-/.]) ?(?P<m>[0-9]{1,2}) ?(?P=sep) ?(?P<d>[0-9]{1,2})(?![0-9])"
)
_CN_DATE = re.compile(
    rf"(?:(?:(?P<y>{_YEAR}) ?年|(?P<ry>今年|明年|后年)) ?)?"
    rf"(?P<m>{_MD}) ?月 ?(?P<d>{_MD}) ?[日号]?"
)
_SHORT_DATE = re.compile(r"(?P<m>[0-9]{1,2}) ?[-/] ?(?P<d>[0-9]{1,2})(?![0-9])")
_DAY_OF_MONTH = re.compile(rf"(?P<d>{_MD}) ?[日号]")
_RELATIVE_DAY = re.compile(r"大后天|后天|明天|明日|今天|今日|昨天|昨日|前天|今晚|今早|明晚|明早")
_WEEKDAY = re.compile(
    r"(?P<week>这个?|本|下下个?|下个?|上个?)? ?(?:周|星期|礼拜)(?P<day>[一二三四五六日天1-7])"
)
_PERIOD = re.compile(r"凌晨|清晨|早晨|早上|上午|中午|下午|傍晚|晚上|晚间|夜里|夜间")
_CLOCK = re.compile(r"(?P<h>[0-9]{1,2}) ?: ?(?P<min>[0-9]{2})(?: ?: ?(?P<s>[0-9]{2}))?")
_CN_CLOCK = re.compile(
    rf"(?P<h>{_MD}) ?(?:点钟|点|时) ?"
    rf"(?:(?P<half>半)|(?P<quarter>[一三])刻|(?P<min>{_MD}) ?分?)? ?整?"
)
_MERIDIEM = re.compile(r"am|pm|a\.m\.|p\.m\.")
_BARE_HOUR = re.compile(r"(?P<h>[0-9]{1,2})(?P<min>)(?= ?(?:am|pm|a\.m\.|p\.m\.))")  # 2pm
_DATE_TIME_SEPARATOR = re.compile(r"[t,]?")
_TRAILING = re.compile(r"(?:左右)?[ .。!~]*")

_RELATIVE_OFFSETS = {
    "前天": -2, "昨天": -1, "昨日": -1, "今天": 0, "今日": 0, "今晚": 0, "今早": 0,
    "明天": 1, "明日": 1, "明晚": 1, "明早": 1, "后天": 2, "大后天": 3,
}  # fmt: skip
_IMPLIED_PERIOD = {"今晚": "晚上", "明晚": "晚上", "今早": "早上", "明早": "早上"}
_WEEK_OFFSETS = {"这": 0, "这个": 0, "本": 0, "下": 1, "下个": 1, "下下": 2, "下下个": 2,
                 "上": -1, "上个": -1}  # fmt: skip
_WEEKDAY_INDEX = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_NIGHT = {"晚上", "晚间", "夜里", "夜间"}
_AFTERNOON = {"下午", "傍晚", "pm"}
_MORNING = {"凌晨", "清晨", "早晨", "早上", "上午", "am"}


@dataclass(frozen=True, slots=True)
class _Day:
    """The date part of an answer, resolved against today."""

    day: date
    bare_weekday: bool = False  # 周五 with no 这/下: roll a week on if that time today has passed
    period: str | None = None  # 今晚 and 明早 carry a time of day


class _Cursor:
    """Consumes the normalised answer left to right, one pattern at a time."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def take(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        while self.pos < len(self.text) and self.text[self.pos] == " ":
            self.pos += 1
        match = pattern.match(self.text, self.pos)
        if match:
            self.pos = match.end()
        return match

    @property
    def at_end(self) -> bool:
        return self.pos == len(self.text)


def _invalid() -> InputError:
    return InputError("input.datetime.invalid")


def _month_day(month_text: str, day_text: str) -> tuple[int, int]:
    month, day = _number(month_text), _number(day_text)
    if month is None or day is None or not 1 <= month <= 12 or not 1 <= day <= 31:
        raise _invalid()
    return month, day


def _next_date(today: date, month: int, day: int) -> date:
    """The first month/day on or after today; 2月29日 waits for a leap year."""
    for year in range(today.year, min(today.year + 9, 10000)):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise _invalid()


def _next_day_of_month(today: date, day: int) -> date:
    if not 1 <= day <= 31:
        raise _invalid()
    year, month = today.year, today.month
    for _ in range(3):  # any day 1..31 occurs within three months
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise _invalid()


def _take_day(cursor: _Cursor, today: date) -> _Day | None:
    if match := cursor.take(_FULL_DATE):
        return _Day(date(int(match["y"]), int(match["m"]), int(match["d"])))
    if match := cursor.take(_CN_DATE):
        month, day = _month_day(match["m"], match["d"])
        if match["y"]:
            return _Day(date(_number(match["y"]) or 0, month, day))
        if match["ry"]:
            year = today.year + {"今年": 0, "明年": 1, "后年": 2}[match["ry"]]
            return _Day(date(year, month, day))
        return _Day(_next_date(today, month, day))
    if match := cursor.take(_SHORT_DATE):
        return _Day(_next_date(today, *_month_day(match["m"], match["d"])))
    if match := cursor.take(_WEEKDAY):
        weekday = int(match["day"]) - 1 if match["day"].isdigit() else _WEEKDAY_INDEX[match["day"]]
        if match["week"] is None:
            return _Day(today + timedelta(days=(weekday - today.weekday()) % 7), bare_weekday=True)
        monday = today - timedelta(days=today.weekday())
        return _Day(monday + timedelta(weeks=_WEEK_OFFSETS[match["week"]], days=weekday))
    if match := cursor.take(_RELATIVE_DAY):
        word = match.group()
        offset = timedelta(days=_RELATIVE_OFFSETS[word])
        return _Day(today + offset, period=_IMPLIED_PERIOD.get(word))
    if match := cursor.take(_DAY_OF_MONTH):
        return _Day(_next_day_of_month(today, _number(match["d"]) or 0))
    return None


def _hour_in_period(hour: int, period: str | None) -> tuple[int, int]:
    """The 24-hour clock hour and a day offset (晚上12点 is midnight at the end of the day)."""
    if period in _NIGHT:
        if hour in (0, 12, 24):
            return 0, 1
        return (hour + 12 if 1 <= hour <= 11 else hour), 0
    if period in _AFTERNOON:
        if hour == 0:
            raise _invalid()
        return (hour + 12 if 1 <= hour <= 11 else hour), 0
    if period == "中午":
        return (hour + 12 if 1 <= hour <= 5 else hour), 0
    if period in _MORNING:
        if hour > 12:
            raise _invalid()
        # 凌晨12点 and 12am are the midnight that starts the day; 上午12点 is noon.
        return (0 if hour == 12 and period in ("凌晨", "am") else hour), 0
    if hour == 24:
        return 0, 1
    return hour, 0


_GUESSED_AFTERNOON = range(1, 7)  # 3点 for an event is 15:00: nobody meets at 03:00


def _take_time(
    cursor: _Cursor, period: str | None, afternoon: bool
) -> tuple[time, int, bool] | None:
    """A time of day, a day offset and whether the afternoon was assumed; None: no time here."""
    if match := cursor.take(_PERIOD):
        period = match.group()
    cn_clock = None
    clock = cursor.take(_CLOCK)
    if clock is None:
        clock = cn_clock = cursor.take(_CN_CLOCK)
    clock = clock or cursor.take(_BARE_HOUR)
    if clock is None:
        return None
    if meridiem := cursor.take(_MERIDIEM):
        period = "pm" if meridiem.group().startswith("p") else "am"
    hour = _number(clock["h"])
    groups = clock.groupdict()
    if groups.get("half"):
        minute: int | None = 30
    elif groups.get("quarter"):
        minute = 15 if groups["quarter"] == "一" else 45
    else:
        minute = _number(clock["min"]) if clock["min"] else 0
    second = int(clock["s"]) if groups.get("s") else 0
    if hour is None or minute is None or not 0 <= minute <= 59 or not 0 <= second <= 59:
        raise _invalid()
    if hour > 24 or (hour == 24 and (minute or second)):
        raise _invalid()
    assumed = afternoon and period is None and cn_clock is not None and hour in _GUESSED_AFTERNOON
    if assumed:
        period = "下午"
    hour, day_offset = _hour_in_period(hour, period)
    if hour > 23 or (day_offset and (minute or second)):
        raise _invalid()
    return time(hour, minute, second), day_offset, assumed


@dataclass(frozen=True, slots=True)
class Reading:
    """A moment read from an answer, and whether a bare 1–6点 was taken as the afternoon."""

    moment: datetime
    assumed_afternoon: bool = False


def read_datetime(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    on: date | None = None,
    afternoon: bool = False,
) -> Reading:
    """A moment in tz from answers such as 7月18日下午2点, 明天 14:00, 下周三 9点半, 晚上8点.

    A time with no date is on the day ``on`` when given (an end time on its start's day);
    otherwise today, or tomorrow once that time has passed. A bare weekday is the next such
    day. With ``afternoon``, 1–6点 without 上午/下午 is read as 13:00–18:00 (event and meeting
    times), and the reading says so. Whether the moment is in the past is left to the caller.
    """
    local_now = now.astimezone(tz) if now.tzinfo else now.replace(tzinfo=tz)
    today = local_now.date()
    cursor = _Cursor(normalise(text))
    try:
        day = _take_day(cursor, today)
        cursor.take(_DATE_TIME_SEPARATOR)
        clock = _take_time(cursor, day.period if day else None, afternoon)
        cursor.take(_TRAILING)
        if not cursor.at_end:
            raise InputError("input.datetime.unrecognised")
        if clock is None:
            if day is None:
                raise InputError("input.datetime.unrecognised")
            raise InputError("input.datetime.no_time")
        time_of_day, day_offset, assumed = clock
        base = day.day if day else on or today
        moment = datetime.combine(base + timedelta(days=day_offset), time_of_day, tzinfo=tz)
        rolls = (day is None and on is None) or (day is not None and day.bare_weekday)
        if moment < local_now and rolls:
            moment += timedelta(days=7 if day else 1)
    except InputError:
        raise
    except (ValueError, OverflowError) as error:  # impossible dates, or past year 9999
        raise _invalid() from error
    return Reading(moment, assumed)


def parse_datetime(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    on: date | None = None,
    afternoon: bool = False,
) -> datetime:
    """The moment ``read_datetime`` reads (see there)."""
    return read_datetime(text, now=now, tz=tz, on=on, afternoon=afternoon).moment


# --- choices ----------------------------------------------------------------------------------

_NUMBERED = re.compile(rf"第?(?P<n>[0-9]+|[{_CN_CHARS}]+)(?:个|项|条|种|号)?[.、)]?", re.ASCII)
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕|「[^「」]*」")


def _without_brackets(label: str) -> str:
    return _BRACKETED.sub("", label)


def _compact(text: str) -> str:
    # Spacing in Chinese is incidental: 充电 (楼道) and 充电（楼道） are the same label.
    return text.replace(" ", "")


def option_matches(
    text: str,
    options: Sequence[Option],
    synonyms: Mapping[str, Sequence[str]] | None = None,
) -> list[Option]:
    """The options a typed answer could mean: by value, number, label, short label, a synonym
    (given per option value, e.g. 电瓶车 for the e-bike category), or a part of either.

    Stages are tried in that order and the first stage with any match decides; more than one
    option back means the answer fits several and the person should be asked which.
    """
    typed = normalise(text)
    if not typed or not options:
        return []
    by_value = [option for option in options if option.value == text.strip()]
    if by_value:
        return by_value[:1]
    if numbered := _NUMBERED.fullmatch(typed):
        index = _number(numbered["n"])
        if index is not None and 1 <= index <= len(options):
            return [options[index - 1]]
    typed = _compact(typed)
    labels = [(option, normalise(option.label)) for option in options]
    words = {
        option.value: [_compact(normalise(w)) for w in (synonyms or {}).get(option.value, ())]
        for option in options
    }
    stages = [
        [option for option, label in labels if _compact(label) == typed],
        [option for option, label in labels if _compact(_without_brackets(label)) == typed],
        [option for option in options if typed in words[option.value]],
    ]
    for matches in stages:
        if matches:
            return matches
    parts = [
        option
        for option, label in labels
        if typed in _compact(label) or any(w in typed for w in words[option.value] if len(w) > 1)
    ]
    # One character picks nothing by itself (要 is in 需要 and 不需要), but can still show
    # that an answer fits several options.
    return parts if len(typed) >= 2 or len(parts) > 1 else []


def match_option(
    text: str,
    options: Sequence[Option],
    synonyms: Mapping[str, Sequence[str]] | None = None,
) -> Option | None:
    """The one option a typed answer picks, or None when it fits none or several (no guess)."""
    found = option_matches(text, options, synonyms)
    return found[0] if len(found) == 1 else None


# --- yes and no -------------------------------------------------------------------------------

# Whole answers that say yes though they contain a 没 or 不 (没问题, 不错).
_YES_DESPITE_NEGATION = ("没问题", "没事了", "没毛病", "不错", "挺不错")
_NO_MARKS = ("没", "未", "不", "否", "还在", "仍", "依然", "依旧", "照旧", "老样子")
_YES_MARKS = ("是", "对", "好", "修复", "解决", "到位", "可以", "行", "清理", "搬走", "嗯")
_YES_WORDS = frozenset({"y", "yes", "ok", "okay", "yep", "sure", "done", "fixed"})
_NO_WORDS = frozenset({"n", "no", "nope", "notyet", "notfixed", "notdone"})
_QUESTION = re.compile(r"[?？吗呢么]|怎么|什么|多少|如何|哪|为啥|为什么")
YES_NO_MAX_LENGTH = 20  # longer messages are questions or stories, not an answer


def parse_yes_no(text: str) -> bool | None:
    """A plain reply read as yes or no: 是的 / 好了 / 已经修好了 → True; 否 / 不是 / 还没有 /
    没修好 / 电线还在 → False; None for anything else, questions included."""
    said = _compact(normalise(text)).strip("。.!！~,，")
    if not said or len(said) > YES_NO_MAX_LENGTH or _QUESTION.search(said):
        return None
    if said in _YES_WORDS or said in _NO_WORDS:
        return said in _YES_WORDS
    if any(word in said for word in _YES_DESPITE_NEGATION):
        return True
    if any(mark in said for mark in _NO_MARKS):
        return False
    if any(mark in said for mark in _YES_MARKS):
        return True
    return None
