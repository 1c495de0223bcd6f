#!/usr/bin/env bash
# The portal's browser tests drive Debian's Chromium (never a browser download).
set -u
[ -x /usr/bin/chromium ] && exit 0
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "installing Debian chromium for the browser tests"
  (apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }) && exit 0
fi
echo "Chromium is missing: apt-get install -y chromium" >&2
exit 1
