#!/bin/sh
# Instruction profile of one STDIO tools/call (renovation item 8): runs $BUILD/examples/quickstart
# under valgrind's callgrind on a fixed input — initialize, initialized, then PROFILE_CALLS (20000)
# pipelined `tools/call echo {"text":"hello"}` — and once more on the handshake alone, and prints
# the instructions per call ((all - handshake) / calls), the top functions by their own
# instructions, and the inclusive cost of the hot-path steps. Deterministic, unlike wall time on a
# shared machine, so it is the figure to compare before and after a change.
#
# Usage: BUILD=build sh bench/profile.sh   (after make). Output files go to bench/results/profile-*/.
set -eu

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
CALLS=${PROFILE_CALLS:-20000}
SERVER=$BUILD/examples/quickstart
command -v valgrind >/dev/null 2>&1 || { echo "profile: valgrind is not installed" >&2; exit 1; }
[ -x "$SERVER" ] || { echo "profile: $SERVER is not built (run make first)" >&2; exit 1; }

OUT=bench/results/profile-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
awk -v n="$CALLS" 'BEGIN {
    print "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"profile\",\"version\":\"1\"}}}"
    print "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"
    for (i = 1; i <= n; i++)
        printf "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"hello\"}}}\n", i
}' > "$OUT/requests.jsonl"
head -n 2 "$OUT/requests.jsonl" > "$OUT/handshake.jsonl"

# stdin is a pipe, as in the benchmark
profile() { # input, callgrind output
    cat "$1" | valgrind --tool=callgrind --callgrind-out-file="$2" "$SERVER" > /dev/null 2> "$2.log"
    sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$2.log"
}
base=$(profile "$OUT/handshake.jsonl" "$OUT/handshake.out")
all=$(profile "$OUT/requests.jsonl" "$OUT/calls.out")
echo "instructions: handshake only $base, with $CALLS calls $all"
awk -v a="$all" -v b="$base" -v n="$CALLS" 'BEGIN { printf "instructions per tools/call: %.0f\n", (a - b) / n }'
echo
echo "top functions by own instructions (whole run):"
callgrind_annotate --inclusive=no "$OUT/calls.out" 2>/dev/null |
    sed -n '/file:function/,$p' | sed -n '3,22p' | sed -E 's|[^ ]*/([^/ ]+:)|\1|; s| \[.*||'
echo "(??? addresses are jansson's own static functions: hashing, hashtable set/find/init, alloc)"
echo
echo "hot-path steps, inclusive instructions per call:"
callgrind_annotate --inclusive=yes --threshold=100 "$OUT/calls.out" 2>/dev/null | awk -v n="$CALLS" '
/^ *[0-9,]+ \(/ && $0 !~ /=>/ {
    c = $1; gsub(",", "", c)
    fn = $0; sub(/.*:/, "", fn); sub(/ .*/, "", fn)
    if (fn ~ /^(mcp__inbound_read|mcp__json_parse_depth|mcp__jsonrpc_classify|mcp__jsonrpc_too_deep|mcp__call_new|mcp__tools_call|mcp_schema_validate|mcp__task_begin|mcp__task_pending|mcp_call_text_n|mcp__call_finish|mcp__jsonrpc_result|mcp__json_write|mcp__call_drop_questions|mcp__mrtr_end)$/ && !seen[fn]++)
        printf "  %8.0f  %s\n", c / n, fn
}'
echo "(callgrind files in $OUT/; callgrind_annotate or kcachegrind read them)"
