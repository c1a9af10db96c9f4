from __future__ import annotations

import contextlib
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.platforms.wecom.xml import (
    MAX_BODY_BYTES,
    MalformedXml,
    WeComMessage,
    dedup_key,
    parse_envelope,
    parse_message,
)
from tests.platforms.wecom.test_crypto import PHP_POST_PLAINTEXT

# Envelopes as sent by WeCom, from Tencent's callback samples (sbzhu/weworkapi_python
# callback/Sample.py and sbzhu/weworkapi_php callback/Sample.php); the ciphertext is shortened
# because only its extraction matters here.
PY_SAMPLE_ENVELOPE = (
    b"<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n"
    b"<Encrypt><![CDATA[Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAyb+/oxwaWbvL6aSDPOYuPD==]]>"
    b"</Encrypt>\n<AgentID><![CDATA[1000002]]></AgentID>\n</xml>"
)

# Decrypted message bodies in the shapes WeCom documents under 接收消息与事件
# (developer.work.weixin.qq.com/document/path/96467 消息格式, /90375 位置消息,
# /90376 事件格式 including 模板卡片事件推送).
TEXT_MESSAGE = """<xml>
   <ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>
   <FromUserName><![CDATA[ZhangSan]]></FromUserName>
   <CreateTime>1348831860</CreateTime>
   <MsgType><![CDATA[text]]></MsgType>
   <Content><![CDATA[ 请问社区食堂几点开门？]]></Content>
   <MsgId>1234567890123456</MsgId>
   <AgentID>1000002</AgentID>
</xml>"""

IMAGE_MESSAGE = """<xml>
   <ToUserName><![CDATA[toUser]]></ToUserName>
   <FromUserName><![CDATA[fromUser]]></FromUserName>
   <CreateTime>1348831860</CreateTime>
   <MsgType><![CDATA[image]]></MsgType>
   <PicUrl><![CDATA[https://wework.qpic.cn/wwpic/1234/0]]></PicUrl>
   <MediaId><![CDATA[media_id]]></MediaId>
   <MsgId>1234567890123456</MsgId>
   <AgentID>1</AgentID>
</xml>"""

LOCATION_MESSAGE = """<xml>
   <ToUserName><![CDATA[toUser]]></ToUserName>
   <FromUserName><![CDATA[fromUser]]></FromUserName>
   <CreateTime>1351776360</CreateTime>
   <MsgType><![CDATA[location]]></MsgType>
   <Location_X>31.2304</Location_X>
   <Location_Y>121.4737</Location_Y>
   <Scale>15</Scale>
   <Label><![CDATA[上海市黄浦区人民大道200号]]></Label>
   <MsgId>1234567890123456</MsgId>
   <AgentID>1</AgentID>
   <AppType><![CDATA[wxwork]]></AppType>
</xml>"""

ENTER_AGENT_EVENT = """<xml><ToUserName><![CDATA[toUser]]></ToUserName>
<FromUserName><![CDATA[FromUser]]></FromUserName>
<CreateTime>1408091189</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[enter_agent]]></Event>
<EventKey><![CDATA[]]></EventKey>
<AgentID>1</AgentID>
</xml>"""

CLICK_EVENT = """<xml>
<ToUserName><![CDATA[toUser]]></ToUserName>
<FromUserName><![CDATA[FromUser]]></FromUserName>
<CreateTime>123456789</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[click]]></Event>
<EventKey><![CDATA[menu:report_repair]]></EventKey>
<AgentID>1</AgentID>
</xml>"""

TEMPLATE_CARD_EVENT = """<xml>
<ToUserName><![CDATA[toUser]]></ToUserName>
<FromUserName><![CDATA[FromUser]]></FromUserName>
<CreateTime>123456789</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[template_card_event]]></Event>
<EventKey><![CDATA[key111]]></EventKey>
<TaskId><![CDATA[taskid111]]></TaskId>
<CardType><![CDATA[vote_interaction]]></CardType>
<ResponseCode><![CDATA[ResponseCode]]></ResponseCode>
<AgentID>1</AgentID>
<SelectedItems>
    <SelectedItem>
        <QuestionKey><![CDATA[QuestionKey1]]></QuestionKey>
        <OptionIds>
            <OptionId><![CDATA[OptionId1]]></OptionId>
            <OptionId><![CDATA[OptionId2]]></OptionId>
        </OptionIds>
    </SelectedItem>
</SelectedItems>
</xml>"""


# --- envelope ------------------------------------------------------------------------------


