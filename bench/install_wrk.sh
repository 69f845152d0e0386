#!/usr/bin/env bash
# `make bench` calls this when wrk (the HTTP bench's load generator) is missing: Debian's package.
set -u
if ! command -v apt-get >/dev/null 2>&1; then
  echo "bench: wrk is missing and there is no apt-get here: install wrk by hand; the HTTP bench is skipped without it"
  exit 0
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
echo "bench: installing wrk with apt-get"
if ! { $sudo apt-get install -y -qq wrk >/dev/null 2>&1 \
       || { $sudo apt-get update -qq >/dev/null 2>&1 && $sudo apt-get install -y -qq wrk >/dev/null 2>&1; }; }; then
  echo "bench: could not install wrk (no permission or no network): install it by hand; the HTTP bench is skipped without it"
fi
exit 0
