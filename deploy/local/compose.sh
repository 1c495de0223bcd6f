#!/usr/bin/env bash
# make test checks docker-compose.yml with Debian's docker-compose (`docker-compose config`, no
# Docker daemon needed); install it when it is missing and we may.
set -u
command -v docker-compose >/dev/null && exit 0
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "installing Debian docker-compose to check docker-compose.yml"
  (apt-get install -y -qq docker-compose >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq docker-compose >/dev/null; }) && exit 0
fi
echo "docker-compose is missing: apt-get install -y docker-compose" >&2
exit 1
