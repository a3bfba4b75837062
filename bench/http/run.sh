#!/bin/sh
# HTTP benchmark: the same `echo` tool over Streamable HTTP served by libmcp
# (examples/http_server), by the official TypeScript SDK v1 and v2 servers (ts-server.mjs, pinned
# in package.json), and the ceiling: bare libmicrohttpd answering a fixed body (mhd_bare.c).
# wrk on 127.0.0.1 at 1, 16 and 64 connections; server pinned to core 0, load on core 1.
# Then memory per open 2025-era session, and 10,000 idle SSE streams held while requests flow.
# Every server listens on 127.0.0.1 only.
#
# It checks what it measures (call-echo.lua): a wrk run fails the benchmark when wrk exits
# non-zero, when any answer is not 2xx, when a sampled body is not the JSON echo result, or on
# socket errors. The raw output of every wrk run, the servers' logs and the table go to
# bench/results/http-<timestamp>/ (RESULTS=dir to choose); the script exits 1 if a check failed.
#
#   sh bench/http/run.sh            (BUILD=dir for the binaries; RUNS=3 DUR=3s per point)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
RUNS=${RUNS:-3}
DUR=${DUR:-3s}
SESSIONS=${SESSIONS:-2000}
STREAMS=${STREAMS:-10000}
LIBMCP=$BUILD/examples/http_server
OUT=$(mktemp -d /tmp/libmcp-bench-http.XXXXXX)
RES=${RESULTS:-$ROOT/bench/results/http-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$RES"
CHECK_FAILED=0
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; rm -rf "$OUT"; }
trap cleanup EXIT INT TERM

command -v wrk >/dev/null || { echo "bench-http: wrk is required (apt-get install wrk)" >&2; exit 1; }
[ -x "$LIBMCP" ] || { echo "bench-http: $LIBMCP missing; run make first" >&2; exit 1; }
if [ ! -d "$HERE/node_modules/@modelcontextprotocol/server" ]; then
    (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi
cc -O2 -o "$OUT/mhd_bare" "$HERE/mhd_bare.c" $(pkg-config --cflags --libs libmicrohttpd)
ulimit -n 65536 2>/dev/null || ulimit -n 30000 2>/dev/null || true

PORT=18480
start() { # start CMD... on core 0 (listening on $PORT); waits until it answers; sets SRV
    # shellcheck disable=SC2086
    SRV_LOG="$RES/server-$PORT.log"
    echo "$*" >"$SRV_LOG"
    taskset -c 0 "$@" >>"$SRV_LOG" 2>&1 &
    SRV=$!
    PIDS="$PIDS $SRV"
    i=0
    until curl -s -o /dev/null "http://127.0.0.1:$PORT/mcp" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 100 ] && { cat "$SRV_LOG" >&2; exit 1; }; sleep 0.1
    done
}
stop() { kill "$SRV" 2>/dev/null || true; wait "$SRV" 2>/dev/null || true; PORT=$((PORT + 1)); }
session() { # initialize a session on $PORT; prints its id
    sid=$(curl -si -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
        -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}' \
        "http://127.0.0.1:$PORT/mcp" | tr -d '\r' | awk 'tolower($1)=="mcp-session-id:"{print $2}')
    curl -s -o /dev/null -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
        -H "Mcp-Session-Id: $sid" -H 'MCP-Protocol-Version: 2025-11-25' \
        -d '{"jsonrpc":"2.0","method":"notifications/initialized"}' "http://127.0.0.1:$PORT/mcp"
    echo "$sid"
}
median() { sort -n | awk '{a[NR]=$1} END{ if (NR==0) print "-"; else print a[int((NR+1)/2)] }'; }
wrkrun() { # conns sid tag -> "rps p99ms non2xx"; raw output in $RES/wrk-TAG.txt
    raw=$RES/wrk-$3.txt
    rc=0
    MCP_SID=$2 taskset -c 1 wrk -t1 -c"$1" -d"$DUR" --latency -s "$HERE/call-echo.lua" \
        "http://127.0.0.1:$PORT/mcp" >"$raw" 2>&1 || rc=$?
    # call-echo.lua's line: CHECK responses=N non2xx=N sampled=N badbody=N sockerr=N
    check=$(sed -n 's/^CHECK //p' "$raw")
    bad=$(echo "$check" | awk '{for(i=1;i<=NF;i++){split($i,kv,"="); v[kv[1]]=kv[2]}}
        END{ if (v["responses"]+0==0 || v["sampled"]+0==0) print "no responses checked";
             else if (v["non2xx"]+v["badbody"]+v["sockerr"] > 0) print "errors" }')
    if [ $rc != 0 ] || [ -z "$check" ] || [ -n "$bad" ]; then
        echo "bench-http: FAILED check, $3: wrk status $rc, ${check:-no CHECK line} (see $raw)" >&2
        CHECK_FAILED=1
    fi
    awk '/Requests\/sec/{r=$2} /^ +99%/{v=$2; u=v; sub(/[0-9.]+/,"",u); sub(/[a-z]+$/,"",v);
        if(u=="us")v/=1000; else if(u=="s")v*=1000; p=v} /^CHECK/{split($3,kv,"="); e=kv[2]}
        END{printf "%s %s %s\n", r+0, p+0, e+0}' "$raw"
}
point() { # name conns sid -> appends "name conns rps p99 errors" (medians) to $OUT/table
    : >"$OUT/r"
    n=0; while [ $n -lt "$RUNS" ]; do wrkrun "$2" "$3" "$1-c$2-run$n" >>"$OUT/r"; n=$((n + 1)); done
    rps=$(awk '{print $1}' "$OUT/r" | median); p99=$(awk '{print $2}' "$OUT/r" | median)
    err=$(awk '{s+=$3} END{print s+0}' "$OUT/r")
    echo "$1 $2 $rps $p99 $err" >>"$OUT/table"
    echo "  $1 c=$2: $rps req/s, p99 $p99 ms, non-2xx $err" >&2
}
rss_kib() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }

