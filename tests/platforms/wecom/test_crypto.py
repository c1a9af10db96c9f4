from __future__ import annotations

import base64
import struct
import xml.etree.ElementTree as ET

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.platforms.wecom.crypto import (
    PAD_BLOCK,
    DecryptFailed,
    InvalidAesKey,
    ReceiveIdMismatch,
    SignatureMismatch,
    WeComCrypto,
    WeComCryptoError,
    pkcs7_pad,
    pkcs7_unpad,
)
from bot.platforms.wecom.xml import parse_envelope

# Published sample vectors from Tencent's official WXBizMsgCrypt callback samples.
#
# PHP: repository sbzhu/weworkapi_php, path callback/Sample.php
# (commit 0855251597a9879090766fae9d475e2ef91f28bd). Its DecryptMsg example prints the plaintext
# reproduced in PHP_POST_PLAINTEXT in a comment.
PHP_TOKEN = "QDG6eK"
PHP_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
PHP_CORP_ID = "wx5823bf96d3bd56c7"
PHP_VERIFY_SIGNATURE = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
PHP_VERIFY_TIMESTAMP = "1409659589"
PHP_VERIFY_NONCE = "263014780"
PHP_VERIFY_ECHOSTR = (
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
)
# The sample does not print the echostr plaintext; it is the 19-digit number the vector decrypts
# to, and the signature check and receive-id check are what tie it to Tencent's sample.
PHP_VERIFY_PLAINTEXT = "1616140317555161061"
PHP_POST_SIGNATURE = "477715d11cdb4164915debcba66cb864d751f3e6"
PHP_POST_TIMESTAMP = "1409659813"
PHP_POST_NONCE = "1372623149"
PHP_POST_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUp"
    "j911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue"
    "06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw"
    "+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MB"
    "H27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDB"
    "S8R07+qN+E7Q=="
)
PHP_POST_BODY = (
    "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>"
    f"<Encrypt><![CDATA[{PHP_POST_ENCRYPT}]]></Encrypt>"
    "<AgentID><![CDATA[218]]></AgentID></xml>"
).encode()
PHP_POST_PLAINTEXT = (
    "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n"
    "<FromUserName><![CDATA[mycreate]]></FromUserName>\n"
    "<CreateTime>1409659813</CreateTime>\n"
    "<MsgType><![CDATA[text]]></MsgType>\n"
    "<Content><![CDATA[hello]]></Content>\n"
    "<MsgId>4561255354251345929</MsgId>\n"
    "<AgentID>218</AgentID>\n"
    "</xml>"
)

# Python: repository sbzhu/weworkapi_python, path callback/Sample.py
# (commit 27220fbe9d5251d46101e33751568eae9f413666). The POST vector decrypts to the same XML the
# sample uses as its reply (sRespData), reproduced in PY_POST_PLAINTEXT.
PY_TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
PY_AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
PY_CORP_ID = "ww1436e0e65a779aee"
PY_VERIFY_SIGNATURE = "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb"
PY_VERIFY_TIMESTAMP = "1476416373"
PY_VERIFY_NONCE = "47744683"
PY_VERIFY_ECHOSTR = (
    "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="
)
PY_VERIFY_PLAINTEXT = "1288432023552776189"
PY_POST_SIGNATURE = "0c3914025cb4b4d68103f6bfc8db550f79dcf48e"
PY_POST_TIMESTAMP = "1476422779"
PY_POST_NONCE = "1597212914"
PY_POST_BODY = (
    b"<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n"
    b"<Encrypt><![CDATA[Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AI"
    b"jeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sq"
    b"fde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7M"
    b"hmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxw"
    b"aWbvL6aSDPOYuPDGOCI8jmnKiypE+]]></Encrypt>\n"
    b"<AgentID><![CDATA[1000002]]></AgentID>\n"
    b"</xml>"
)
PY_POST_PLAINTEXT = (
    "<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName>"
    "<CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content>"
    "<MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>"
)

TOKEN = "juwei-token"
CORP_ID = "ww0000000000000001"
AES_KEY = base64.b64encode(bytes(range(32))).decode()[:43]


def php_crypto() -> WeComCrypto:
    return WeComCrypto(PHP_TOKEN, PHP_AES_KEY, PHP_CORP_ID)


def py_crypto() -> WeComCrypto:
    return WeComCrypto(PY_TOKEN, PY_AES_KEY, PY_CORP_ID)


def ours() -> WeComCrypto:
    return WeComCrypto(TOKEN, AES_KEY, CORP_ID)


