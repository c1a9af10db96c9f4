from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from bot.messages import Option
from bot.parsing import (
    ChinesePhone,
    InputError,
    match_option,
    normalise,
    option_matches,
    parse_datetime,
    parse_id,
    parse_int,
    parse_phone,
    parse_yes_no,
    read_datetime,
    strip_controls,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)  # a Thursday
LATE_DECEMBER = datetime(2026, 12, 28, 10, 0, tzinfo=SHANGHAI)  # a Monday


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def error_key(call: object) -> str:
    assert callable(call)
    with pytest.raises(InputError) as caught:
        call()
    return caught.value.key


def to_chinese(n: int) -> str:
    """Standard written Chinese for 0 <= n < 10**8, built independently of the parser."""
    digits = "零一二三四五六七八九"
    if n == 0:
        return "零"

    def below_ten_thousand(value: int) -> str:
        out, pending_zero = "", False
        for unit, place in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
            digit = value // place % 10
            if digit == 0:
                pending_zero = bool(out)
                continue
            if pending_zero:
                out += "零"
                pending_zero = False
            out += digits[digit] + unit
        return out

    high, low = divmod(n, 10_000)
    if high:
        text = below_ten_thousand(high) + "万"
        if low:
            text += ("零" if low < 1000 else "") + below_ten_thousand(low)
    else:
        text = below_ten_thousand(low)
    return text[1:] if text.startswith("一十") else text


def test_to_chinese_helper_writes_standard_forms() -> None:
    assert [to_chinese(n) for n in (10, 12, 20, 105, 110, 1010, 10010, 23000, 100000)] == [
        "十", "十二", "二十", "一百零五", "一百一十", "一千零一十", "一万零一十", "二万三千",
        "十万",
    ]  # fmt: skip


# --- normalise ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Hello   World ", "hello world"),
        ("ＡＢＣ　１２３", "abc 123"),
        ("电动自行车\t违规\n停放", "电动自行车 违规 停放"),
        ("（楼道）", "(楼道)"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


# --- phone --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "0086 13812345678",
        "8613812345678",
        "１３８１２３４５６７８",
        "＋８６　１３８－１２３４－５６７８",
        "(+86) 138.1234.5678",
    ],
)
def test_parse_phone_accepts_common_forms(text: str) -> None:
    assert parse_phone(text) == "13812345678"


@pytest.mark.parametrize(
    "text",
    ["", "1381234567", "138123456789", "12812345678", "23812345678", "021-12345678", "abc",
     "+85 13812345678", "138一二三四五六七八"],
)  # fmt: skip
def test_parse_phone_rejects(text: str) -> None:
    assert error_key(lambda: parse_phone(text)) == "input.phone.invalid"


class _Contact(BaseModel):
    phone: ChinesePhone


def test_chinese_phone_type_validates_and_keeps_the_key() -> None:
    assert _Contact(phone="+86 139-0000-1111").phone == "13900001111"
    with pytest.raises(ValidationError) as caught:
        _Contact(phone="12345")
    error = caught.value.errors()[0]["ctx"]["error"]
    assert isinstance(error, InputError)
    assert error.key == "input.phone.invalid"


_FULL_WIDTH = str.maketrans("0123456789+-", "０１２３４５６７８９＋－")
_SEPARATORS = st.sampled_from(["", " ", "-", "　", "－", "  "])


@st.composite
def written_phone(draw: st.DrawFn) -> tuple[str, str]:
    rest = draw(st.text("0123456789", min_size=9, max_size=9))
    number = "1" + draw(st.sampled_from("3456789")) + rest
    prefix = draw(st.sampled_from(["", "+86", "0086", "86", "+86 ", "(+86)", "0086-"]))
    written = prefix
    for digit in number:
        written += draw(_SEPARATORS) + digit
    if draw(st.booleans()):
        written = written.translate(_FULL_WIDTH)
    return number, draw(_SEPARATORS) + written + draw(_SEPARATORS)


@given(written_phone())
def test_parse_phone_round_trips_any_written_number(case: tuple[str, str]) -> None:
    number, written = case
    assert parse_phone(written) == number


