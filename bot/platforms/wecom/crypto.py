"""WeCom callback message crypto (the WXBizMsgCrypt scheme).

A message travels as base64(AES-256-CBC(random16 + len32be + msg + receive_id)), padded with
PKCS#7 to a 32-byte block, keyed by the 43-character EncodingAESKey with the IV taken from the
first 16 key bytes. Its integrity rests on a SHA-1 over the sorted token, timestamp, nonce and
ciphertext, so the signature is always checked before anything is decrypted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from dataclasses import dataclass
from xml.sax.saxutils import escape

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

AES_KEY_CHARS = 43
PAD_BLOCK = 32  # WeCom pads to 32 bytes, not the AES block size of 16
_AES_BLOCK = 16
_RANDOM_PREFIX = 16
_LENGTH_FIELD = struct.Struct(">I")
_HEADER = _RANDOM_PREFIX + _LENGTH_FIELD.size


class WeComCryptoError(Exception):
    """Base of every failure to verify, decrypt or set up WeCom message crypto."""


class InvalidAesKey(WeComCryptoError):
    """The EncodingAESKey is not 43 base64 characters encoding 32 bytes."""


class SignatureMismatch(WeComCryptoError):
    """msg_signature does not match token, timestamp, nonce and ciphertext."""


class DecryptFailed(WeComCryptoError):
    """The ciphertext is not valid base64, block-aligned, padded or framed."""


class ReceiveIdMismatch(WeComCryptoError):
    """The message decrypted but was addressed to another corp or app."""


@dataclass(frozen=True, slots=True)
class EncryptedMessage:
    encrypted: str
    signature: str
    timestamp: str
    nonce: str


def pkcs7_pad(data: bytes, block: int = PAD_BLOCK) -> bytes:
    amount = block - len(data) % block
    return data + bytes([amount]) * amount


def pkcs7_unpad(data: bytes, block: int = PAD_BLOCK) -> bytes:
    if not data:
        raise DecryptFailed("empty plaintext")
    amount = data[-1]
    if not 1 <= amount <= block or amount > len(data):
        raise DecryptFailed("bad padding")
    if data[-amount:] != bytes([amount]) * amount:
        raise DecryptFailed("bad padding")
    return data[:-amount]


def _decode_aes_key(encoding_aes_key: str) -> bytes:
    if len(encoding_aes_key) != AES_KEY_CHARS:
        raise InvalidAesKey(f"EncodingAESKey must be {AES_KEY_CHARS} characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidAesKey("EncodingAESKey is not base64") from exc
    if len(key) != 32:
        raise InvalidAesKey("EncodingAESKey must decode to 32 bytes")
    return key


def _utf8(text: str) -> bytes:
    # Query parameters are attacker-controlled; a lone surrogate must not turn a signature
    # check into an encoding crash.
    return text.encode("utf-8", "surrogatepass")


def _cdata(value: str) -> str:
    if "]]>" in value:
        raise ValueError("value cannot be carried in CDATA")
    return f"<![CDATA[{value}]]>"


class WeComCrypto:
    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        self._token = token
        self._key = _decode_aes_key(encoding_aes_key)
        self._iv = self._key[:_AES_BLOCK]
        self._receive_id = receive_id.encode("utf-8")

    def signature(self, timestamp: str, nonce: str, encrypted: str) -> str:
        # SHA-1 is what WeCom computes; the algorithm is not ours to choose.
        joined = "".join(sorted([self._token, timestamp, nonce, encrypted]))
        return hashlib.sha1(_utf8(joined)).hexdigest()

    def verify_url(self, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """Check the GET handshake and return the echostr plaintext WeCom expects back."""
        return self.decrypt(msg_signature, timestamp, nonce, echostr)

    def decrypt(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> str:
        self._check_signature(msg_signature, timestamp, nonce, encrypted)
        plaintext = self._decrypt_bytes(encrypted)
        if len(plaintext) < _HEADER:
            raise DecryptFailed("plaintext shorter than its header")
        (length,) = _LENGTH_FIELD.unpack_from(plaintext, _RANDOM_PREFIX)
        end = _HEADER + length
        if end > len(plaintext):
            raise DecryptFailed("message length exceeds plaintext")
        if not hmac.compare_digest(plaintext[end:], self._receive_id):
            raise ReceiveIdMismatch("message addressed to another receive id")
        try:
            return plaintext[_HEADER:end].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecryptFailed("message is not UTF-8") from exc

    def encrypt(
        self, plaintext: str, *, timestamp: str, nonce: str, random16: bytes | None = None
    ) -> EncryptedMessage:
        prefix = os.urandom(_RANDOM_PREFIX) if random16 is None else random16
        if len(prefix) != _RANDOM_PREFIX:
            raise ValueError(f"random16 must be {_RANDOM_PREFIX} bytes")
        message = plaintext.encode("utf-8")
        framed = prefix + _LENGTH_FIELD.pack(len(message)) + message + self._receive_id
        encryptor = self._cipher().encryptor()
        ciphertext = encryptor.update(pkcs7_pad(framed)) + encryptor.finalize()
        encrypted = base64.b64encode(ciphertext).decode("ascii")
        return EncryptedMessage(
            encrypted=encrypted,
            signature=self.signature(timestamp, nonce, encrypted),
            timestamp=timestamp,
            nonce=nonce,
        )

    def encrypt_reply(self, plaintext: str, *, timestamp: str, nonce: str) -> str:
        """The encrypted envelope WeCom accepts as the body of a passive reply."""
        sealed = self.encrypt(plaintext, timestamp=timestamp, nonce=nonce)
        return (
            "<xml>"
            f"<Encrypt>{_cdata(sealed.encrypted)}</Encrypt>"
            f"<MsgSignature>{_cdata(sealed.signature)}</MsgSignature>"
            f"<TimeStamp>{escape(sealed.timestamp)}</TimeStamp>"
            f"<Nonce>{_cdata(sealed.nonce)}</Nonce>"
            "</xml>"
        )

    def _check_signature(
        self, msg_signature: str, timestamp: str, nonce: str, encrypted: str
    ) -> None:
        expected = self.signature(timestamp, nonce, encrypted)
        if not hmac.compare_digest(_utf8(msg_signature), expected.encode("ascii")):
            raise SignatureMismatch("msg_signature does not match")

    def _decrypt_bytes(self, encrypted: str) -> bytes:
        try:
            ciphertext = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DecryptFailed("ciphertext is not base64") from exc
        if not ciphertext or len(ciphertext) % _AES_BLOCK:
            raise DecryptFailed("ciphertext is not a whole number of AES blocks")
        decryptor = self._cipher().decryptor()
        return pkcs7_unpad(decryptor.update(ciphertext) + decryptor.finalize())

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._iv))