def raw_aes(encoding_aes_key: str) -> Cipher[modes.CBC]:
    """An independent AES-CBC set up straight from the key, to forge and inspect ciphertexts."""
    key = base64.b64decode(encoding_aes_key + "=")
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def forge(encoding_aes_key: str, plaintext: bytes) -> str:
    encryptor = raw_aes(encoding_aes_key).encryptor()
    return base64.b64encode(encryptor.update(plaintext) + encryptor.finalize()).decode()


# --- Tencent's published vectors -----------------------------------------------------------


def test_php_sample_url_verification_signature_and_echostr() -> None:
    crypto = php_crypto()
    assert (
        crypto.signature(PHP_VERIFY_TIMESTAMP, PHP_VERIFY_NONCE, PHP_VERIFY_ECHOSTR)
        == PHP_VERIFY_SIGNATURE
    )
    echo = crypto.verify_url(
        PHP_VERIFY_SIGNATURE, PHP_VERIFY_TIMESTAMP, PHP_VERIFY_NONCE, PHP_VERIFY_ECHOSTR
    )
    assert echo == PHP_VERIFY_PLAINTEXT


def test_php_sample_post_decrypts_to_published_plaintext() -> None:
    envelope = parse_envelope(PHP_POST_BODY)
    assert envelope.encrypt == PHP_POST_ENCRYPT
    crypto = php_crypto()
    assert crypto.signature(PHP_POST_TIMESTAMP, PHP_POST_NONCE, envelope.encrypt) == (
        PHP_POST_SIGNATURE
    )
    plaintext = crypto.decrypt(
        PHP_POST_SIGNATURE, PHP_POST_TIMESTAMP, PHP_POST_NONCE, envelope.encrypt
    )
    assert plaintext == PHP_POST_PLAINTEXT


def test_python_sample_url_verification_and_post() -> None:
    crypto = py_crypto()
    echo = crypto.verify_url(
        PY_VERIFY_SIGNATURE, PY_VERIFY_TIMESTAMP, PY_VERIFY_NONCE, PY_VERIFY_ECHOSTR
    )
    assert echo == PY_VERIFY_PLAINTEXT
    envelope = parse_envelope(PY_POST_BODY)
    plaintext = crypto.decrypt(
        PY_POST_SIGNATURE, PY_POST_TIMESTAMP, PY_POST_NONCE, envelope.encrypt
    )
    assert plaintext == PY_POST_PLAINTEXT


def test_published_vectors_carry_their_corp_id_as_receive_id() -> None:
    # Same token and key, other corp: the vectors are bound to the corp they were sent to.
    for crypto, (sig, ts, nonce, enc) in [
        (
            WeComCrypto(PHP_TOKEN, PHP_AES_KEY, PY_CORP_ID),
            (PHP_POST_SIGNATURE, PHP_POST_TIMESTAMP, PHP_POST_NONCE, PHP_POST_ENCRYPT),
        ),
        (
            WeComCrypto(PY_TOKEN, PY_AES_KEY, PHP_CORP_ID),
            (PY_VERIFY_SIGNATURE, PY_VERIFY_TIMESTAMP, PY_VERIFY_NONCE, PY_VERIFY_ECHOSTR),
        ),
    ]:
        with pytest.raises(ReceiveIdMismatch):
            crypto.decrypt(sig, ts, nonce, enc)


def test_encrypt_reproduces_published_ciphertext_given_the_same_random_prefix() -> None:
    # Recover the 16 random bytes Tencent used, then our encrypt must match byte for byte:
    # framing, 32-byte padding, IV and signature all have to agree with the reference.
    decryptor = raw_aes(PHP_AES_KEY).decryptor()
    ciphertext = base64.b64decode(PHP_POST_ENCRYPT)
    random16 = (decryptor.update(ciphertext) + decryptor.finalize())[:16]
    sealed = php_crypto().encrypt(
        PHP_POST_PLAINTEXT, timestamp=PHP_POST_TIMESTAMP, nonce=PHP_POST_NONCE, random16=random16
    )
    assert sealed.encrypted == PHP_POST_ENCRYPT
    assert sealed.signature == PHP_POST_SIGNATURE
    assert (sealed.timestamp, sealed.nonce) == (PHP_POST_TIMESTAMP, PHP_POST_NONCE)