@given(st.text())
def test_parse_phone_raises_only_input_error(text: str) -> None:
    try:
        result = parse_phone(text)
    except InputError as error:
        assert error.key == "input.phone.invalid"
    else:
        assert len(result) == 11 and result.isdigit()


# --- integers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3), ("３", 3), ("三", 3), ("两", 2), ("十二", 12), ("3人", 3), ("3 位", 3),
        ("三个", 3), ("三个人", 3), (" 12 ", 12), ("二十", 20), ("一百零五", 105),
        ("一百五", 150), ("两万三", 23000), ("1,200", 1200), ("零", 0), ("-2", -2), ("负二", -2),
    ],
)  # fmt: skip
def test_parse_int_accepts(text: str, expected: int) -> None:
    assert parse_int(text, -100, 100_000) == expected


@pytest.mark.parametrize(
    "text", ["", "abc", "3.5", "三点五", "十十", "百", "二三四十", "1,2", "3米"]
)
def test_parse_int_rejects_non_numbers(text: str) -> None:
    assert error_key(lambda: parse_int(text, 0, 1000)) == "input.number.invalid"


def test_parse_int_range_error_carries_the_bounds() -> None:
    with pytest.raises(InputError) as caught:
        parse_int("十一", 1, 10)
    assert caught.value.key == "input.number.range"
    assert caught.value.params == {"low": 1, "high": 10}
    assert error_key(lambda: parse_int("0", 1, 10)) == "input.number.range"


@st.composite
def number_in_range(draw: st.DrawFn) -> tuple[int, int, int]:
    low = draw(st.integers(0, 99_999_999))
    high = draw(st.integers(low, 99_999_999))
    return low, high, draw(st.integers(low, high))


@given(number_in_range())
def test_parse_int_round_trips_digits_and_chinese(case: tuple[int, int, int]) -> None:
    low, high, n = case
    assert parse_int(str(n), low, high) == n
    assert parse_int(to_chinese(n), low, high) == n
    assert parse_int(f"{n}人", low, high) == n


@given(st.integers(0, 9999))
def test_parse_int_reads_two_as_liang(n: int) -> None:
    assert parse_int(to_chinese(n).replace("二", "两"), 0, 9999) == n


@given(st.text(), st.integers(-1000, 1000), st.integers(0, 2000))
def test_parse_int_raises_only_input_error(text: str, low: int, span: int) -> None:
    try:
        value = parse_int(text, low, low + span)
    except InputError as error:
        assert error.key in ("input.number.invalid", "input.number.range")
    else:
        assert low <= value <= low + span


