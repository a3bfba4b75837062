#!/bin/sh
# HTTP transport tests: raw HTTP status/security/session tests and the official TypeScript SDK
# clients (v1 @modelcontextprotocol/sdk, v2 @modelcontextprotocol/client) over Streamable HTTP
# and legacy HTTP+SSE, against examples/quickstart and examples/http_server on 127.0.0.1, and
# bearer-token authorization (auth.test.mjs, also against examples/auth_server), and JWT / JWK Set /
# introspection validation against a node authorization server on a free port (jwt.test.mjs).
#
# Usage (from the repo root, as `make http-test` does):  sh tests/http/run.sh [test files...]
#   BUILD=dir   where the binaries are (default: build); relative to the repo root.
# The SDK packages are tests/interop's (its package-lock.json); installed here with `npm ci`
# when tests/interop/node_modules is missing or stale (same stamp as tests/interop/run.sh).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
INTEROP=$ROOT/tests/interop
cd "$ROOT"

. "$ROOT/tests/lib/build.sh"

. "$ROOT/tests/lib/npm.sh"
need_node http-test
npm_ci "$INTEROP" "http-test: installing test clients (npm ci in tests/interop)" "node-$NODE_MAJOR"

for bin in examples/quickstart examples/http_server examples/auth_server; do
    if [ ! -x "$MCP_BUILD/$bin" ]; then
        echo "http-test: $MCP_BUILD/$bin is missing; run 'make all' first" >&2
        exit 1
    fi
done

if [ $# -eq 0 ]; then
    set -- "$HERE"/*.test.mjs
fi
echo "http-test: node $(node --version), binaries in $MCP_BUILD" >&2
# Leak reports and UBSan errors make a sanitized server exit non-zero, which the tests assert on.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if command -v timeout >/dev/null 2>&1; then
    exec timeout -k 10 600 node --test --test-reporter=tap "$@"
fi
exec node --test --test-reporter=tap "$@"
