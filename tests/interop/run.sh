#!/bin/sh
# Interop tests: the official MCP TypeScript SDK clients (v1 @modelcontextprotocol/sdk and v2
# @modelcontextprotocol/client, pinned by package-lock.json) and raw STDIO probes against the
# libmcp example servers and test fixture.
#
# Usage (from the repo root, as `make interop` does):  sh tests/interop/run.sh [test files...]
#   BUILD=dir   where the binaries are (default: build); relative to the repo root.
# Needs Node >= 20 and npm; installs the clients into tests/interop/node_modules with `npm ci`
# (skipped when node_modules already matches package-lock.json).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"

. "$ROOT/tests/lib/build.sh"

# ---- node ---------------------------------------------------------------------------------
. "$ROOT/tests/lib/npm.sh"
need_node interop

# ---- client packages (npm ci only when the lock file changed) ------------------------------
npm_ci "$HERE" "interop: installing test clients (npm ci)" "node-$NODE_MAJOR"

# ---- binaries -----------------------------------------------------------------------------
for bin in examples/quickstart examples/async examples/middleware examples/app_server fixtures/testserver bin/mcp-everything; do
    if [ ! -x "$MCP_BUILD/$bin" ]; then
        echo "interop: $MCP_BUILD/$bin is missing; run 'make all fixtures' first" >&2
        exit 1
    fi
done

# ---- run ----------------------------------------------------------------------------------
if [ $# -gt 0 ]; then
    set -- "$@"
else
    set -- "$HERE"/*.test.mjs
fi
echo "interop: node $(node --version), binaries in $MCP_BUILD" >&2
# TAP output ends with the "# pass N" / "# fail N" summary; node exits non-zero on any failure.
# Each test has its own 20 s limit (lib.mjs); `timeout` is only a backstop against a hung run.
if command -v timeout >/dev/null 2>&1; then
    exec timeout -k 10 900 node --test --test-reporter=tap "$@"
fi
exec node --test --test-reporter=tap "$@"