# --- date and time ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-07-18 14:00", at(2026, 7, 18, 14)),
        ("2026/7/18 14:00", at(2026, 7, 18, 14)),
        ("2026.7.18 14:00", at(2026, 7, 18, 14)),
        ("2026-07-18T14:00", at(2026, 7, 18, 14)),
        ("２０２６－０７－１８　１４：００", at(2026, 7, 18, 14)),
        ("2026年7月18日14点", at(2026, 7, 18, 14)),
        ("二〇二六年七月十八日下午两点一刻", at(2026, 7, 18, 14, 15)),
        ("明年3月1日 9:00", at(2027, 3, 1, 9)),
        # no year: the next such date on or after today
        ("7月18日 14:00", at(2027, 7, 18, 14)),
        ("7月18日下午2点", at(2027, 7, 18, 14)),
        ("7-18 14:00", at(2027, 7, 18, 14)),
        ("12/3 9:00", at(2026, 12, 3, 9)),
        ("11月26日 8点", at(2026, 11, 26, 8)),  # today counts even when the hour has passed
        ("11月25日 8点", at(2027, 11, 25, 8)),
        ("2月29日 9点", at(2028, 2, 29, 9)),
        ("18号 9点", at(2026, 12, 18, 9)),
        ("30号 9点", at(2026, 11, 30, 9)),
        # relative days
        ("明天下午3点", at(2026, 11, 27, 15)),
        ("后天上午9点半", at(2026, 11, 28, 9, 30)),
        ("大后天 10:00", at(2026, 11, 29, 10)),
        ("今天 20:30", at(2026, 11, 26, 20, 30)),
        ("今天 8:00", at(2026, 11, 26, 8)),
        ("今晚8点", at(2026, 11, 26, 20)),
        ("明早7点半", at(2026, 11, 27, 7, 30)),
        ("昨天 9:00", at(2026, 11, 25, 9)),
        # weekdays: Monday-based weeks; 2026-11-26 is a Thursday
        ("下周三 14:00", at(2026, 12, 2, 14)),
        ("下个星期一 9点", at(2026, 11, 30, 9)),
        ("下周日 9点", at(2026, 12, 6, 9)),
        ("本周二 9点", at(2026, 11, 24, 9)),
        ("周五晚上7点", at(2026, 11, 27, 19)),
        ("星期六上午10点", at(2026, 11, 28, 10)),
        ("礼拜天 下午4点", at(2026, 11, 29, 16)),
        ("周三 9点", at(2026, 12, 2, 9)),
        ("周四 11:00", at(2026, 11, 26, 11)),
        ("周四 9:00", at(2026, 12, 3, 9)),  # today's 9:00 has passed: next week
        # time alone: today, or tomorrow once passed
        ("3点15分", at(2026, 11, 27, 3, 15)),
        ("晚上8点", at(2026, 11, 26, 20)),
        ("中午12点", at(2026, 11, 26, 12)),
        ("中午1点", at(2026, 11, 26, 13)),
        ("凌晨1点", at(2026, 11, 27, 1)),
        ("凌晨12点", at(2026, 11, 27, 0)),
        ("下午三点", at(2026, 11, 26, 15)),
        ("下午3:30", at(2026, 11, 26, 15, 30)),
        ("下午14点", at(2026, 11, 26, 14)),
        ("十二点", at(2026, 11, 26, 12)),
        ("14:00", at(2026, 11, 26, 14)),
        ("9:00", at(2026, 11, 27, 9)),
        ("10:00", at(2026, 11, 26, 10)),  # exactly now is not past
        ("14点整", at(2026, 11, 26, 14)),
        ("三点四十五", at(2026, 11, 27, 3, 45)),
        ("下午三点三刻", at(2026, 11, 26, 15, 45)),
        ("下午3点05分", at(2026, 11, 26, 15, 5)),
        ("晚上12点", at(2026, 11, 27, 0)),
        ("2pm", at(2026, 11, 26, 14)),
        ("明天 9:30 am", at(2026, 11, 27, 9, 30)),
        ("明天下午3点左右。", at(2026, 11, 27, 15)),
    ],
)
def test_parse_datetime(text: str, expected: datetime) -> None:
    result = parse_datetime(text, now=NOW, tz=SHANGHAI)
    assert result == expected
    assert result.tzinfo == SHANGHAI


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1月5日 9点", at(2027, 1, 5, 9)),
        ("1-5 9:00", at(2027, 1, 5, 9)),
        ("12月28日 9点", at(2026, 12, 28, 9)),
        ("12月31日 23:59", at(2026, 12, 31, 23, 59)),
        ("5号 9点", at(2027, 1, 5, 9)),
        ("下周三 14:00", at(2027, 1, 6, 14)),
        ("周五 9点", at(2027, 1, 1, 9)),
        ("晚上8点", at(2026, 12, 28, 20)),
    ],
)
def test_parse_datetime_rolls_over_the_year(text: str, expected: datetime) -> None:
    assert parse_datetime(text, now=LATE_DECEMBER, tz=SHANGHAI) == expected