def test_envelope_from_python_sample() -> None:
    envelope = parse_envelope(PY_SAMPLE_ENVELOPE)
    assert envelope.to_user_name == "ww1436e0e65a779aee"
    assert envelope.encrypt == "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAyb+/oxwaWbvL6aSDPOYuPD=="
    assert envelope.agent_id == "1000002"


def test_envelope_without_agent_id() -> None:
    envelope = parse_envelope(
        b"<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>"
        b"<Encrypt><![CDATA[abc=]]></Encrypt></xml>"
    )
    assert envelope.agent_id is None
    assert envelope.encrypt == "abc="


@pytest.mark.parametrize(
    "body",
    [
        b"<xml><ToUserName>corp</ToUserName></xml>",  # no Encrypt
        b"<xml><ToUserName>corp</ToUserName><Encrypt></Encrypt></xml>",  # empty Encrypt
        b"<xml><Encrypt>abc</Encrypt></xml>",  # no ToUserName
        b"<root><ToUserName>c</ToUserName><Encrypt>abc</Encrypt></root>",  # wrong root
        b"",
        b"not xml",
        b"<xml><Encrypt>abc</Encrypt>",  # truncated
        b"\xff\xfe<\x00x\x00",  # not UTF-8
    ],
)
def test_malformed_envelopes_are_rejected(body: bytes) -> None:
    with pytest.raises(MalformedXml):
        parse_envelope(body)


def test_doctype_with_entity_expansion_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b"<xml><ToUserName>&c;</ToUserName><Encrypt>abc</Encrypt></xml>"
    )
    with pytest.raises(MalformedXml, match="DOCTYPE"):
        parse_envelope(bomb)


def test_doctype_with_external_entity_is_refused() -> None:
    xxe = (
        '<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<xml><ToUserName>u</ToUserName><FromUserName>&x;</FromUserName>"
        "<CreateTime>1</CreateTime><MsgType>text</MsgType></xml>"
    )
    with pytest.raises(MalformedXml, match="DOCTYPE"):
        parse_message(xxe)


def test_body_over_the_size_limit_is_refused() -> None:
    head = b"<xml><ToUserName>corp</ToUserName><Encrypt>"
    tail = b"</Encrypt></xml>"
    exact = head + b"A" * (MAX_BODY_BYTES - len(head) - len(tail)) + tail
    assert len(exact) == MAX_BODY_BYTES
    assert parse_envelope(exact).encrypt.startswith("AAAA")
    with pytest.raises(MalformedXml, match="exceeds"):
        parse_envelope(head + b"A" * MAX_BODY_BYTES + tail)


def test_message_over_the_size_limit_is_refused() -> None:
    oversized = TEXT_MESSAGE.replace("请问", "请" * MAX_BODY_BYTES)
    with pytest.raises(MalformedXml, match="exceeds"):
        parse_message(oversized)


# --- messages ------------------------------------------------------------------------------


def test_text_message() -> None:
    msg = parse_message(TEXT_MESSAGE)
    assert msg == WeComMessage(
        to_user="ww1436e0e65a779aee",
        from_user="ZhangSan",
        create_time=1348831860,
        msg_type="text",
        msg_id="1234567890123456",
        agent_id="1000002",
        content=" 请问社区食堂几点开门？",
    )
    assert not msg.is_event
    assert dedup_key(msg) == "msg:1234567890123456"


def test_text_message_from_tencent_php_sample_plaintext() -> None:
    # The plaintext printed in sbzhu/weworkapi_php callback/Sample.php.
    msg = parse_message(PHP_POST_PLAINTEXT)
    assert (msg.from_user, msg.content, msg.msg_id, msg.agent_id) == (
        "mycreate",
        "hello",
        "4561255354251345929",
        "218",
    )


def test_image_message() -> None:
    msg = parse_message(IMAGE_MESSAGE)
    assert msg.msg_type == "image"
    assert msg.pic_url == "https://wework.qpic.cn/wwpic/1234/0"
    assert msg.media_id == "media_id"
    assert msg.content is None


def test_location_message() -> None:
    msg = parse_message(LOCATION_MESSAGE)
    assert msg.msg_type == "location"
    assert msg.location_x == pytest.approx(31.2304)
    assert msg.location_y == pytest.approx(121.4737)
    assert msg.scale == "15"
    assert msg.label == "上海市黄浦区人民大道200号"


def test_enter_agent_event() -> None:
    msg = parse_message(ENTER_AGENT_EVENT)
    assert msg.is_event
    assert msg.event == "enter_agent"
    assert msg.event_key is None
    assert msg.msg_id is None
    assert dedup_key(msg) == "evt:FromUser:1408091189:enter_agent:"


