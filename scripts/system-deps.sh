#!/usr/bin/env bash
# System packages the app and the tests need on Debian: Chinese font, pdftotext, Chromium for the
# township console's browser tests, Xvfb and Qt's xcb libraries; iproute2 and nftables for the
# reliability campaign's weak link (bench/faults.py: namespaces, tc tbf, nft random drop). Installs only what is missing,
# and only when it can (root with apt-get); otherwise it says what to install.
set -u
pkgs=(fonts-wqy-microhei poppler-utils chromium chromium-driver xvfb xauth libxcb-icccm4 libxcb-keysyms1
      libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libxkbcommon0 libdbus-1-3
      iproute2 nftables)
[ "${1:-}" = "--app-only" ] && pkgs=(fonts-wqy-microhei libegl1 libgl1 libfontconfig1 libxkbcommon0 libdbus-1-3
      libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1)
command -v dpkg-query >/dev/null 2>&1 || exit 0
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${missing[*]}"
  apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "Please install these system packages (as root): apt-get install ${missing[*]}" >&2
fi
