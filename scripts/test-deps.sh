#!/usr/bin/env bash
# What the tests start besides Python: PostgreSQL, Java (Spark) and Debian's Chromium (the
# browser tests; never a downloaded browser). As root, installs what is missing; otherwise
# says exactly what to install, and the tests that need it are skipped with that reason.
set -euo pipefail

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null \
  || missing+=(postgresql)
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing what the tests need: ${missing[*]}"
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "WARNING: the tests that need ${missing[*]} will be SKIPPED." >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}  (or run make test as root)" >&2
fi