def test_published_vector_uses_padding_beyond_the_aes_block() -> None:
    # The POST vector's plaintext ends in 30 bytes of padding, which only a 32-byte pad block
    # produces; a 16-byte unpadder would have rejected it.
    decryptor = raw_aes(PHP_AES_KEY).decryptor()
    padded = decryptor.update(base64.b64decode(PHP_POST_ENCRYPT)) + decryptor.finalize()
    assert padded[-1] == 30
    assert pkcs7_unpad(padded)[-len(PHP_CORP_ID) :] == PHP_CORP_ID.encode()


# --- round trips and tampering -------------------------------------------------------------


def test_round_trip_chinese_xml() -> None:
    crypto = ours()
    text = "<xml><Content><![CDATA[请问社区食堂几点开门？]]></Content></xml>"
    sealed = crypto.encrypt(text, timestamp="1700000000", nonce="42")
    assert crypto.decrypt(sealed.signature, sealed.timestamp, sealed.nonce, sealed.encrypted) == (
        text
    )


def test_encrypt_is_randomised_per_message() -> None:
    crypto = ours()
    first = crypto.encrypt("same", timestamp="1", nonce="n")
    second = crypto.encrypt("same", timestamp="1", nonce="n")
    assert first.encrypted != second.encrypted


def test_encrypt_reply_envelope_decrypts_back() -> None:
    crypto = ours()
    reply = "<xml><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[收到]]></Content></xml>"
    envelope = ET.fromstring(crypto.encrypt_reply(reply, timestamp="1700000001", nonce="abc"))
    assert envelope.tag == "xml"
    assert [child.tag for child in envelope] == ["Encrypt", "MsgSignature", "TimeStamp", "Nonce"]
    fields = {child.tag: child.text or "" for child in envelope}
    assert fields["TimeStamp"] == "1700000001"
    assert fields["Nonce"] == "abc"
    decrypted = crypto.decrypt(
        fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]
    )
    assert decrypted == reply


def test_encrypt_reply_refuses_a_nonce_that_would_break_out_of_cdata() -> None:
    with pytest.raises(ValueError):
        ours().encrypt_reply("<xml/>", timestamp="1", nonce="]]><Evil/>")


def test_tampered_signature_is_rejected() -> None:
    crypto = php_crypto()
    tampered = PHP_POST_SIGNATURE[:-1] + ("0" if PHP_POST_SIGNATURE[-1] != "0" else "1")
    with pytest.raises(SignatureMismatch):
        crypto.decrypt(tampered, PHP_POST_TIMESTAMP, PHP_POST_NONCE, PHP_POST_ENCRYPT)
    with pytest.raises(SignatureMismatch):
        crypto.verify_url(
            PHP_VERIFY_SIGNATURE, PHP_VERIFY_TIMESTAMP, "263014781", PHP_VERIFY_ECHOSTR
        )


def test_tampered_ciphertext_fails_the_signature() -> None:
    ciphertext = bytearray(base64.b64decode(PHP_POST_ENCRYPT))
    ciphertext[40] ^= 0x01
    tampered = base64.b64encode(bytes(ciphertext)).decode()
    with pytest.raises(SignatureMismatch):
        php_crypto().decrypt(PHP_POST_SIGNATURE, PHP_POST_TIMESTAMP, PHP_POST_NONCE, tampered)


def test_tampered_padding_fails_decryption_even_when_resigned() -> None:
    # Flipping the last byte of the next-to-last block flips the final plaintext byte: the pad
    # value no longer matches the bytes before it.
    crypto = php_crypto()
    ciphertext = bytearray(base64.b64decode(PHP_POST_ENCRYPT))
    ciphertext[-17] ^= 0x01
    tampered = base64.b64encode(bytes(ciphertext)).decode()
    signature = crypto.signature(PHP_POST_TIMESTAMP, PHP_POST_NONCE, tampered)
    with pytest.raises(DecryptFailed):
        crypto.decrypt(signature, PHP_POST_TIMESTAMP, PHP_POST_NONCE, tampered)


def test_wrong_receive_id_is_rejected() -> None:
    sealed = WeComCrypto(TOKEN, AES_KEY, "ww-other-corp").encrypt("hi", timestamp="1", nonce="2")
    with pytest.raises(ReceiveIdMismatch):
        ours().decrypt(sealed.signature, sealed.timestamp, sealed.nonce, sealed.encrypted)


@pytest.mark.parametrize(
    "key",
    [
        PHP_AES_KEY[:-1],  # 42 characters
        PHP_AES_KEY + "A",  # 44 characters
        "",
        "!" * 43,  # right length, not base64
        PHP_AES_KEY[:-1] + "=",  # padding inside the key
    ],
)
def test_bad_aes_key_is_rejected(key: str) -> None:
    with pytest.raises(InvalidAesKey):
        WeComCrypto(TOKEN, key, CORP_ID)


