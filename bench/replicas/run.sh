#!/bin/sh
# Replicas benchmark: `tools/call echo` over Streamable HTTP (examples/http_server), measured
# side by side in one run with wrk:
#   stateful (one 2025-era session):  one replica with the memory store | one replica with the
#       Redis store (--store) | three Redis-store replicas behind nginx (round robin, no
#       affinity) | the official TypeScript SDK v1 server, stateful (bench/http/ts-server.mjs)
#   2026-07-28 (no session):          one replica | three replicas behind nginx | --workers 2
# at 16 connections (throughput) and at 1 connection (p99 latency). All the servers run side by
# side and the runs are interleaved across configurations, so a shared machine's changing load
# weighs on each alike. Servers, nginx and Redis on core 0, wrk on core 1: the nginx rows show the
# proxy's cost on one core, not a scale-out.
#
# It checks what it measures (bench/http/call-echo.lua): a wrk run fails the benchmark when wrk
# exits non-zero, when any answer is not 2xx, when a sampled body is not the echo result, or on
# socket errors. Raw wrk output, the servers' logs and the table go to
# bench/results/replicas-<timestamp>/ (RESULTS=dir to choose); exit 1 if a check failed.
#
#   sh bench/replicas/run.sh     (BUILD=dir; RUNS=3 DUR=3s per point; STORE=redis://HOST:PORT
#                                 to use a running Redis instead of starting Debian's
#                                 redis-server on a free port; its keys go under a fresh prefix)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
RUNS=${RUNS:-3}
DUR=${DUR:-3s}
LIBMCP=$BUILD/examples/http_server
LUA=$ROOT/bench/http/call-echo.lua
OUT=$(mktemp -d /tmp/libmcp-bench-replicas.XXXXXX)
RES=${RESULTS:-$ROOT/bench/results/replicas-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$RES"
CHECK_FAILED=0
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; rm -rf "$OUT"; }
trap cleanup EXIT INT TERM

