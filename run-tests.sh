#!/usr/bin/env bash
# Quick start 2: install VillageAgent with its test tools into .venv and run the whole test suite,
# then the township center's tests once more on a real PostgreSQL 15 (when it is installed).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/system-deps.sh
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]" 2>&1 | grep -v "^WARNING: Location" || true
if [ $# -eq 0 ]; then
  echo "== lint (ruff) and types (mypy) =="
  .venv/bin/ruff check .
  .venv/bin/mypy villageagent sync
fi
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
if [ $# -eq 0 ] && [ -x scripts/with_postgres.sh ] && [ -d /usr/lib/postgresql ]; then
  echo "== township tests on PostgreSQL =="
  scripts/with_postgres.sh .venv/bin/python -m pytest -q -p no:cacheprovider tests/township
fi
