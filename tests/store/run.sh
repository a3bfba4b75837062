#!/bin/sh
# Replicas sharing one Redis store (include/mcp_store.h): Debian's redis-server on a free
# loopback port, mcp-everything replicas started with --store redis://..., driven directly (no
# proxy) by raw fetch and the official TypeScript SDK clients. The clients and the node test
# runner are the HTTP tests' (tests/http/run.sh, which this hands the test files to).
#
# Usage (from the repo root, as `make store-test` does):  sh tests/store/run.sh [test files...]
#   BUILD=dir   where the binaries are (default: build).
# redis-server is installed with apt-get when missing (as root, or through sudo), as
# tools/deps.sh installs the build's packages; NO_DEPS=1 only reports it.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"

if ! command -v redis-server >/dev/null 2>&1 && [ ! -x /usr/bin/redis-server ]; then
    if [ "${NO_DEPS:-}" = 1 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "store-test: redis-server is missing; install it with: apt-get install redis-server" >&2
        exit 1
    fi
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    echo "store-test: installing redis-server (apt-get)" >&2
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
        redis-server >&2
fi
# The Debian package starts its own service on port 6379; the tests never use it.

BUILD=${BUILD:-build}
case $BUILD in
/*) B=$BUILD ;;
*) B=$ROOT/$BUILD ;;
esac
if [ ! -x "$B/bin/mcp-everything" ]; then
    echo "store-test: $B/bin/mcp-everything is missing; run 'make all' first" >&2
    exit 1
fi

if [ $# -eq 0 ]; then
    set -- "$HERE"/*.test.mjs
fi
exec sh "$ROOT/tests/http/run.sh" "$@"
