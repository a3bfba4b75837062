#!/bin/sh
# Authorization against a real authorization server: oidc-provider (npm, pinned by
# tests/auth/package-lock.json) issues JWT access tokens to the official TypeScript SDK client v1,
# and mcp-everything verifies them with its built-in JWT verifier. Everything binds 127.0.0.1 on
# free ports; the servers are stopped when the test ends.
#
# Usage (from the repo root, as `make auth-test` does):  sh tests/auth/run.sh [test files...]
#   BUILD=dir   where the binaries are (default: build).
# oidc-provider is installed here with `npm ci` when missing or stale; the rest (Node >= 20, the
# SDK clients of tests/interop, the run under a time limit) is tests/http/run.sh's.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

. "$ROOT/tests/lib/npm.sh"
need_node auth-test
npm_ci "$HERE" "auth-test: installing oidc-provider (npm ci in tests/auth)" "node-$NODE_MAJOR"
if [ ! -x "${BUILD:-build}/bin/mcp-everything" ] && [ ! -x "$ROOT/${BUILD:-build}/bin/mcp-everything" ]; then
    echo "auth-test: mcp-everything is missing; run 'make all' first" >&2
    exit 1
fi
if [ $# -eq 0 ]; then
    set -- "$HERE"/*.test.mjs
fi
exec sh "$ROOT/tests/http/run.sh" "$@"