def test_parse_datetime_uses_now_in_the_given_zone() -> None:
    # 23:00 UTC on the 26th is already 07:00 on the 27th in Shanghai.
    utc_now = datetime(2026, 11, 26, 23, 0, tzinfo=ZoneInfo("UTC"))
    assert parse_datetime("明天 9:00", now=utc_now, tz=SHANGHAI) == at(2026, 11, 28, 9)
    assert parse_datetime("8:00", now=utc_now, tz=SHANGHAI) == at(2026, 11, 27, 8)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("明天", "input.datetime.no_time"),
        ("明天下午", "input.datetime.no_time"),
        ("7月18日", "input.datetime.no_time"),
        ("2026-07-18", "input.datetime.no_time"),
        ("下周三", "input.datetime.no_time"),
        ("2月30日 10点", "input.datetime.invalid"),
        ("2027-02-29 10:00", "input.datetime.invalid"),
        ("13月1日 10点", "input.datetime.invalid"),
        ("25点", "input.datetime.invalid"),
        ("14:60", "input.datetime.invalid"),
        ("上午14点", "input.datetime.invalid"),
        ("24:30", "input.datetime.invalid"),
        ("", "input.datetime.unrecognised"),
        ("hello", "input.datetime.unrecognised"),
        ("明天下午3点开会", "input.datetime.unrecognised"),
        ("下周", "input.datetime.unrecognised"),
        ("14:5", "input.datetime.unrecognised"),
    ],
)
def test_parse_datetime_errors(text: str, key: str) -> None:
    assert error_key(lambda: parse_datetime(text, now=NOW, tz=SHANGHAI)) == key


_DATETIME_TOKENS = st.sampled_from(
    ["2026", "-", "/", ":", " ", "年", "月", "日", "号", "点", "分", "半", "刻", "整", "周",
     "星期", "下", "上", "本", "明天", "今晚", "后天", "上午", "下午", "晚上", "中午", "凌晨",
     "一", "二", "两", "三", "十", "零", "〇", "0", "1", "2", "9", "12", "24", "29", "31", "99",
     "t", "pm", "am", "左右", "。", "x"]
)  # fmt: skip
_NOWS = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))


@settings(max_examples=300)
@given(st.one_of(st.text(), st.lists(_DATETIME_TOKENS, max_size=12).map("".join)), _NOWS)
def test_parse_datetime_raises_only_input_error(text: str, now: datetime) -> None:
    try:
        result = parse_datetime(text, now=now.replace(tzinfo=SHANGHAI), tz=SHANGHAI)
    except InputError as error:
        assert error.key.startswith("input.datetime.")
    else:
        assert result.tzinfo == SHANGHAI


@given(
    st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)),
    _NOWS,
)
def test_parse_datetime_round_trips_iso_minutes(moment: datetime, now: datetime) -> None:
    moment = moment.replace(second=0, microsecond=0)
    text = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} {moment:%H:%M}"
    parsed = parse_datetime(text, now=now.replace(tzinfo=SHANGHAI), tz=SHANGHAI)
    assert parsed == moment.replace(tzinfo=SHANGHAI)


@given(st.integers(0, 23), st.integers(0, 59))
def test_parse_datetime_time_alone_is_the_next_occurrence(hour: int, minute: int) -> None:
    parsed = parse_datetime(f"{hour}:{minute:02d}", now=NOW, tz=SHANGHAI)
    assert (parsed.hour, parsed.minute) == (hour, minute)
    assert NOW <= parsed < NOW + timedelta(days=1)


# --- options ------------------------------------------------------------------------------------

HAZARDS = (
    Option("电动自行车违规停放/充电 (楼道停放、飞线充电)", "ebike"),
    Option("楼道堆物", "clutter"),
    Option("消防通道占用", "fire_lane"),
    Option("高空抛物", "throwing"),
    Option("其他", "other"),
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("clutter", "clutter"),
        (" fire_lane ", "fire_lane"),
        ("1", "ebike"),
        ("３", "fire_lane"),
        ("第2个", "clutter"),
        ("第二项", "clutter"),
        ("五", "other"),
        ("②", "clutter"),
        ("4.", "throwing"),
        ("楼道堆物", "clutter"),
        ("  楼道堆物 ", "clutter"),
        ("电动自行车违规停放/充电 (楼道停放、飞线充电)", "ebike"),
        ("电动自行车违规停放/充电（楼道停放、飞线充电）", "ebike"),
        ("电动自行车违规停放/充电", "ebike"),
        ("飞线充电", "ebike"),
        ("消防", "fire_lane"),
        ("高空", "throwing"),
    ],
)
def test_match_option(text: str, value: str) -> None:
    matched = match_option(text, HAZARDS)
    assert matched is not None
    assert matched.value == value


@pytest.mark.parametrize("text", ["", "  ", "楼", "楼道", "6", "第0个", "十一", "垃圾分类"])
def test_match_option_returns_none(text: str) -> None:
    # 楼道 is in two labels and 楼 is too short to search by.
    assert match_option(text, HAZARDS) is None


