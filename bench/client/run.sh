#!/bin/sh
# Client benchmarks (bench/README.md, "Client"), one run each:
#   1. `mcp tools` against examples/quickstart, start to finish (spawn, negotiate, tools/list,
#      print, exit), against the MCP Inspector CLI doing the same
#      (`node cli.js --cli SERVER --method tools/list`; the copy pinned in tests/servers/inspector);
#   2. tool calls per second through the in-memory client (bench/client/inmem_bench.c).
# Run by `make bench-client` as: BUILD=build sh bench/client/run.sh
# Knobs: BENCH_CLI_RUNS (20), BENCH_INMEM_CALLS (200000). Output also goes to
# bench/results/client-<timestamp>.txt (git-ignored).
set -eu

cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
RUNS=${BENCH_CLI_RUNS:-20}
CALLS=${BENCH_INMEM_CALLS:-200000}
QS=$BUILD/examples/quickstart
MCP=$BUILD/bin/mcp
INSPECTOR_DIR=tests/servers/inspector
INSPECTOR=$INSPECTOR_DIR/node_modules/@modelcontextprotocol/inspector/cli/build/cli.js
mkdir -p bench/results
OUT=bench/results/client-$(date -u +%Y%m%dT%H%M%SZ).txt

for f in "$QS" "$MCP" "$BUILD/bench/inmem_bench"; do
    [ -x "$f" ] || { echo "bench-client: $f is missing (make all bench-client builds it)" >&2; exit 1; }
done
if [ ! -f "$INSPECTOR" ]; then
    echo "bench-client: installing the Inspector CLI (npm ci in $INSPECTOR_DIR)" >&2
    (cd "$INSPECTOR_DIR" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi

# Wall time of one command in milliseconds (stdout checked for the tool name, then dropped).
ms() {
    t0=$(date +%s%N)
    "$@" 2>/dev/null | grep -q '"\{0,1\}add' || { echo "bench-client: '$*' did not list add" >&2; exit 1; }
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000))
}

# min / median / mean of microsecond samples, printed in ms
stats() {
    sort -n | awk '{ a[NR] = $1; s += $1 } END {
        printf "min %7.1f ms  median %7.1f ms  mean %7.1f ms  (%d runs)", a[1] / 1000,
               a[int((NR + 1) / 2)] / 1000, s / NR / 1000, NR }'
}

{
    echo "== mcp tools against examples/quickstart, start to finish ($RUNS runs each)"
    i=0
    : >"$OUT.mcp"
    : >"$OUT.insp"
    while [ $i -lt "$RUNS" ]; do
        ms "$MCP" tools --stdio "$QS" >>"$OUT.mcp"
        ms node "$INSPECTOR" --cli "$QS" --method tools/list >>"$OUT.insp"
        i=$((i + 1))
    done
    printf '%-26s %s\n' "mcp tools" "$(stats <"$OUT.mcp")"
    printf '%-26s %s\n' "inspector --cli tools/list" "$(stats <"$OUT.insp")"
    rm -f "$OUT.mcp" "$OUT.insp"
    echo
    echo "== tool calls through the in-memory client ($CALLS calls per line)"
    "$BUILD/bench/inmem_bench" "$CALLS"
} | tee "$OUT"
