#!/bin/sh
# libmcp's client, `mcp` and `mcp-proxy` against the official TypeScript SDK servers (v1 and v2)
# and libmcp's own servers over Streamable HTTP and legacy HTTP+SSE, the SDK clients through
# mcp-proxy, and peers that misbehave (client.test.mjs); the SDK v2 server over STDIO in the
# 2026-07-28 era, directly and mounted (stdio2026.test.mjs); both run and start their processes
# through proc.mjs. The npm packages are pinned by tests/http-client/package-lock.json
# and installed with `npm ci` when it changed.
#
# Usage (from the repo root, as `make http-client-test` does):
#   sh tests/http-client/run.sh [FILE.test.mjs ...]   (default: every *.test.mjs here)
#   BUILD=dir   where the binaries are (default: build).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
. "$ROOT/tests/lib/build.sh"
. "$ROOT/tests/lib/npm.sh"
need_node http-client-test
for bin in bin/mcp bin/mcp-proxy bin/mcp-everything; do
    [ -x "$MCP_BUILD/$bin" ] || { echo "http-client-test: $MCP_BUILD/$bin is missing (make all)" >&2; exit 1; }
done
npm_ci "$HERE" "http-client-test: installing the TypeScript SDKs (npm ci in tests/http-client)"
cd "$HERE"
[ $# -gt 0 ] || set -- *.test.mjs
exec node --test --test-concurrency=1 --test-reporter=spec "$@"
