#!/usr/bin/env bash
# The portal's browser tests drive Debian's Chromium (never a browser download), with a CJK
# font so the Chinese pages render (and their screenshots show text, not boxes).
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
[ ${#need[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "installing Debian ${need[*]} for the browser tests"
  (apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; }) && exit 0
fi
[ -x /usr/bin/chromium ] || { echo "Chromium is missing: apt-get install -y chromium" >&2; exit 1; }
echo "no CJK font (apt-get install -y fonts-wqy-microhei): Chinese text shows as boxes" >&2