def test_match_option_order_value_beats_number_beats_label() -> None:
    options = (Option("2", "a"), Option("第一项", "1"), Option("三", "c"))
    assert match_option("1", options) == options[1]  # the value "1", not the first option
    assert match_option("2", options) == options[1]  # the number, not the label "2"
    assert match_option("三", options) == options[2]


def test_match_option_duplicate_labels_are_ambiguous() -> None:
    options = (Option("是", "yes"), Option("是", "also_yes"), Option("否", "no"))
    assert match_option("是", options) is None
    assert match_option("否", options) == options[2]


def test_match_option_brackets_of_every_kind() -> None:
    options = (Option("【重要】停水通知", "water"), Option("停电通知 [全小区]", "power"))
    assert match_option("停水通知", options) == options[0]
    assert match_option("停电通知", options) == options[1]


_OPTION_LISTS = st.lists(
    st.builds(Option, label=st.text(max_size=12), value=st.text(max_size=8)),
    min_size=1,
    max_size=10,
)


def _numbering_forms(n: int) -> list[str]:
    forms = [str(n), str(n).translate(_FULL_WIDTH), f"第{n}个"]
    if n <= 10:
        forms += [to_chinese(n), f"第{to_chinese(n)}个"]
    return forms


@given(_OPTION_LISTS, st.data())
def test_match_option_by_number_returns_the_numbered_option(
    options: list[Option], data: st.DataObject
) -> None:
    index = data.draw(st.integers(1, len(options)))
    typed = data.draw(st.sampled_from(_numbering_forms(index)))
    # Values are matched first by design, so only check numbers no value spells.
    assume(all(option.value != typed.strip() for option in options))
    assert match_option(typed, options) is options[index - 1]


@given(_OPTION_LISTS, st.text())
def test_match_option_returns_an_offered_option_or_none(options: list[Option], text: str) -> None:
    matched = match_option(text, options)
    assert matched is None or any(matched is option for option in options)


# --- head counts, yes and no, answers that fit several options -------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("我和老伴两个人", 2), ("两个人", 2), ("俩", 2), ("我们俩", 2), ("我们三个", 3),
     ("一家三口", 3), ("就我一个人", 1), ("我们仨", 3)],
)  # fmt: skip
def test_parse_int_reads_a_head_count_in_a_sentence(text: str, expected: int) -> None:
    assert parse_int(text, 1, 10) == expected


@pytest.mark.parametrize("text", ["我们两个人和三个孩子", "3号楼", "我和老伴"])
def test_a_sentence_without_exactly_one_head_count_is_not_a_number(text: str) -> None:
    assert error_key(lambda: parse_int(text, 1, 10)) == "input.number.invalid"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("好了", True), ("已经修好了", True), ("是的", True), ("是", True), ("是同一处", True),
     ("没问题", True), ("OK", True), ("还没有", False), ("没修好", False), ("电线还在", False),
     ("否", False), ("不是", False), ("no", False), ("加装电梯要多少钱", None),
     ("楼道还能不能堆东西？", None), ("是不是要交钱吗", None), ("", None),
     ("今天天气怎么样", None), ("我know了", None)],
)  # fmt: skip
def test_parse_yes_no(text: str, expected: bool | None) -> None:
    assert parse_yes_no(text) is expected


YES_OR_NO_PHONE = [Option("需要", "yes"), Option("不需要", "no")]
REVIEW_MOVES = [
    Option("已采纳", "accepted"),
    Option("合并", "merged"),
    Option("暂不采纳", "declined"),
]


@pytest.mark.parametrize(
    ("text", "options", "values"),
    [("要", YES_OR_NO_PHONE, ["yes", "no"]), ("采纳", REVIEW_MOVES, ["accepted", "declined"]),
     ("需要", YES_OR_NO_PHONE, ["yes"]), ("不需要", YES_OR_NO_PHONE, ["no"]),
     ("暂不采纳", REVIEW_MOVES, ["declined"]), ("并", REVIEW_MOVES, [])],
)  # fmt: skip
def test_option_matches_names_every_option_a_short_answer_fits(
    text: str, options: list[Option], values: list[str]
) -> None:
    assert [o.value for o in option_matches(text, options)] == values
    expected = values[0] if len(values) == 1 else None
    assert (match_option(text, options) or Option("", "")).value == (expected or "")