command -v wrk >/dev/null || { echo "bench-replicas: wrk is required (apt-get install wrk)" >&2; exit 1; }
[ -x "$LIBMCP" ] || { echo "bench-replicas: $LIBMCP missing; run make first" >&2; exit 1; }
(cd "$ROOT" && DEPS_COMMANDS="nginx:nginx redis-server:redis-server" sh tools/deps.sh)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -d "$ROOT/bench/http/node_modules/@modelcontextprotocol/sdk" ]; then
    (cd "$ROOT/bench/http" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi
ulimit -n 65536 2>/dev/null || ulimit -n 30000 2>/dev/null || true

freeport() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
waitport() { # port -> returns once it accepts a connection
    i=0
    until node -e "require('net').connect($1,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 100 ] && { echo "bench-replicas: nothing listens on $1" >&2; exit 1; }; sleep 0.1
    done
}
bg() { # name cmd... : start on core 0, log to $RES/name.log; sets LAST
    name=$1; shift
    echo "$*" >"$RES/$name.log"
    taskset -c 0 "$@" >>"$RES/$name.log" 2>&1 &
    LAST=$!
    PIDS="$PIDS $LAST"
}
stopall() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; for p in $PIDS; do wait "$p" 2>/dev/null || true; done; PIDS=""; }
replica() { # name port args... : an http_server replica on port
    n=$1; p=$2; shift 2
    bg "$n" "$LIBMCP" --http "127.0.0.1:$p" --max-per-ip 1000 --state-key-file "$OUT/key" "$@"
    waitport "$p"
}
nginx_front() { # port upstream-ports... : nginx round robin over them
    np=$1; shift
    ups=""; for u in "$@"; do ups="$ups'127.0.0.1:$u',"; done
    mkdir -p "$OUT/nginx"
    node --input-type=module -e "import { nginxConfig } from '$ROOT/tests/replicas/lib.mjs';
        process.stdout.write(nginxConfig({ prefix: '$OUT/nginx', port: $np, upstreams: [$ups], keepalive: 64 }));" >"$OUT/nginx/nginx.conf"
    cp "$OUT/nginx/nginx.conf" "$RES/nginx.conf"
    bg nginx "$NGINX" -p "$OUT/nginx" -e "$OUT/nginx/error.log" -c "$OUT/nginx/nginx.conf"
    waitport "$np"
}
session() { # url -> a session id (initialize + initialized)
    sid=$(curl -si -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
        -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}' \
        "$1" | tr -d '\r' | awk 'tolower($1)=="mcp-session-id:"{print $2}')
    [ -n "$sid" ] || { echo "bench-replicas: no session from $1" >&2; exit 1; }
    curl -s -o /dev/null -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
        -H "Mcp-Session-Id: $sid" -H 'MCP-Protocol-Version: 2025-11-25' \
        -d '{"jsonrpc":"2.0","method":"notifications/initialized"}' "$1"
    echo "$sid"
}
median() { sort -n | awk '{a[NR]=$1} END{ if (NR==0) print "-"; else print a[int((NR+1)/2)] }'; }
wrkrun() { # url conns sid era tag -> "rps p99ms non2xx"; raw output in $RES/wrk-TAG.txt
    raw=$RES/wrk-$5.txt
    rc=0
    MCP_SID=$3 MCP_ERA=$4 taskset -c 1 wrk -t1 -c"$2" -d"$DUR" --latency -s "$LUA" "$1" >"$raw" 2>&1 || rc=$?
    check=$(sed -n 's/^CHECK //p' "$raw")
    bad=$(echo "$check" | awk '{for(i=1;i<=NF;i++){split($i,kv,"="); v[kv[1]]=kv[2]}}
        END{ if (v["responses"]+0==0 || v["sampled"]+0==0) print "no responses checked";
             else if (v["non2xx"]+v["badbody"]+v["sockerr"] > 0) print "errors" }')
    if [ $rc != 0 ] || [ -z "$check" ] || [ -n "$bad" ]; then
        echo "bench-replicas: FAILED check, $5: wrk status $rc, ${check:-no CHECK line} (see $raw)" >&2
        CHECK_FAILED=1
    fi
    awk '/Requests\/sec/{r=$2} /^ +99%/{v=$2; u=v; sub(/[0-9.]+/,"",u); sub(/[a-z]+$/,"",v);
        if(u=="us")v/=1000; else if(u=="s")v*=1000; p=v} /^CHECK/{split($3,kv,"="); e=kv[2]}
        END{printf "%s %s %s\n", r+0, p+0, e+0}' "$raw"
}
CONFIGS=""
config() { # name url sid era : a configuration to measure (its server already running)
    CONFIGS="$CONFIGS $1"
    echo "$2 ${3:--} $4" >"$OUT/cfg-$1"
}
# Every configuration's servers run side by side and the runs are interleaved (run 1 of each, then
# run 2 of each, ...), so a change in the machine's load meanwhile weighs on all of them alike and
# the ratios stay fair.
measure() {
    n=0
    while [ $n -lt "$RUNS" ]; do
        for name in $CONFIGS; do
            read -r url sid era <"$OUT/cfg-$name"
            [ "$sid" = - ] && sid=""
            for c in 16 1; do wrkrun "$url" $c "$sid" "$era" "$name-c$c-run$n" >>"$OUT/r-$name-$c"; done
        done
        n=$((n + 1))
    done
    for name in $CONFIGS; do
        line=$name
        err=0
        for c in 16 1; do
            line="$line $(awk '{print $1}' "$OUT/r-$name-$c" | median) $(awk '{print $2}' "$OUT/r-$name-$c" | median)"
            err=$((err + $(awk '{s+=$3} END{print s+0}' "$OUT/r-$name-$c")))
        done
        echo "$line $err" >>"$OUT/table"
        echo "  $line (non-2xx $err)" >&2
    done
}

head -c 32 /dev/urandom >"$OUT/key"
chmod 600 "$OUT/key"
if [ -z "${STORE:-}" ]; then
    rp=$(freeport)
    bg redis redis-server --bind 127.0.0.1 --port "$rp" --save '' --appendonly no --dir "$OUT" --loglevel warning

    waitport "$rp"
    STORE=redis://127.0.0.1:$rp
