#!/usr/bin/env bash
# Installs what the benchmark needs besides the project's own environment (.venv):
#  - wrk, the load generator (Debian package; C, epoll, not the bottleneck at these rates)
#  - aiohttp, for the best-transport floor passthrough only, into tests/bench/.deps; the proxy
#    under test never sees it (it runs from .venv without that path)
#  - py-spy and pyinstrument, for profiling the proxy's request path (tests/bench/.deps/bin/py-spy)
# Usage: bash tests/bench/setup.sh   (as root or with sudo for apt-get)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk;
    else sudo apt-get update -qq && sudo apt-get install -y -qq wrk; fi
fi
"$root/.venv/bin/python" -m pip install -q --upgrade --target "$here/.deps" aiohttp py-spy pyinstrument
echo "benchmark tools ready: $(command -v wrk), aiohttp in $here/.deps"