: >"$OUT/table"
for mode in stateless stateful; do
    for srv in libmcp ts-v1 ts-v2; do
        case $srv in
        libmcp) if [ $mode = stateless ]; then start "$LIBMCP" --http "127.0.0.1:$PORT" --stateless --max-per-ip 1000;
                else start "$LIBMCP" --http "127.0.0.1:$PORT" --max-per-ip 1000; fi ;;
        ts-v1) start node "$HERE/ts-server.mjs" v1 $mode "$PORT" ;;
        ts-v2) start node "$HERE/ts-server.mjs" v2 $mode "$PORT" ;;
        esac
        sid=""; [ $mode = stateful ] && sid=$(session)
        for c in 1 16 64; do point "$srv-$mode" $c "$sid"; done
        stop
    done
done
start "$OUT/mhd_bare" "$PORT"
for c in 1 16 64; do point "bare-mhd" $c ""; done
stop

# ---- memory per open session --------------------------------------------------------------
for srv in libmcp ts-v1 ts-v2; do
    case $srv in
    libmcp) start "$LIBMCP" --http "127.0.0.1:$PORT" --max-per-ip 1000 --max-sessions-per-client 30000 ;;
    ts-v1) start node "$HERE/ts-server.mjs" v1 stateful "$PORT" ;;
    ts-v2) start node "$HERE/ts-server.mjs" v2 stateful "$PORT" ;;
    esac
    session >/dev/null; sleep 0.3
    before=$(rss_kib "$SRV")
    mkfifo "$OUT/hold"
    taskset -c 1 node "$HERE/hold.mjs" sessions "http://127.0.0.1:$PORT/mcp" "$SESSIONS" <"$OUT/hold" >"$OUT/hold.out" &
    HOLD=$!; exec 9>"$OUT/hold"
    until grep -q ok "$OUT/hold.out" 2>/dev/null; do sleep 0.2; kill -0 $HOLD 2>/dev/null || break; done
    sleep 0.5; after=$(rss_kib "$SRV")
    exec 9>&-; wait $HOLD 2>/dev/null || true; rm -f "$OUT/hold"
    echo "$srv $before $after" | awk -v n="$SESSIONS" '{printf "%s %.2f\n", $1, ($3-$2)/n}' >>"$OUT/mem"
    echo "  $srv: RSS $before -> $after KiB for $SESSIONS sessions" >&2
    stop
