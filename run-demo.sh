#!/usr/bin/env bash
# Quick start 1: install VillageAgent into .venv, build the demo village (once), print its monthly
# summary and open the desktop app on it. Without a screen it renders the screens to PNG instead.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/system-deps.sh --app-only
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e . 2>&1 | grep -v "^WARNING: Location" || true
export VILLAGEAGENT_HOME="${VILLAGEAGENT_HOME:-$PWD/.demo-home}"
[ -s "$VILLAGEAGENT_HOME/village.db" ] || .venv/bin/villageagent demo --errands 300
.venv/bin/villageagent summary
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ "${QT_QPA_PLATFORM:-}" != "" ]; then
  exec .venv/bin/villageagent
fi
echo "没有图形界面（未设置 DISPLAY），改为把各个界面截图保存到 $VILLAGEAGENT_HOME/screenshots/"
echo "No screen here (DISPLAY is not set): rendering the screens to $VILLAGEAGENT_HOME/screenshots/ instead."
QT_QPA_PLATFORM=offscreen exec .venv/bin/villageagent screenshot "$VILLAGEAGENT_HOME/screenshots"
