#!/bin/sh
# Soak: does a long-running Streamable HTTP server keep its memory? (bench/, not a timed test)
#
#   1. stateful: one session, CALLS tools/call (echo) after WARM warm-up calls;
#   2. stateless (--stateless): the same without a session;
#   3. sessions: SESSIONS sessions created (initialize, no Mcp-Session-Id) and left to expire
#      (--session-timeout SESSION_TIMEOUT), after a warm-up of SESSIONS/10 created and expired.
# Load: wrk on 127.0.0.1 with bench/soak/soak.lua (CONNS connections, one thread), which stops
# at a count and checks every answer's status and a sample of bodies. The server's resident
# memory (VmRSS of /proc/PID/status) is read after the warm-up, after every tenth of the calls,
# each second by a background sampler (the peak "during"), at the end, and after the sessions
# expired. Checks: for 1 and 2, no sample after the warm-up (nor the end) above the warm-up
# figure + MAX_GROWTH_PCT; for 3, the figure after expiry within MAX_GROWTH_PCT of the one
# after the warm-up; no non-2xx answer, no bad body, no socket error, and the server still
# answers at the end. Exit status 1 when a check fails.
#
# Every server listens on 127.0.0.1 only. Every wrk run is bounded in count (soak.lua) and in
# time (wrk -d MAX_RUN). Output: a table on stdout; the raw output of every run, the samples and
# the server logs in bench/results/soak-<timestamp>/ (RESULTS=dir to choose).
#
#   sh bench/soak/run.sh     (BUILD=dir; CALLS=1000000 WARM=100000 SESSIONS=100000
#                             SESSION_TIMEOUT=20s CONNS=16 MAX_RUN=600s MAX_GROWTH_PCT=5)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build}
cd "$ROOT" # paths below are relative to the repository where they can be (no machine paths in logs)
case $BUILD in "$ROOT"/*) BUILD=${BUILD#"$ROOT"/} ;; esac
CALLS=${CALLS:-1000000}
WARM=${WARM:-100000}
SESSIONS=${SESSIONS:-100000}
SESSION_TIMEOUT=${SESSION_TIMEOUT:-20s}
CONNS=${CONNS:-16}
MAX_RUN=${MAX_RUN:-600s}
MAX_GROWTH_PCT=${MAX_GROWTH_PCT:-5}
SERVER=$BUILD/examples/http_server
RES=${RESULTS:-bench/results/soak-$(date +%Y%m%d-%H%M%S)}
case $RES in "$ROOT"/*) RES=${RES#"$ROOT"/} ;; esac
mkdir -p "$RES"
SRV=""
SAMPLER=""
cleanup() {
    [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null
    [ -n "$SRV" ] && kill "$SRV" 2>/dev/null
    return 0
}
trap cleanup EXIT INT TERM

command -v wrk >/dev/null || { echo "soak: wrk is required (apt-get install wrk)" >&2; exit 1; }
command -v curl >/dev/null || { echo "soak: curl is required" >&2; exit 1; }
[ -x "$SERVER" ] || { echo "soak: $SERVER missing; run make first" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || true

PORT=${PORT:-18680}
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "params: CALLS=$CALLS WARM=$WARM SESSIONS=$SESSIONS SESSION_TIMEOUT=$SESSION_TIMEOUT" \
        "CONNS=$CONNS MAX_GROWTH_PCT=$MAX_GROWTH_PCT"
    echo "machine: $(nproc) cores, $(uname -srm), $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2)"
} >"$RES/params.txt"
cat "$RES/params.txt"

rss() { awk '/^VmRSS/{print $2}' "/proc/$SRV/status"; } # KiB
mib() { awk -v k="$1" 'BEGIN{printf "%.1f", k / 1024}'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%+.1f", (a - b) * 100 / b}'; }
over() { awk -v a="$1" -v b="$2" -v p="$MAX_GROWTH_PCT" 'BEGIN{exit !(a > b * (1 + p / 100))}'; }
fail() { echo "soak: FAILED: $*" | tee -a "$RES/failures.txt" >&2; } # also from subshells

start() { # name args...: the server on $PORT; sets SRV; starts the RSS sampler
    name=$1
    shift
    echo "$SERVER --http 127.0.0.1:$PORT --max-per-ip 1000 $*" >"$RES/server-$name.log"
    "$SERVER" --http "127.0.0.1:$PORT" --max-per-ip 1000 "$@" >>"$RES/server-$name.log" 2>&1 &
    SRV=$!
    i=0
    until curl -s -o /dev/null "http://127.0.0.1:$PORT/mcp" 2>/dev/null; do
        i=$((i + 1))
        [ $i -gt 100 ] && { cat "$RES/server-$name.log" >&2; exit 1; }
        sleep 0.1
    done
    t0=$(date +%s)
    (while kill -0 "$SRV" 2>/dev/null; do
        echo "$(($(date +%s) - t0)) $(awk '/^VmRSS/{print $2}' "/proc/$SRV/status" 2>/dev/null)"
        sleep 1
    done) >"$RES/rss-$name.txt" &
    SAMPLER=$!
}
stop() {
    kill "$SAMPLER" 2>/dev/null || true
    SAMPLER=""
    kill "$SRV" 2>/dev/null || true
    wait "$SRV" 2>/dev/null || true
    SRV=""
    PORT=$((PORT + 1))
}
session() { # initialize a session on $PORT; prints its id
    sid=$(curl -si -H 'Content-Type: application/json' \
        -H 'Accept: application/json, text/event-stream' \
        -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"soak","version":"1"}}}' \
        "http://127.0.0.1:$PORT/mcp" | tr -d '\r' | awk 'tolower($1)=="mcp-session-id:"{print $2}')
    curl -s -o /dev/null -H 'Content-Type: application/json' \
        -H 'Accept: application/json, text/event-stream' \
        -H "Mcp-Session-Id: $sid" -H 'MCP-Protocol-Version: 2025-11-25' \
        -d '{"jsonrpc":"2.0","method":"notifications/initialized"}' "http://127.0.0.1:$PORT/mcp"
    echo "$sid"
}
load() { # tag mode count [sid]: one bounded wrk run; checks its CHECK line; prints the seconds
    raw=$RES/wrk-$1.txt
    t=$(date +%s.%N)
    rc=0
    SOAK_MODE=$2 SOAK_COUNT=$3 MCP_SID=${4:-} wrk -t1 -c"$CONNS" -d"$MAX_RUN" -s "$HERE/soak.lua" \
        "http://127.0.0.1:$PORT/mcp" >"$raw" 2>&1 || rc=$?
    t=$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b - a}')
    check=$(sed -n 's/^CHECK //p' "$raw" | tail -n 1)
    bad=$(echo "$check" | awk -v want="$3" '{for(i=1;i<=NF;i++){split($i,kv,"="); v[kv[1]]=kv[2]}}
        END{ if (v["responses"]+0 < want) print "only " v["responses"]+0 " answers";
             else if (v["non2xx"]+v["badbody"]+v["sockerr"] > 0) print "errors" }')
    if [ $rc != 0 ] || [ -z "$check" ] || [ -n "$bad" ]; then
        fail "$1: wrk status $rc, ${check:-no CHECK line} ${bad:-} (see $raw)"
    fi
    echo "$t"
}
alive() { # the server still answers a call at the end
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
        -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2026-07-28' \
        -H 'Mcp-Method: server/discover' \
        -d '{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}' \
        "http://127.0.0.1:$PORT/mcp")
    [ "$code" = 200 ] || fail "$1: the server no longer answers (HTTP $code)"
}
peak() { awk -v from="$2" '$1 >= from && $2 > m {m = $2} END{print m + 0}' "$RES/rss-$1.txt"; }

TABLE=$RES/table.txt
: >"$TABLE"
row() { printf '%-34s %s\n' "$1" "$2" | tee -a "$TABLE"; }

# ---- 1, 2: a million calls, stateful and stateless --------------------------------------------
calls() { # name sid-or-empty
    name=$1
    sid=$2
    secs=$(load "$name-warmup" call "$WARM" "$sid")
    sleep 1
    warm=$(rss)
    t_warm=$(($(date +%s) - t0))
    row "$name: RSS after $WARM warm-up calls" "$(mib "$warm") MiB ($secs s)"
    chunk=$((CALLS / 10))
    total=0
    worst=$warm
    : >"$RES/chunks-$name.txt"
    n=1
    while [ $n -le 10 ]; do
        s=$(load "$name-$n" call "$chunk" "$sid")
        total=$(awk -v a="$total" -v b="$s" 'BEGIN{printf "%.2f", a + b}')
        r=$(rss)
        echo "$((n * chunk)) calls: $r KiB" >>"$RES/chunks-$name.txt"
        [ "$r" -gt "$worst" ] && worst=$r
        n=$((n + 1))
    done
    sleep 1
    end=$(rss)
    during=$(peak "$name" "$t_warm")
    [ "$during" -gt "$worst" ] || during=$worst
    rate=$(awk -v c="$((chunk * 10))" -v s="$total" 'BEGIN{printf "%.0f", c / s}')
    row "$name: $((chunk * 10)) calls" "$total s, $rate calls/s, $CONNS connections"
    row "$name: RSS highest after a tenth" "$(mib "$worst") MiB ($(pct "$worst" "$warm") %)"
    row "$name: RSS peak while loaded (1 s)" "$(mib "$during") MiB ($(pct "$during" "$warm") %)"
    row "$name: RSS at the end" "$(mib "$end") MiB ($(pct "$end" "$warm") %)"
    over "$worst" "$warm" && fail "$name: RSS grew past +$MAX_GROWTH_PCT % after the warm-up"
    over "$end" "$warm" && fail "$name: RSS at the end past +$MAX_GROWTH_PCT % of the warm-up"
    alive "$name"
}

start stateful
calls stateful "$(session)"
stop
start stateless --stateless
calls stateless ""
stop

# ---- 3: sessions created and expired ---------------------------------------------------------
to_ms=$(echo "$SESSION_TIMEOUT" | awk '/ms$/{print $0+0; exit} /s$/{print ($0+0)*1000; exit}
    /m$/{print ($0+0)*60000; exit} {print ($0+0)*1000}')
wait_s=$(awk -v t="$to_ms" 'BEGIN{s = t / 4; if (s > 10000) s = 10000; printf "%d", (t + s) / 1000 + 3}')
start sessions --session-timeout "$SESSION_TIMEOUT" --max-sessions $((SESSIONS * 2)) \
    --max-sessions-per-client $((SESSIONS * 2))
secs=$(load sessions-warmup init $((SESSIONS / 10)))
sleep "$wait_s"
base=$(rss)
row "sessions: RSS after warm-up" "$(mib "$base") MiB ($((SESSIONS / 10)) created in $secs s, expired)"
secs=$(load sessions init "$SESSIONS")
full=$(rss)
row "sessions: $SESSIONS created" "$secs s, RSS $(mib "$full") MiB ($(pct "$full" "$base") %)"
sleep "$wait_s"
after=$(rss)
row "sessions: RSS after they expired" "$(mib "$after") MiB ($(pct "$after" "$base") %, ${wait_s} s later)"
over "$after" "$base" && fail "sessions: RSS not back within $MAX_GROWTH_PCT % of the warm-up"
alive sessions
stop

if [ ! -s "$RES/failures.txt" ]; then
    echo "soak: every check passed; raw output in $RES" | tee -a "$TABLE"
    exit 0
fi
echo "soak: FAILED (see $RES/failures.txt)" | tee -a "$TABLE" >&2
exit 1
