"""Settings from the environment (prefix ``JUWEI_``) and ``.env``; every secret is a SecretStr."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLATFORMS = ("telegram", "wecom", "console")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="JUWEI_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    db_path: Path = Path("data/juwei.db")
    timezone: str = "Asia/Shanghai"
    default_language: Literal["zh", "en"] = "zh"
    admins: Annotated[tuple[str, ...], NoDecode] = ("console:admin",)
    conversation_timeout_minutes: int = Field(default=30, ge=1, le=24 * 60)
    subdistrict: str = "半淞园路街道"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=1, le=65535)

    telegram_token: SecretStr | None = None
    telegram_base_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None

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