done

# ---- 10,000 idle SSE streams while requests flow (libmcp) -----------------------------------
start "$LIBMCP" --http "127.0.0.1:$PORT" --max-per-ip 30000 --max-connections 30000 --max-sessions 30000 \
    --max-sessions-per-client 30000 --max-streams-per-client 30000
sid=$(session)
base=$(rss_kib "$SRV")
mkfifo "$OUT/hold"
taskset -c 1 node "$HERE/hold.mjs" streams "http://127.0.0.1:$PORT/mcp" "$STREAMS" <"$OUT/hold" >"$OUT/hold.out" 2>&1 &
HOLD=$!; exec 9>"$OUT/hold"
until grep -q ok "$OUT/hold.out" 2>/dev/null; do sleep 0.5; kill -0 $HOLD 2>/dev/null || { cat "$OUT/hold.out" >&2; break; }; done
held_rss=$(rss_kib "$SRV")
: >"$OUT/r"; wrkrun 16 "$sid" "libmcp-streams-c16" >"$OUT/r"
read -r s_rps s_p99 s_err <"$OUT/r"
fds=$(ls "/proc/$SRV/fd" | wc -l)
exec 9>&-; wait $HOLD 2>/dev/null || true
stop

# ---- the table ------------------------------------------------------------------------------
{
echo "parameters: RUNS=$RUNS DUR=$DUR SESSIONS=$SESSIONS STREAMS=$STREAMS; $(date -u +%Y-%m-%dT%H:%M:%SZ);" \
    "$(uname -sm); $(nproc) cores; wrk $(wrk -v 2>&1 | head -n 1 | awk '{print $2}'); node $(node --version)"
echo
echo "libmcp HTTP benchmark (medians of $RUNS x $DUR; server on core 0, wrk on core 1; $(nproc) cores, shared machine)"
printf '%-10s %5s | %9s %8s | %9s %8s | %9s %8s | %9s | %7s %7s %7s\n' mode conns libmcp p99ms ts-v1 p99ms ts-v2 p99ms bare-mhd x_v1 x_v2 of_mhd
for mode in stateless stateful; do
    for c in 1 16 64; do
        awk -v m="$mode" -v c="$c" '
            $2==c && $1=="libmcp-"m {l=$3; lp=$4}
            $2==c && $1=="ts-v1-"m {a=$3; ap=$4}
            $2==c && $1=="ts-v2-"m {b=$3; bp=$4}
            $2==c && $1=="bare-mhd" {z=$3}
            END { printf "%-10s %5d | %9.0f %8.2f | %9.0f %8.2f | %9.0f %8.2f | %9.0f | %7.1f %7.1f %6.0f%%\n",
                  m, c, l, lp, a, ap, b, bp, z, (a>0?l/a:0), (b>0?l/b:0), (z>0?100*l/z:0) }' "$OUT/table"
    done
done
echo
awk '{m[$1]=$2} END{printf "memory per open 2025-era session (KiB): libmcp %.2f | ts-v1 %.2f | ts-v2 %.2f | ratio v1/libmcp %.1fx\n",
    m["libmcp"], m["ts-v1"], m["ts-v2"], (m["libmcp"]>0?m["ts-v1"]/m["libmcp"]:0)}' "$OUT/mem"
echo "$STREAMS idle SSE streams: server RSS $((base / 1024)) -> $((held_rss / 1024)) MiB ($fds fds); meanwhile tools/call at 16 conns: $s_rps req/s, p99 $s_p99 ms, non-2xx $s_err"
errs=$(awk '{s+=$5} END{print s+0}' "$OUT/table")
echo "non-2xx responses across all runs: $errs"
} | tee "$RES/summary.txt"
cp "$OUT/table" "$RES/points.txt"
cp "$OUT/mem" "$RES/memory.txt"
# no machine paths in results that may be committed: paths relative to the repository
sed -i -e "s|$ROOT/||g" -e "s|$OUT/|\$TMP/|g" "$RES"/*
echo "raw results in $RES/" >&2
if [ $CHECK_FAILED != 0 ]; then
    echo "bench-http: a check failed (non-2xx, a wrong body, socket errors or wrk's exit status)" >&2
    exit 1
fi