@pytest.mark.parametrize(
    "encrypted",
    [
        "not base64 at all!",
        "",
        base64.b64encode(b"x" * 15).decode(),  # not a whole AES block
        "中文",
    ],
)
def test_undecodable_ciphertext_raises_decrypt_failed(encrypted: str) -> None:
    crypto = ours()
    signature = crypto.signature("1", "2", encrypted)
    with pytest.raises(DecryptFailed):
        crypto.decrypt(signature, "1", "2", encrypted)


def test_length_field_beyond_plaintext_raises_decrypt_failed() -> None:
    crypto = ours()
    framed = b"r" * 16 + struct.pack(">I", 10_000) + b"short" + CORP_ID.encode()
    encrypted = forge(AES_KEY, pkcs7_pad(framed))
    with pytest.raises(DecryptFailed):
        crypto.decrypt(crypto.signature("1", "2", encrypted), "1", "2", encrypted)


def test_plaintext_shorter_than_header_raises_decrypt_failed() -> None:
    crypto = ours()
    encrypted = forge(AES_KEY, pkcs7_pad(b"tiny"))
    with pytest.raises(DecryptFailed):
        crypto.decrypt(crypto.signature("1", "2", encrypted), "1", "2", encrypted)


def test_non_utf8_message_raises_decrypt_failed() -> None:
    crypto = ours()
    message = b"\xff\xfe"
    framed = b"r" * 16 + struct.pack(">I", len(message)) + message + CORP_ID.encode()
    encrypted = forge(AES_KEY, pkcs7_pad(framed))
    with pytest.raises(DecryptFailed):
        crypto.decrypt(crypto.signature("1", "2", encrypted), "1", "2", encrypted)


def test_random_prefix_must_be_sixteen_bytes() -> None:
    with pytest.raises(ValueError):
        ours().encrypt("x", timestamp="1", nonce="2", random16=b"short")


# --- padding -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 15, 16, 31, 32, 33, 64])
def test_pad_fills_to_the_32_byte_block(size: int) -> None:
    padded = pkcs7_pad(b"a" * size)
    assert len(padded) % PAD_BLOCK == 0
    amount = padded[-1]
    assert 1 <= amount <= PAD_BLOCK
    assert padded[-amount:] == bytes([amount]) * amount
    assert pkcs7_unpad(padded) == b"a" * size


def test_aligned_input_gets_a_full_block_of_padding() -> None:
    assert pkcs7_pad(b"a" * 32)[32:] == bytes([32]) * 32


@pytest.mark.parametrize(
    "padded",
    [
        b"",
        b"a" * 31 + b"\x00",  # pad value 0
        b"a" * 31 + b"\x21",  # pad value 33
        b"a" * 29 + b"\x03\x02\x03",  # inconsistent pad bytes
        b"\x05\x05\x05\x05",  # pad longer than the data
    ],
)
def test_unpad_rejects_invalid_padding(padded: bytes) -> None:
    with pytest.raises(DecryptFailed):
        pkcs7_unpad(padded)


# --- properties ----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(message=st.text(), timestamp=st.from_regex(r"[0-9]{1,12}", fullmatch=True))
def test_any_unicode_message_round_trips(message: str, timestamp: str) -> None:
    crypto = ours()
    sealed = crypto.encrypt(message, timestamp=timestamp, nonce="nonce")
    assert crypto.decrypt(sealed.signature, timestamp, "nonce", sealed.encrypted) == message


@settings(max_examples=200, deadline=None)
@given(ciphertext=st.binary(max_size=512))
def test_random_ciphertext_raises_only_crypto_errors(ciphertext: bytes) -> None:
    crypto = ours()
    encrypted = base64.b64encode(ciphertext).decode()
    # Correctly signed, so every sample reaches the decryption and framing checks.
    signature = crypto.signature("1700000000", "n", encrypted)
    with pytest.raises(WeComCryptoError):
        crypto.decrypt(signature, "1700000000", "n", encrypted)


@settings(max_examples=200, deadline=None)
@given(signature=st.text(max_size=60), encrypted=st.text(max_size=200))
def test_arbitrary_request_strings_raise_only_crypto_errors(signature: str, encrypted: str) -> None:
    crypto = ours()
    with pytest.raises(WeComCryptoError):
        crypto.decrypt(signature, "1", "2", encrypted)
    with pytest.raises(WeComCryptoError):
        crypto.decrypt(crypto.signature("1", "2", encrypted), "1", "2", encrypted)
