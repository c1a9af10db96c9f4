"""Settings from the environment (prefix ``JUWEI_``) and ``.env``; every secret is a SecretStr."""

from __future__ import annotations

import json
import re
from datetime import date, time, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.chats import Tag

PLATFORMS = ("telegram", "wecom", "console")
WECOM_AES_KEY_CHARS = 43


class WeComRobotSettings(BaseModel):
    """One WeCom group robot (群机器人): its webhook key and the group it posts to."""

    key: SecretStr
    name: str = Field(min_length=1, max_length=64, pattern=r"^[^\s:]+$")
    committee: str | None = None  # residents' committee the group belongs to, e.g. 三门
    tags: tuple[Tag, ...] = ()
    urgent_mentions: tuple[str, ...] = ()  # mobiles (or "@all") to @ on urgent messages

    @field_validator("key")
    @classmethod
    def _key_present(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("a robot needs its webhook key")
        return value


WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="JUWEI_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    db_path: Path = Path("data/juwei.db")
    # postgresql://user:password@host/db: PostgreSQL instead of the SQLite file (several
    # processes on one database); a secret, because the URL may carry the password.
    database_url: SecretStr | None = None
    timezone: str = "Asia/Shanghai"
    default_language: Literal["zh", "en"] = "zh"
    admins: Annotated[tuple[str, ...], NoDecode] = ("console:admin",)
    conversation_timeout_minutes: int = Field(default=30, ge=1, le=24 * 60)
    subdistrict: str = "半淞园路街道"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=1, le=65535)
    # The address people reach the workbench (工作台) at: sign-in links start with it, and an
    # https one makes the session cookie Secure.
    public_url: str = "http://127.0.0.1:8080"

    telegram_token: SecretStr | None = None
    telegram_base_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = Field(default=None, validate_default=True)

    # FAQ: where staff-added knowledge-base entries live (the shipped ones are in the package).
    faq_dir: Path = Path("data/faq")
    # Derived data that can be rebuilt at any time (the FAQ search index); empty: a "cache"
    # folder next to the database.
    cache_dir: Path | None = None
    # A Chinese sentence model (BERT family, a folder as published) that ranks the FAQ's
    # entries by meaning as well as by words; none: words only (README: "A sentence model").
    faq_model_dir: Path | None = None

    # Our copies of the photos people send (bot.media), named by sha256.
    media_dir: Path = Path("data/media")

    # -- WeCom (企业微信) self-built app and group robots --------------------------------------
    # The app is on when the corp id is set; then agent id, secret, token and key are required.
    wecom_corp_id: str | None = None
    wecom_agent_id: int | None = Field(default=None, ge=0, validate_default=True)
    wecom_secret: SecretStr | None = Field(default=None, validate_default=True)
    wecom_token: SecretStr | None = Field(default=None, validate_default=True)
    wecom_aes_key: SecretStr | None = Field(default=None, validate_default=True)
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    wecom_robots: Annotated[tuple[WeComRobotSettings, ...], NoDecode] = ()
    # Template cards for options and markdown for urgent messages; off where people read the
    # app through WeChat (微工作台), which shows neither.
    wecom_rich_messages: bool = True

    # -- hazard reports (隐患上报) --
    # A report is overdue when not accepted within these hours / not resolved within these days.
    hazard_accept_hours: int = Field(default=24, ge=1, le=24 * 30)
    hazard_resolve_days: int = Field(default=7, ge=1, le=365)
    # How those limits are counted: "working" skips weekends and public holidays (国庆, 春节 …)
    # and counts make-up workdays (调休上班), as offices do; "calendar" counts every day.
    hazard_deadline_days: Literal["working", "calendar"] = "working"
    # Days staff wait for the reporter's 已整改到位? answer before closing a report themselves.
    hazard_verify_days: int = Field(default=3, ge=0, le=90)
    # The State Council's days off (休) and make-up workdays (班) for a year the holiday package
    # does not know yet, or to correct it: lines such as "2027-02-06..2027-02-12 休".
    hazard_holidays_file: Path | None = None

    # -- notices: scheduler, quiet hours, missed occurrences, the summer campaign ------------
    quiet_start: time = time(21, 0)  # nothing scheduled reaches residents' groups from here…
    quiet_end: time = time(8, 0)  # …until here, unless marked urgent
    notice_grace_hours: float = Field(default=6, ge=0, le=7 * 24)
    ack_remind_minutes: int = Field(default=120, ge=5, le=7 * 24 * 60)
    summer_campaign: bool = True

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        # Telegram sends the secret in a header with every webhook call; without it anyone who
        # guesses the URL could post updates.
        secret = value.get_secret_value() if value is not None else ""
        if info.data.get("telegram_webhook_url") and not secret:
            raise ValueError("required when JUWEI_TELEGRAM_WEBHOOK_URL is set")
        if secret and not WEBHOOK_SECRET.fullmatch(secret):
            raise ValueError("use 1-256 characters: letters, digits, _ and -")
        return value

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        url = value.get_secret_value().strip() if value is not None else ""
        if not url:
            return None
        if not url.startswith(("postgresql://", "postgres://")):
            raise ValueError("use a postgresql://user:password@host:port/database URL")
        return SecretStr(url)

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("admins")
    @classmethod
    def _admin_refs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            platform, sep, ident = entry.partition(":")
            if not sep or platform not in PLATFORMS or not ident:
                raise ValueError(
                    f"{entry!r} is not platform:id (platform one of {', '.join(PLATFORMS)})"
                )
        return value

    @field_validator("wecom_corp_id")
    @classmethod
    def _blank_corp_is_none(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return value.strip()

    # An empty optional path in .env (JUWEI_CACHE_DIR=) means "not set".
    @field_validator("cache_dir", "faq_model_dir", "hazard_holidays_file", mode="before")
    @classmethod
    def _blank_path_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("faq_model_dir")
    @classmethod
    def _model_folder_complete(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        has = value.is_dir() and (value / "config.json").is_file()
        has = has and any((value / n).is_file() for n in ("vocab.txt", "tokenizer.json"))
        has = has and any((value / n).is_file() for n in ("model.safetensors", "pytorch_model.bin"))
        if not has:
            raise ValueError(
                f"{value} needs config.json, vocab.txt or tokenizer.json, and"
                " model.safetensors or pytorch_model.bin"
            )
        return value

    @field_validator("hazard_holidays_file")
    @classmethod
    def _holidays_readable(cls, value: Path | None) -> Path | None:
        if value is not None:
            read_days_file(value)  # a mistake shows when the bot starts, not at a deadline
        return value

    @field_validator("wecom_agent_id", mode="before")
    @classmethod
    def _blank_agent_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("wecom_agent_id", "wecom_secret", "wecom_token", "wecom_aes_key")
    @classmethod
    def _wecom_required(cls, value: object, info: ValidationInfo) -> object:
        blank = value is None or (isinstance(value, SecretStr) and not value.get_secret_value())
        if info.data.get("wecom_corp_id") and blank:
            raise ValueError("required when JUWEI_WECOM_CORP_ID is set")
        return None if blank else value

    @field_validator("wecom_aes_key")
    @classmethod
    def _wecom_aes_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        # Only the length here: the WeCom package decodes the key when the platform is built,
        # so the core imports no platform code.
        if len(value.get_secret_value()) != WECOM_AES_KEY_CHARS:
            raise ValueError(f"EncodingAESKey must be {WECOM_AES_KEY_CHARS} characters")
        return value

    @field_validator("wecom_api_base", "public_url")
    @classmethod
    def _http_base(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) address")
        return value.rstrip("/")

    @field_validator("wecom_robots", mode="before")
    @classmethod
    def _robots_json(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return ()
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not a JSON list of robots: {exc.msg}") from None
        return value

    @field_validator("wecom_robots")
    @classmethod
    def _robots_need_the_app(
        cls, value: tuple[WeComRobotSettings, ...], info: ValidationInfo
    ) -> tuple[WeComRobotSettings, ...]:
        if value and not info.data.get("wecom_corp_id"):
            raise ValueError("group robots are part of the WeCom app: set JUWEI_WECOM_CORP_ID too")
        names = [robot.name for robot in value]
        if len(set(names)) != len(names):
            raise ValueError("robot names must be unique")
        return value

    @property
    def cache_folder(self) -> Path:
        """Where rebuildable data lives: JUWEI_CACHE_DIR, else ``cache`` beside the database."""
        return self.cache_dir if self.cache_dir is not None else self.db_path.parent / "cache"

    @property
    def database(self) -> Path | str:
        """What ``Database`` opens: the PostgreSQL URL when set, else the SQLite file."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return self.db_path

    @property
    def database_name(self) -> str:
        """The database as messages name it: the file, or the URL without its password."""
        if self.database_url is None:
            return str(self.db_path)
        from bot.db.base import display_url

        return display_url(self.database_url.get_secret_value())

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def conversation_timeout(self) -> timedelta:
        return timedelta(minutes=self.conversation_timeout_minutes)

    @property
    def notice_grace(self) -> timedelta:
        return timedelta(hours=self.notice_grace_hours)

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_token is not None and bool(self.telegram_token.get_secret_value())

    @property
    def wecom_enabled(self) -> bool:
        return self.wecom_corp_id is not None

    @property
    def configured_platforms(self) -> list[str]:
        """The chat platforms whose settings are present (the console needs none)."""
        enabled = (
            ("telegram", self.telegram_enabled),
            ("wecom", self.wecom_enabled),
        )
        return [name for name, on in enabled if on]

    def reachable_platforms(self, *, console: bool) -> frozenset[str]:
        """The configured platforms, and the console where one runs (it needs no settings)."""
        return frozenset(self.configured_platforms) | ({"console"} if console else set())


_DAYS_LINE = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:\s*(?:\.\.|~|至|到)\s*(\d{4}-\d{2}-\d{2}))?\s+(休|班|off|work)"
)


def read_days_file(path: Path) -> dict[date, bool]:
    """Parse a holidays file: one day or range per line, then 休 (off) or 班 (work); # comments."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    days: dict[date, bool] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _DAYS_LINE.fullmatch(line)
        try:
            first = date.fromisoformat(match[1]) if match else None
            last = date.fromisoformat(match[2]) if match and match[2] else first
        except ValueError:
            first = last = None
        if match is None or first is None or last is None or last < first:
            raise ValueError(
                f"{path} line {number}: {raw.strip()!r} is not 'YYYY-MM-DD 休' or"
                " 'YYYY-MM-DD..YYYY-MM-DD 班'"
            )
        work = match[3] in ("班", "work")
        for offset in range((last - first).days + 1):
            days[first + timedelta(days=offset)] = work
    return days


class SettingsError(Exception):
    """A bad setting, with one line that names it."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "JUWEI_" + str(first["loc"][0]).upper() if first["loc"] else "JUWEI_*"
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{name}: {message}") from None
