"""The console bench still runs (a tiny size, in its own process and data folder): it would
otherwise rot unnoticed between the times someone refreshes docs/benchmarks.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_console_bench_runs_and_reports_every_page(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["TOWNSHIP_HOME"] = str(tmp_path)
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "console_scale.py"), "--villages", "3",
                           "--errands", "300", "--repeat", "1", "--json"],
                          capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["errands"] == 300 and result["villages"] == 3
    assert len(result["pages"]) == 13 and all(p["queries"] > 0 for p in result["pages"])
    assert "| inbox, default (open, newest first) |" in done.stdout
