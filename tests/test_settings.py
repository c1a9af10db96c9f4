"""Settings: defaults, the JUWEI_ prefix and .env, and a bad setting stopping start-up cleanly."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings
from tests.conftest import PY, juwei_env


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings(_env_file=None)
    assert settings.db_path == Path("data/juwei.db")
    assert settings.timezone == "Asia/Shanghai" and settings.default_language == "zh"
    assert settings.admins == ("console:admin",)
    assert settings.configured_platforms == []


def test_env_file_and_admin_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text(
        "JUWEI_ADMINS=telegram:123, wecom:zhangsan\nJUWEI_TELEGRAM_TOKEN=1:abc\n", "utf-8"
    )
    settings = load_settings()
    assert settings.admins == ("telegram:123", "wecom:zhangsan")
    assert settings.configured_platforms == ["telegram"]
    assert "1:abc" not in repr(settings)  # secrets never show


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("JUWEI_TIMEZONE", "Mars/Olympus"),
        ("JUWEI_ADMINS", "zhangsan"),
        ("JUWEI_CONVERSATION_TIMEOUT_MINUTES", "0"),
        ("JUWEI_DEFAULT_LANGUAGE", "fr"),
    ],
)
def test_a_bad_setting_names_itself(name: str, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        load_settings(_env_file=None)


def test_a_bad_setting_stops_the_command_with_exit_2(tmp_path: Path) -> None:
    env = juwei_env(tmp_path / "x.db") | {"JUWEI_TIMEZONE": "Nowhere/Town"}
    done = subprocess.run(
        [PY, "-m", "bot", "migrate"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "JUWEI_TIMEZONE" in done.stderr
    assert not (tmp_path / "x.db").exists()
