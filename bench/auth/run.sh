#!/bin/sh
# Authorization benchmark: what verifying JWT access tokens costs a libmcp server.
#
#   1. tools/call echo at 16 connections, unauthenticated vs authenticated (one RS256 JWT access
#      token from a real authorization server, oidc-provider via bench/auth/issuer.mjs; libmcp's
#      built-in verifier with --jwks-url/--issuer, so every request after the first is served
#      from the verified-token cache). Two examples/http_server processes started alike (the
#      second with the JWT flags), runs alternated, medians; the goal is >= 70 %.
#   2. The cost of one uncached verification: bench/auth/verify_bench.c runs libmcp's verifier
#      over MINTED distinct tokens signed with the provider's key (thread CPU time, medians),
#      and, end to end, one connection sending a token never seen before on every request
#      against one connection repeating the cached token (mean latencies; noisy on a busy
#      machine).
#
# wrk on 127.0.0.1; servers pinned to core 0, wrk to core 1. Checks what it measures
# (bench/http/call-echo.lua: every status 2xx, sampled bodies the echo result). Raw output and
# the table go to bench/results/auth-<timestamp>/ (RESULTS=dir to choose).
#
#   sh bench/auth/run.sh            (BUILD=dir; RUNS=7 DUR=3s; MINTED=20000)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
RUNS=${RUNS:-7}
DUR=${DUR:-3s}
MINTED=${MINTED:-20000}
SERVER=$BUILD/examples/http_server
VERIFY=$BUILD/bench/verify_bench
LUA=$ROOT/bench/http/call-echo.lua
OUT=$(mktemp -d /tmp/libmcp-bench-auth.XXXXXX)
RES=${RESULTS:-$ROOT/bench/results/auth-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$RES"
PIDS=""
CHECK_FAILED=0
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    exec 8>&- 2>/dev/null || true
    rm -rf "$OUT"
}
trap cleanup EXIT INT TERM

command -v wrk >/dev/null || { echo "bench-auth: wrk is required (apt-get install wrk)" >&2; exit 1; }
[ -x "$SERVER" ] || { echo "bench-auth: $SERVER missing; run make first" >&2; exit 1; }
[ -x "$VERIFY" ] || { echo "bench-auth: $VERIFY missing; run make bench-auth" >&2; exit 1; }
# oidc-provider, pinned by tests/auth's lock file
if [ ! -d "$ROOT/tests/auth/node_modules/oidc-provider" ]; then
    (cd "$ROOT/tests/auth" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi
ulimit -n 65536 2>/dev/null || true
PIN0=""; PIN1=""
if command -v taskset >/dev/null; then PIN0="taskset -c 0"; PIN1="taskset -c 1"; fi

# ---- the authorization server -----------------------------------------------------------------
mkfifo "$OUT/as-in"
node "$HERE/issuer.mjs" "$OUT/tokens" "$MINTED" <"$OUT/as-in" >"$OUT/as-out" 2>"$RES/issuer.log" &
PIDS="$PIDS $!"
exec 8>"$OUT/as-in"
wait_line() { # prefix -> the rest of the issuer's line starting with it
    i=0
    until grep -q "^$1 " "$OUT/as-out" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 1200 ] && { cat "$RES/issuer.log" >&2; exit 1; }; sleep 0.1
    done
    sed -n "s/^$1 //p" "$OUT/as-out" | head -n 1
}
ISSUER=$(wait_line ISSUER)

# ---- the two servers ------------------------------------------------------------------------
start() { # name args... -> sets URL (the server prints "Streamable HTTP on URL")
    log=$RES/server-$1.log
    name=$1; shift
    echo "$SERVER $*" | sed "s|$ROOT/||g" >"$log"
    # shellcheck disable=SC2086
    $PIN0 "$SERVER" --http 127.0.0.1:0 --stateless --max-per-ip 1000 "$@" >>"$log" 2>&1 &
    PIDS="$PIDS $!"
    i=0
    until URL=$(sed -n 's/.*Streamable HTTP on \(http[^ ]*\).*/\1/p' "$log" | head -n 1) && [ -n "$URL" ]; do
        i=$((i + 1)); [ $i -gt 100 ] && { cat "$log" >&2; exit 1; }; sleep 0.1
    done
    echo "  $name: $URL" >&2
}
start plain
PLAIN=$URL
start jwt --auth-server "$ISSUER" --scopes mcp:tools --jwks-url "$ISSUER/jwks" --issuer "$ISSUER"
AUTHD=$URL
echo "$AUTHD" >&8 # the resource the tokens are for
TOKEN=$(wait_line TOKEN)
wait_line MINTED >/dev/null

