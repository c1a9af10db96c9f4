"""The console hands over files, leaves at once on Ctrl-C, and shows a person's private mail
whatever ``--chat`` names."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
from pathlib import Path

from tests.conftest import PY, juwei, juwei_env
from tests.hazards.test_cli import seed

SIGN_UP = "/events 1\n张阿姨\n确认提交\n"


def add_event(db: Path) -> None:
    added = juwei(
        db, "events", "add", "--title", "拥军慰问活动", "--start", "2030-07-20 14:00",
        "--place", "三门居委会活动室",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr


def test_json_lists_the_files_and_saves_them_under_console_files(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    add_event(db)
    done = juwei(db, "console", "--json", "--user", "u1", stdin=SIGN_UP)
    assert done.returncode == 0, done.stderr
    messages = [json.loads(line) for line in done.stdout.splitlines()]
    (with_file,) = [m for m in messages if m.get("files")]
    assert "报名成功" in with_file["text"]
    assert with_file["files"] == [
        {"name": "event.ics", "path": "console-files/event.ics", "mime": "text/calendar"}
    ]
    saved = (tmp_path / "console-files" / "event.ics").read_text("utf-8")
    assert "BEGIN:VCALENDAR" in saved and "拥军慰问活动" in saved


def test_text_mode_shows_where_the_file_went_and_files_picks_the_folder(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    add_event(db)
    folder = tmp_path / "downloads"
    done = juwei(db, "console", "--user", "u2", "--files", str(folder), stdin=SIGN_UP)
    assert done.returncode == 0, done.stderr
    assert f"[文件 event.ics] 已保存到 {folder / 'event.ics'}" in done.stdout
    assert (folder / "event.ics").exists() and not (tmp_path / "console-files").exists()


def test_a_second_file_of_the_same_name_does_not_overwrite_the_first(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    add_event(db)
    add_event(db)
    juwei(db, "console", "--json", "--user", "u3", stdin=SIGN_UP)
    done = juwei(db, "console", "--json", "--user", "u3", stdin=SIGN_UP.replace("1", "2", 1))
    paths = [
        f["path"] for line in done.stdout.splitlines() for f in json.loads(line).get("files", [])
    ]
    assert paths == ["console-files/event-2.ics"]
    assert (tmp_path / "console-files" / "event.ics").exists()


def test_a_private_console_with_chat_shows_the_person_s_mail(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    ref = seed(db)[0]  # alice's report, sent to 物业: she is told in her private chat
    group = juwei(db, "console", "--json", "--user", "alice", "--chat", "staff-group", "--group")
    shown = [json.loads(line) for line in group.stdout.splitlines()]
    assert shown and {m["chat"] for m in shown} == {"staff-group"}  # her mail: never in a group
    done = juwei(db, "console", "--json", "--user", "alice", "--chat", "c-alice")
    assert done.returncode == 0, done.stderr
    told = [json.loads(line) for line in done.stdout.splitlines()]
    assert any(m["text"].startswith(f"您上报的隐患 {ref} 已派给「物业」") for m in told)
    again = juwei(db, "console", "--json", "--user", "alice")
    assert "您上报的隐患" not in again.stdout  # shown once


class Terminal:
    """``juwei console`` on a pseudo-terminal, as a person runs it."""

    def __init__(self, tmp_path: Path) -> None:
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            [PY, "-m", "bot", "console", "--user", "tty"],
            stdin=slave,
            stdout=slave,
            stderr=subprocess.PIPE,
            env=juwei_env(tmp_path / "juwei.db"),
            cwd=tmp_path,
        )
        os.close(slave)
        self.seen = b""

    def read_until(self, marker: bytes, timeout: float = 30) -> bytes:
        while marker not in self.seen:
            ready, _, _ = select.select([self.master], [], [], timeout)
            assert ready, f"no {marker!r} in {self.seen.decode(errors='replace')!r}"
            self.seen += os.read(self.master, 4096)
        return self.seen

    def read_rest(self) -> bytes:
        while select.select([self.master], [], [], 5)[0]:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            self.seen += chunk
        return self.seen

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        os.close(self.master)


def test_ctrl_c_leaves_at_once_without_enter(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path)
    try:
        terminal.read_until(b"> ")
        terminal.proc.send_signal(signal.SIGINT)  # what the terminal does on Ctrl-C
        assert terminal.proc.wait(timeout=15) == 130
    finally:
        terminal.close()


def test_ctrl_d_leaves_the_shell_prompt_on_a_new_line(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path)
    try:
        terminal.read_until("用户 tty".encode())
        terminal.read_until(b"> ")
        os.write(terminal.master, b"/help\n")
        terminal.read_until(b"/join")
        os.write(terminal.master, b"\x04")  # Ctrl-D on an empty line
        assert terminal.proc.wait(timeout=15) == 0
        assert terminal.read_rest().endswith(b"> \r\n")
    finally:
        terminal.close()
