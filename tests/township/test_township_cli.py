"""``township-center``: init, enroll (code on the last line), import, stats — as a user runs them,
in a subprocess with its own data folder (SQLite), plus ``villageagent enroll``/``sync`` against a
real ``township-center serve``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "TOWNSHIP_HOME": str(tmp_path / "township"), "VILLAGEAGENT_HOME": str(tmp_path / "village"),
           "VILLAGEAGENT_LANG": "zh"}
    env.pop("DATABASE_URL", None)  # its own SQLite, never the test database
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _tc(env, *args, check=True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sync.township.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=check, timeout=120)


def _va(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "villageagent", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def server(tmp_path):
    env = _env(tmp_path)
    _tc(env, "init", "--admin-user", "a", "--admin-password", "p-pass-1")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "sync.township.cli", "serve", "--host", "127.0.0.1", "--port",
                             str(port)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    from sync.client import TownshipClient

    for _ in range(100):
        if TownshipClient(url).ping():
            break
        time.sleep(0.1)
    yield env, url
    proc.terminate()
    proc.wait(timeout=10)


def test_two_terminals_enroll_sync_stats_and_usb(server, tmp_path):
    env, url = server
    code = _tc(env, "enroll", "LTA01", "--name", "枫林村").stdout.strip().splitlines()[-1]
    assert len(code) == 9 and code[4] == "-"
    assert _va(env, "demo", "--errands", "40").returncode == 0
    enrolled = _va(env, "enroll", url, code)
    assert enrolled.returncode == 0 and "已登记" in enrolled.stdout
    synced = _va(env, "sync", "--json")
    assert synced.returncode == 0 and json.loads(synced.stdout)["check_ok"] is True
    stats = json.loads(_tc(env, "stats").stdout)["villages"]["LTA01"]
    assert stats["devices"] == 1 and stats["errands"] > 0 and sum(stats["errands_by_status"].values()) == stats["errands"]
    # The same code cannot be used twice; the message says what to do.
    again = _va(env, "enroll", url, code)
    assert again.returncode == 2 and "用过" in again.stderr and "Traceback" not in again.stderr
    # USB: export, tampered import refused, import, answer back.
    usb = tmp_path / "usb.vasync"
    assert _va(env, "sync", "--export", str(usb)).returncode == 0
    bad = tmp_path / "bad.vasync"
    raw = bytearray(usb.read_bytes())
    raw[len(raw) // 3] ^= 1
    bad.write_bytes(bytes(raw))
    refused = _tc(env, "import", str(bad), check=False)
    assert refused.returncode == 2 and "改动" in refused.stderr
    assert _tc(env, "import", str(usb)).returncode == 0
    answer = tmp_path / "usb-answer.vasync"
    back = _va(env, "sync", "--import", str(answer))
    assert back.returncode == 0 and "同步完成" in back.stdout


def test_sync_when_the_township_is_down_says_what_to_do(tmp_path):
    env = _env(tmp_path)
    assert _va(env, "demo", "--errands", "5").returncode == 0
    not_enrolled = _va(env, "sync")
    assert not_enrolled.returncode == 2 and "登记" in not_enrolled.stderr
    code_less = _va(env, "enroll", "http://127.0.0.1:9", "ABCD-EFGH")
    assert code_less.returncode == 2 and "连不上" in code_less.stderr and "Traceback" not in code_less.stderr
