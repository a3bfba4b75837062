#!/bin/sh
# Tests of mcp-host, the plugins and mcp-filesystem (run by `make test-servers`, part of
# `make test`):
#   1. unit_fs: mcp-filesystem's globs, diffs and sandbox checks (cmocka);
#   2. node --test: the official TypeScript SDK clients (v1 and v2, from tests/interop's pinned
#      install) over STDIO and Streamable HTTP, and the MCP Inspector CLI (pinned here in
#      inspector/package-lock.json) as a second independent client.
#
# Usage (from the repo root):  sh tests/servers/run.sh [test files...]
#   BUILD=dir   where the binaries are (default: build)
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
. "$ROOT/tests/lib/build.sh"

for f in bin/mcp-host bin/mcp-filesystem plugins/hello.so plugins/notes.so tests/unit_fs; do
    if [ ! -e "$MCP_BUILD/$f" ]; then
        echo "servers: $MCP_BUILD/$f is missing; run 'make test-servers'" >&2
        exit 1
    fi
done

echo "servers: unit tests of mcp-filesystem's internals" >&2
"$MCP_BUILD/tests/unit_fs"

. "$ROOT/tests/lib/npm.sh"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "servers: node and npm are required (Node >= 20)" >&2
    exit 1
fi

# The SDK clients: tests/interop's install (same lock file); install it if it is not there yet.
if ! (cd tests/interop && node -e "import('@modelcontextprotocol/sdk/client/index.js').then(() => import('@modelcontextprotocol/client'))") >/dev/null 2>&1; then
    echo "servers: installing the SDK clients in tests/interop (npm ci)" >&2
    (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error) >&2
fi

# The Inspector, pinned by its own lock file (npm ci only when the lock file changed).
npm_ci "$HERE/inspector" "servers: installing the MCP Inspector (npm ci)" "$(node --version)"

if [ $# -eq 0 ]; then
    set -- "$HERE"/*.test.mjs
fi
echo "servers: node $(node --version), binaries in $MCP_BUILD" >&2
# TAP output ends with "# pass N" / "# fail N"; node exits non-zero on any failure.
exec node --test --test-reporter=tap --test-timeout=60000 --test-concurrency=2 "$@"
