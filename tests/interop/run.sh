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

BUILD=${BUILD:-build}
case $BUILD in
/*) MCP_BUILD=$BUILD ;;
*) MCP_BUILD=$ROOT/$BUILD ;;
esac
export MCP_BUILD

# ---- node ---------------------------------------------------------------------------------
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "interop: node and npm are required (Node >= 20)" >&2
    exit 1
fi
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
if [ "$NODE_MAJOR" -lt 20 ]; then
    echo "interop: Node >= 20 required, found $(node --version)" >&2
    exit 1
fi

# ---- client packages (npm ci only when the lock file changed) ------------------------------
STAMP=$HERE/node_modules/.libmcp-lock-stamp
WANT="$(cksum <"$HERE/package-lock.json") node-$NODE_MAJOR"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
    echo "interop: installing test clients (npm ci)" >&2
    (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) >&2
    printf '%s\n' "$WANT" >"$STAMP"
fi

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
