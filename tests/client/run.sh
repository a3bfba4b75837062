#!/bin/sh
# The client library and the `mcp` command against real peers over STDIO: the official
# TypeScript SDK v1 and v2 servers (peer-v1.mjs, peer-v2.mjs), the reference servers
# @modelcontextprotocol/server-everything and server-filesystem, and libmcp's own servers
# (examples/quickstart, mcp-everything, mcp-filesystem); driven by build/bin/mcp and by
# build/fixtures/clientcheck (a C program on the library).
#
# Usage (from the repo root, as `make client-test` does):  sh tests/client/run.sh [test files...]
#   BUILD=dir   where the binaries are (default: build).
# Needs Node >= 20 and npm; installs the peers into tests/client/node_modules with `npm ci`
# (skipped when node_modules already matches package-lock.json).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"

. "$ROOT/tests/lib/build.sh"

. "$ROOT/tests/lib/npm.sh"
need_node client-test
npm_ci "$HERE" "client-test: installing the peers (npm ci)" "node-$NODE_MAJOR"

for bin in bin/mcp fixtures/clientcheck examples/quickstart bin/mcp-everything bin/mcp-filesystem; do
    if [ ! -x "$MCP_BUILD/$bin" ]; then
        echo "client-test: $MCP_BUILD/$bin is missing; run 'make all fixtures' first" >&2
        exit 1
    fi
done

if [ $# -gt 0 ]; then
    set -- "$@"
else
    set -- "$HERE"/*.test.mjs
fi
echo "client-test: node $(node --version), binaries in $MCP_BUILD" >&2
if command -v timeout >/dev/null 2>&1; then
    exec timeout -k 10 900 node --test --test-reporter=tap "$@"
fi
exec node --test --test-reporter=tap "$@"