def test_click_event() -> None:
    msg = parse_message(CLICK_EVENT)
    assert (msg.event, msg.event_key) == ("click", "menu:report_repair")
    assert dedup_key(msg) == "evt:FromUser:123456789:click:menu:report_repair"


def test_template_card_event() -> None:
    msg = parse_message(TEMPLATE_CARD_EVENT)
    assert msg.event == "template_card_event"
    assert msg.event_key == "key111"
    assert msg.task_id == "taskid111"
    assert msg.card_type == "vote_interaction"
    assert msg.response_code == "ResponseCode"
    assert msg.agent_id == "1"
    assert dedup_key(msg) == "card:FromUser:taskid111"  # one answer per card


def test_retried_event_has_a_stable_key_and_distinct_clicks_differ() -> None:
    first = parse_message(CLICK_EVENT)
    assert dedup_key(parse_message(CLICK_EVENT)) == dedup_key(first)
    other_button = parse_message(CLICK_EVENT.replace("report_repair", "opening_hours"))
    later = parse_message(CLICK_EVENT.replace("123456789", "123456790"))
    assert len({dedup_key(first), dedup_key(other_button), dedup_key(later)}) == 3


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("<CreateTime>1351776360</CreateTime>", ""),
        ("<CreateTime>1351776360</CreateTime>", "<CreateTime>soon</CreateTime>"),
        ("<CreateTime>1351776360</CreateTime>", "<CreateTime>-5</CreateTime>"),
        ("<CreateTime>1351776360</CreateTime>", "<CreateTime>١٢٣</CreateTime>"),
        ("<Location_X>31.2304</Location_X>", "<Location_X>nan</Location_X>"),
        ("<Location_Y>121.4737</Location_Y>", "<Location_Y>inf</Location_Y>"),
        ("<Location_Y>121.4737</Location_Y>", "<Location_Y>1e400</Location_Y>"),
        ("<FromUserName><![CDATA[fromUser]]></FromUserName>", ""),
        ("<MsgType><![CDATA[location]]></MsgType>", "<MsgType></MsgType>"),
    ],
)
def test_malformed_message_fields_are_rejected(old: str, new: str) -> None:
    assert old in LOCATION_MESSAGE
    with pytest.raises(MalformedXml):
        parse_message(LOCATION_MESSAGE.replace(old, new))


@pytest.mark.parametrize("text", ["", "hello", "<xml>", "<a/>", "<xml>\ud800</xml>"])
def test_non_messages_are_rejected(text: str) -> None:
    with pytest.raises(MalformedXml):
        parse_message(text)


def test_declared_encoding_does_not_change_decoding() -> None:
    declared = '<?xml version="1.0" encoding="gbk"?>' + TEXT_MESSAGE
    assert parse_message(declared).content == " 请问社区食堂几点开门？"


# --- properties ----------------------------------------------------------------------------

_TAGS = [
    "ToUserName",
    "FromUserName",
    "CreateTime",
    "MsgType",
    "MsgId",
    "Content",
    "Location_X",
    "Location_Y",
    "Event",
    "EventKey",
    "Encrypt",
    "AgentID",
]


@st.composite
def wecom_like_documents(draw: st.DrawFn) -> str:
    """Documents close to real callbacks, so the field-level checks are exercised too."""
    children = draw(st.lists(st.tuples(st.sampled_from(_TAGS), st.text(max_size=20)), max_size=10))
    root = draw(st.sampled_from(["xml", "xml", "xml", "root"]))
    inner = "".join(f"<{tag}>{escape(text)}</{tag}>" for tag, text in children)
    return f"<{root}>{inner}</{root}>"


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_malformed_xml(body: bytes) -> None:
    with contextlib.suppress(MalformedXml):
        parse_envelope(body)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300))
def test_arbitrary_text_raises_only_malformed_xml(text: str) -> None:
    with contextlib.suppress(MalformedXml):
        parse_message(text)


@settings(max_examples=300, deadline=None)
@given(document=wecom_like_documents())
def test_wecom_like_documents_parse_or_raise_malformed_xml(document: str) -> None:
    try:
        msg = parse_message(document)
    except MalformedXml:
        pass
    else:
        assert msg.create_time >= 0
        assert dedup_key(msg).startswith(("msg:", "evt:"))
    try:
        envelope = parse_envelope(document.encode("utf-8", "surrogatepass"))
    except MalformedXml:
        pass
    else:
        assert envelope.encrypt
