#!/usr/bin/env bash
# The independent check of the ledger (tools/tlogcheck, run by the tests) is built with Debian's
# Go and Go's own transparency-log code, golang.org/x/mod/sumdb (golang-golang-x-mod-dev), in
# GOPATH mode: no module proxy, no download beyond Debian's packages.
set -u
need=()
command -v go >/dev/null || need+=(golang-go)
[ -d /usr/share/gocode/src/golang.org/x/mod/sumdb/tlog ] || need+=(golang-golang-x-mod-dev)
[ ${#need[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "installing Debian ${need[*]} for the independent ledger check"
  export DEBIAN_FRONTEND=noninteractive
  (apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; }) && exit 0
fi
echo "Go's sumdb packages are missing: apt-get install -y golang-go golang-golang-x-mod-dev" >&2
exit 1
