#!/bin/sh
# Replicas behind Debian's nginx (and, with --store, Debian's redis-server): the official
# TypeScript SDK clients through a round-robin proxy while the test kills a replica. Every server
# runs on 127.0.0.1 on free ports and is stopped at the end (the tests kill what they started on
# exit; nginx runs in the foreground with its prefix, pid file and logs in a temporary folder).
#
# Usage (from the repo root, as `make replicas-test` does):  sh tests/replicas/run.sh [files...]
#   BUILD=dir   where the binaries are (default: build)
# nginx (and redis-server) are installed with apt-get when missing, as tools/deps.sh installs the
# build's packages; the SDK clients are tests/interop's (npm ci, as tests/http/run.sh does).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
DEPS_COMMANDS="nginx:nginx redis-server:redis-server" sh tools/deps.sh
if [ $# -eq 0 ]; then
    set -- "$HERE"/*.test.mjs
fi
exec sh tests/http/run.sh "$@"