median() { sort -n | awk '{a[NR]=$1} END{ if (NR==0) print "-"; else print a[int((NR+1)/2)] }'; }
wrkrun() { # tag conns url [env...] -> "rps p99ms meanms non2xx"; raw output in $RES/wrk-TAG.txt
    raw=$RES/wrk-$1.txt; conns=$2; url=$3; shift 3
    rc=0
    env "$@" $PIN1 wrk -t1 -c"$conns" -d"$DUR" --latency -s "$LUA" "$url" >"$raw" 2>&1 || rc=$?
    check=$(sed -n 's/^CHECK //p' "$raw")
    bad=$(echo "$check" | awk '{for(i=1;i<=NF;i++){split($i,kv,"="); v[kv[1]]=kv[2]}}
        END{ if (v["responses"]+0==0 || v["sampled"]+0==0) print "no responses checked";
             else if (v["non2xx"]+v["badbody"]+v["sockerr"] > 0) print "errors" }')
    if [ $rc != 0 ] || [ -z "$check" ] || [ -n "$bad" ]; then
        echo "bench-auth: FAILED check, $1: wrk status $rc, ${check:-no CHECK line} (see $raw)" >&2
        CHECK_FAILED=1
    fi
    awk 'function ms(v, u) { u=v; sub(/[0-9.]+/,"",u); sub(/[a-z]+$/,"",v);
            return u=="us" ? v/1000 : (u=="s" ? v*1000 : v) }
        /Requests\/sec/{r=$2} /^ +99%/{p=ms($2)} /^ +Latency +[0-9]/{m=ms($2)} /^CHECK/{split($3,kv,"="); e=kv[2]}
        END{printf "%s %s %s %s\n", r+0, p+0, m+0, e+0}' "$raw"
}

# ---- 1. throughput at 16 connections, alternated ----------------------------------------------
: >"$OUT/plain"; : >"$OUT/jwt"
n=0
while [ $n -lt "$RUNS" ]; do
    wrkrun "plain-c16-run$n" 16 "$PLAIN" MCP_AUTH= >>"$OUT/plain"
    wrkrun "jwt-c16-run$n" 16 "$AUTHD" MCP_AUTH="$TOKEN" >>"$OUT/jwt"
    n=$((n + 1))
done
p_rps=$(awk '{print $1}' "$OUT/plain" | median); p_p99=$(awk '{print $2}' "$OUT/plain" | median)
j_rps=$(awk '{print $1}' "$OUT/jwt" | median); j_p99=$(awk '{print $2}' "$OUT/jwt" | median)

# ---- 2. one uncached verification ---------------------------------------------------------------
: >"$OUT/cached"; : >"$OUT/uncached"
split -n l/"$RUNS" -d "$OUT/tokens" "$OUT/tok-"
n=0
for f in "$OUT"/tok-*; do
    wrkrun "jwt-cached-c1-run$n" 1 "$AUTHD" MCP_AUTH="$TOKEN" >>"$OUT/cached"
    wrkrun "jwt-uncached-c1-run$n" 1 "$AUTHD" MCP_AUTH= MCP_TOKENS="$f" >>"$OUT/uncached"
    n=$((n + 1))
done
c_mean=$(awk '{print $3}' "$OUT/cached" | median); u_mean=$(awk '{print $3}' "$OUT/uncached" | median)
c_rps=$(awk '{print $1}' "$OUT/cached" | median); u_rps=$(awk '{print $1}' "$OUT/uncached" | median)
# the verifier alone, in thread CPU time: no scheduling noise from a busy machine
"$VERIFY" "$OUT/tokens.jwks" "$OUT/tokens" "$ISSUER" "$AUTHD" "$RUNS" >"$RES/verify_bench.txt" 2>&1 ||
    { cat "$RES/verify_bench.txt" >&2; CHECK_FAILED=1; }

{
echo "parameters: RUNS=$RUNS DUR=$DUR MINTED=$MINTED; $(date -u +%Y-%m-%dT%H:%M:%SZ); $(uname -sm);" \
    "$(nproc) cores; wrk $(wrk -v 2>&1 | head -n 1 | awk '{print $2}'); node $(node --version)"
echo
echo "libmcp authorization benchmark (medians; examples/http_server --stateless on core 0, wrk on core 1)"
echo "tools/call echo, 16 connections:"
printf '  %-28s %9s req/s  p99 %6s ms\n' "unauthenticated" "$p_rps" "$p_p99"
printf '  %-28s %9s req/s  p99 %6s ms\n' "JWT (RS256), cached" "$j_rps" "$j_p99"
echo "$p_rps $j_rps" | awk '{printf "  authenticated / unauthenticated: %.1f %% (goal >= 70 %%)\n", ($1>0 ? 100*$2/$1 : 0)}'
echo "one uncached verification (RS256, 2048-bit key), the verifier alone (bench/auth/verify_bench.c):"
sed 's/^/  /' "$RES/verify_bench.txt"
echo "one connection end to end, mean latency: the cached token $c_mean ms ($c_rps req/s), a new token"
echo "  on every request $u_mean ms ($u_rps req/s)"
echo "$c_mean $u_mean" | awk '{printf "  difference (verification, cache insert, and noise): %.1f us\n", 1000*($2-$1)}'
} | tee "$RES/summary.txt"
cp "$OUT/plain" "$RES/plain.txt"; cp "$OUT/jwt" "$RES/jwt.txt"
cp "$OUT/cached" "$RES/cached.txt"; cp "$OUT/uncached" "$RES/uncached.txt"
sed -i -e "s|$ROOT/||g" -e "s|$OUT/|\$TMP/|g" "$RES"/*
echo "raw results in $RES/" >&2
if [ $CHECK_FAILED != 0 ]; then
    echo "bench-auth: a check failed (non-2xx, a wrong body, socket errors or wrk's exit status)" >&2
    exit 1
fi
