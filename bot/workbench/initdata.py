"""Checking a Telegram Mini App's ``initData`` before trusting the user id in it.

Per core.telegram.org/bots/webapps ("Validating data received via the Mini App"): the pairs
other than ``hash`` (and ``signature``, meant for third parties), sorted by key and joined with
newlines, signed with HMAC-SHA256 under the key HMAC-SHA256("WebAppData", bot token).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

MAX_AGE = timedelta(days=1)


class InitDataRefused(Exception):
    """initData that is not Telegram's, too old, or names no user."""


def check_string(pairs: dict[str, str]) -> str:
    return "\n".join(f"{key}={pairs[key]}" for key in sorted(pairs))


def sign(pairs: dict[str, str], bot_token: str) -> str:
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, check_string(pairs).encode(), hashlib.sha256).hexdigest()


def telegram_user_id(init_data: str, bot_token: str, now: datetime) -> str:
    """The Telegram user id that ``init_data`` was signed for; raises InitDataRefused."""
    try:
        pairs = dict(parse_qsl(init_data, keep_blank_values=True, strict_parsing=True))
    except ValueError:
        raise InitDataRefused("not a query string") from None
    given = pairs.pop("hash", "")
    pairs.pop("signature", None)
    if not given or not hmac.compare_digest(sign(pairs, bot_token), given):
        raise InitDataRefused("bad signature")
    try:
        signed_at = datetime.fromtimestamp(int(pairs["auth_date"]), tz=now.tzinfo)
        user_id = json.loads(pairs["user"])["id"]
    except (KeyError, ValueError, TypeError):
        raise InitDataRefused("no auth_date or user") from None
    if now - signed_at > MAX_AGE:
        raise InitDataRefused("too old")
    return str(user_id)