fi
PREFIX=bench$$
: >"$OUT/table"

# ---- the servers -------------------------------------------------------------------------
p=$(freeport); replica mem "$p"
config stateful-memory "http://127.0.0.1:$p/mcp" "$(session "http://127.0.0.1:$p/mcp")" 2025

p=$(freeport); replica redis1 "$p" --store "$STORE" --store-prefix "$PREFIX-a"
config stateful-redis "http://127.0.0.1:$p/mcp" "$(session "http://127.0.0.1:$p/mcp")" 2025

ports=""
for i in 1 2 3; do p=$(freeport); replica "r$i" "$p" --store "$STORE" --store-prefix "$PREFIX-b"; ports="$ports $p"; done
np=$(freeport)
# shellcheck disable=SC2086
nginx_front "$np" $ports
config stateful-redis-3x-nginx "http://127.0.0.1:$np/mcp" "$(session "http://127.0.0.1:$np/mcp")" 2025

# the TypeScript SDK v1, stateful
p=$(freeport)
bg ts-v1 node "$ROOT/bench/http/ts-server.mjs" v1 stateful "$p"
waitport "$p"
config ts-v1-stateful "http://127.0.0.1:$p/mcp" "$(session "http://127.0.0.1:$p/mcp")" 2025

# 2026-07-28: no session
p=$(freeport); replica one26 "$p"
config 2026-one "http://127.0.0.1:$p/mcp" "" 2026
config 2026-3x-nginx "http://127.0.0.1:$np/mcp" "" 2026
p=$(freeport); replica workers "$p" --workers 2
config 2026-workers2 "http://127.0.0.1:$p/mcp" "" 2026

measure
stopall

# ---- the table ------------------------------------------------------------------------------
{
echo "parameters: RUNS=$RUNS DUR=$DUR; $(date -u +%Y-%m-%dT%H:%M:%SZ); $(uname -sm); $(nproc) cores;" \
    "wrk $(wrk -v 2>&1 | head -n 1 | awk '{print $2}'); $($NGINX -v 2>&1 | sed 's/.*: //'); redis $(redis-server --version | awk '{print $3}' | sed 's/v=//'); node $(node --version)"
echo
echo "libmcp replicas benchmark, tools/call echo (medians of $RUNS x $DUR, runs interleaved; servers, nginx, Redis on core 0, wrk on core 1)"
printf '%-26s | %9s %8s | %9s %8s\n' configuration "c16 req/s" "p99 ms" "c1 req/s" "p99 ms"
awk '{printf "%-26s | %9.0f %8.2f | %9.0f %8.2f\n", $1, $2, $3, $4, $5}' "$OUT/table"
echo
awk '{r[$1]=$2} END{
    m=r["stateful-memory"]; s=r["stateful-redis"]; t=r["ts-v1-stateful"];
    printf "stateful at 16 connections: Redis store / memory store = %.2f (target >= 0.5); Redis store / TypeScript SDK v1 = %.1fx (target >= 10x)\n",
        (m>0?s/m:0), (t>0?s/t:0);
    printf "targets: %s\n", ((m>0 && s/m>=0.5 && t>0 && s/t>=10) ? "met" : "NOT met") }' "$OUT/table"
errs=$(awk '{s+=$6} END{print s+0}' "$OUT/table")
echo "non-2xx responses across all runs: $errs"
} | tee "$RES/summary.txt"
cp "$OUT/table" "$RES/points.txt"
sed -i -e "s|$ROOT/||g" -e "s|$OUT/|\$TMP/|g" -e "s|$OUT|\$TMP|g" "$RES"/*
echo "raw results in $RES/" >&2
if [ $CHECK_FAILED != 0 ]; then
    echo "bench-replicas: a check failed (non-2xx, a wrong body, socket errors or wrk's exit status)" >&2
    exit 1
fi