def test_synonyms_pick_an_option_by_other_words() -> None:
    options = [Option("电动自行车违规停放/充电", "ebike"), Option("消防通道/楼道堆物", "passage")]
    words = {"ebike": ("电瓶车", "电驴"), "passage": ("杂物",)}
    assert match_option("电驴", options, words) == options[0]
    assert match_option("楼道里有电瓶车在充电", options, words) == options[0]
    assert [o.value for o in option_matches("电瓶车和杂物", options, words)] == ["ebike", "passage"]
    assert match_option("电驴", options) is None


@pytest.mark.parametrize("text", ["11:00", "11点", "中午11点", "上午11点"])
def test_a_time_alone_falls_on_the_day_given(text: str) -> None:
    """An end time typed without a date is on its start's day, even one already past today."""
    start_day = datetime(2026, 12, 12).date()
    assert parse_datetime(text, now=NOW, tz=SHANGHAI, on=start_day) == at(2026, 12, 12, 11)
    early = datetime(2026, 11, 26).date()  # today, and 8:00 has passed: no rolling to tomorrow
    assert parse_datetime("8:00", now=NOW, tz=SHANGHAI, on=early) == at(2026, 11, 26, 8)


def test_a_date_written_out_wins_over_the_day_given() -> None:
    on = datetime(2026, 12, 12).date()
    assert parse_datetime("12月13日 9:00", now=NOW, tz=SHANGHAI, on=on) == at(2026, 12, 13, 9)


@pytest.mark.parametrize(
    ("text", "hour", "minute", "assumed"),
    [
        ("12月12日3点", 15, 0, True),
        ("12月12日1点", 13, 0, True),
        ("12月12日6点半", 18, 30, True),
        ("12月12日三点一刻", 15, 15, True),
        ("12月12日7点", 7, 0, False),
        ("12月12日12点", 12, 0, False),
        ("12月12日下午3点", 15, 0, False),
        ("12月12日上午3点", 3, 0, False),
        ("12月12日凌晨3点", 3, 0, False),
        ("12月12日 3:00", 3, 0, False),
        ("12月12日 3pm", 15, 0, False),
    ],
)
def test_event_times_read_a_bare_one_to_six_as_the_afternoon(
    text: str, hour: int, minute: int, assumed: bool
) -> None:
    reading = read_datetime(text, now=NOW, tz=SHANGHAI, afternoon=True)
    assert reading.moment == at(2026, 12, 12, hour, minute)
    assert reading.assumed_afternoon is assumed


def test_without_the_afternoon_rule_a_bare_hour_is_as_written() -> None:
    reading = read_datetime("12月12日3点", now=NOW, tz=SHANGHAI)
    assert reading.moment == at(2026, 12, 12, 3) and not reading.assumed_afternoon


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("楼道\x1b[31m堆物\x1b[0m", "楼道堆物"),
        ("响铃\x07了\x00", "响铃了"),
        ("标题\x1b]0;hacked\x07完", "标题完"),
        ("第一行\r\n第二行\t制表", "第一行\n第二行\t制表"),
        ("删除\x7f与\x9b31m", "删除与31m"),
    ],
)
def test_strip_controls_keeps_only_what_people_read(typed: str, kept: str) -> None:
    assert strip_controls(typed) == kept


@pytest.mark.parametrize(
    ("typed", "value"),
    [("12", 12), ("#12", 12), ("１２", 12), (" 7 ", 7), ("9223372036854775807", 2**63 - 1)],
)
def test_parse_id_reads_plain_and_full_width_digits(typed: str, value: int) -> None:
    assert parse_id(typed) == value


@pytest.mark.parametrize(
    "typed", ["²", "ev²", "9223372036854775808", "9" * 40, "0", "-1", "1.5", "", "十二"]
)
def test_parse_id_refuses_superscripts_overflow_and_words(typed: str) -> None:
    assert parse_id(typed) is None
