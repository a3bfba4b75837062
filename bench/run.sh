#!/bin/sh
# STDIO benchmark: libmcp's examples/quickstart against the same two tools served by the
# official MCP TypeScript SDK, v1 (@modelcontextprotocol/sdk) and v2 (@modelcontextprotocol/server).
#
# Run by `make bench` (after `make all`) as: BUILD=build sh bench/run.sh
# Knobs (environment): BENCH_SERVERS (default "libmcp ts-v1 ts-v2 floor"), BENCH_COLD_RUNS (20),
# BENCH_RUNS (5), BENCH_MESSAGES (100000), BENCH_BARE_MESSAGES (10 x BENCH_MESSAGES),
# BENCH_LATENCY_CALLS (10000), BENCH_WARMUP (1000).
# "floor" is the driver's own null responder (stdio_bench -E: string matching, no JSON parsing):
# what this harness measures with no real server behind the pipes.
# The libmcp pipelined runs alternate with runs of bench/bare_echo (a plain C program answering
# one fixed line per line read; stdio_bench -b), and the table gives libmcp as a % of it.
# Raw driver output and the table go to bench/results/<timestamp>/ (git-ignored).
set -eu

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SERVERS=${BENCH_SERVERS:-libmcp ts-v1 ts-v2 floor}
COLD_RUNS=${BENCH_COLD_RUNS:-20}
RUNS=${BENCH_RUNS:-5}
MESSAGES=${BENCH_MESSAGES:-100000}
BARE_MESSAGES=${BENCH_BARE_MESSAGES:-$((MESSAGES * 10))}
CALLS=${BENCH_LATENCY_CALLS:-10000}
WARMUP=${BENCH_WARMUP:-1000}
PER_SERVER_LIMIT=240 # seconds; the driver bounds every phase itself, this is a backstop

say() { printf '%s\n' "bench: $*" >&2; }
die() { say "$*"; exit 1; }

# ---- the driver and the bare C ceiling ------------------------------------------------------
DRIVER=$BUILD/bench/stdio_bench
BARE=$BUILD/bench/bare_echo
mkdir -p "$BUILD/bench"
JANSSON_CFLAGS=$(pkg-config --cflags jansson 2>/dev/null || true)
JANSSON_LIBS=$(pkg-config --libs jansson 2>/dev/null || echo -ljansson)
if [ ! -x "$DRIVER" ] || [ bench/stdio_bench.c -nt "$DRIVER" ] || [ bench/run.sh -nt "$DRIVER" ]; then
    say "building $DRIVER"
    # shellcheck disable=SC2086
    ${CC:-cc} -std=c11 -O2 -g -D_POSIX_C_SOURCE=200809L -Wall -Wextra $JANSSON_CFLAGS \
        bench/stdio_bench.c -o "$DRIVER" $JANSSON_LIBS -lpthread
fi
if [ ! -x "$BARE" ] || [ bench/bare_echo.c -nt "$BARE" ] || [ bench/run.sh -nt "$BARE" ]; then
    say "building $BARE"
    ${CC:-cc} -std=c11 -O2 -g -D_POSIX_C_SOURCE=200809L -Wall -Wextra bench/bare_echo.c -o "$BARE"
fi

# ---- the TypeScript servers: node >= 20 and the pinned packages ------------------------------
NODE=${NODE:-node}
need_node=0
for s in $SERVERS; do case $s in ts-*) need_node=1 ;; esac; done
if [ "$need_node" = 1 ]; then
    command -v "$NODE" >/dev/null 2>&1 || die "node not found (the TypeScript servers need node >= 20)"
    "$NODE" -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' ||
        die "node $("$NODE" --version) is too old: the TypeScript SDK servers need node >= 20"
    lock_hash=$(sha256sum bench/package-lock.json | cut -d' ' -f1)
    stamp=bench/node_modules/.package-lock.sha256
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
        say "installing the pinned TypeScript SDK packages (npm ci in bench/)"
        (cd bench && npm ci --no-audit --no-fund --loglevel=error >&2) || die "npm ci failed"
        printf '%s\n' "$lock_hash" > "$stamp"
    fi
fi

# ---- pinning: server on core 0, driver on core 1 ---------------------------------------------
DRIVER_PREFIX=
PIN_ARGS=
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
    DRIVER_PREFIX="taskset -c 1"
    PIN_ARGS="-s 0" # the driver pins each server child to core 0 between fork and exec
    PINNING="server on core 0, driver on core 1"
else
    PINNING="none (taskset missing or a single core)"
fi
BACKSTOP=
command -v timeout >/dev/null 2>&1 && BACKSTOP="timeout -k 5 $PER_SERVER_LIMIT"

# ---- run ------------------------------------------------------------------------------------
OUT=bench/results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host: $(uname -srm), $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
    echo "node: $("$NODE" --version 2>/dev/null || echo none)"
    echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo none)"
    echo "pinning: $PINNING"
    echo "runs: cold=$COLD_RUNS runs=$RUNS messages=$MESSAGES bare_messages=$BARE_MESSAGES latency_calls=$CALLS warmup=$WARMUP"
} > "$OUT/env.txt"
cat "$OUT/env.txt" >&2

failed=
for s in $SERVERS; do
    BARE_ARGS=
    case $s in
    libmcp)
        BARE_ARGS="-b $BARE -M $BARE_MESSAGES" # pipelined runs alternate with the bare C ceiling
        [ -x "$BUILD/examples/quickstart" ] || {
            say "libmcp: $BUILD/examples/quickstart is not built (run make first)"
            failed="$failed $s"
            continue
        }
        set -- "$BUILD/examples/quickstart" ;;
    ts-v1) set -- "$NODE" bench/ts-server-v1.mjs ;;
    ts-v2) set -- "$NODE" bench/ts-server-v2.mjs ;;
    floor) set -- "$DRIVER" -E ;;
    *) die "unknown server '$s' in BENCH_SERVERS (libmcp, ts-v1, ts-v2, floor)" ;;
    esac
    say "running $s: $*"
    # shellcheck disable=SC2086
    if ! $BACKSTOP $DRIVER_PREFIX "$DRIVER" -n "$s" $PIN_ARGS $BARE_ARGS -c "$COLD_RUNS" -r "$RUNS" \
        -m "$MESSAGES" -l "$CALLS" -w "$WARMUP" -- "$@" > "$OUT/$s.txt"; then
        say "$s: the driver failed (see above and $OUT/$s.txt)"
        failed="$failed $s"
    fi
done

# ---- the table ------------------------------------------------------------------------------
cat "$OUT"/*.txt 2>/dev/null | awk -v pinning="$PINNING" '
$1 == "result" {
    split($2, a, "="); split($3, b, "="); split($4, d, "=")
    v[a[2], b[2]] = d[2]; have[a[2], b[2]] = 1
}
function width(s,   t) { t = s; gsub(/×|µ|—/, "x", t); return length(t) }
function pad(s, w) { while (width(s) < w) s = s " "; return s }
function lpad(s, w) { while (width(s) < w) s = " " s; return s }
function cell(srv, m, fmt) { return have[srv, m] ? sprintf(fmt, v[srv, m]) : "—" }
# lower_better: ts/libmcp as "N× faster" (or "N× less"); else libmcp/ts as "N× faster".
function ratio(m, ts, lower_better, better, worse,   r) {
    if (!have["libmcp", m] || !have[ts, m] || v["libmcp", m] <= 0 || v[ts, m] <= 0) return "—"
    r = lower_better ? v[ts, m] / v["libmcp", m] : v["libmcp", m] / v[ts, m]
    if (r >= 1) return sprintf(r >= 10 ? "%.0f× %s" : "%.1f× %s", r, better)
    return sprintf(1 / r >= 10 ? "%.0f× %s" : "%.1f× %s", 1 / r, worse)
}
function row(label, m, fmt, lower_better, better, worse) {
    printf "%s %s %s %s  %s %s\n", pad(label, 18), lpad(cell("libmcp", m, fmt), 10),
        lpad(cell("ts-v1", m, fmt), 10), lpad(cell("ts-v2", m, fmt), 10),
        pad(ratio(m, "ts-v1", lower_better, better, worse), 16),
        ratio(m, "ts-v2", lower_better, better, worse)
}
function target(text, ok, known) {
    if (!known) gsub(/ \(.*\)$/, " (no figure)", text)
    printf "  %-4s %s\n", known ? (ok ? "PASS" : "MISS") : "n/a", text
}
function times(m, ts, lower_better) {
    if (!have["libmcp", m] || !have[ts, m] || v["libmcp", m] <= 0) return -1
    return lower_better ? v[ts, m] / v["libmcp", m] : v["libmcp", m] / v[ts, m]
}
END {
    print ""
    printf "MCP STDIO benchmark, medians (%s)\n", pinning
    printf "%s %s %s %s  %s %s\n", pad("", 18), lpad("libmcp", 10), lpad("TS v1", 10),
        lpad("TS v2", 10), pad("libmcp vs v1", 16), "libmcp vs v2"
    row("cold start ms", "cold_start_ms", "%.2f", 1, "faster", "slower")
    row("idle RSS KiB", "idle_rss_kib", "%.0f", 1, "less", "more")
    row("pipelined msgs/s", "pipelined_msgs_per_s", "%.0f", 0, "faster", "slower")
    row("p50 µs", "latency_p50_us", "%.1f", 1, "faster", "slower")
    row("p99 µs", "latency_p99_us", "%.1f", 1, "faster", "slower")
    print "(TS figures are the node process: node + SDK + zod; RSS is VmRSS 200 ms after initialized)"
    if (have["floor", "pipelined_msgs_per_s"])
        printf "harness floor (null responder, no JSON): cold %s ms, RSS %s KiB, %s msgs/s, p50 %s µs, p99 %s µs\n",
            cell("floor", "cold_start_ms", "%.2f"), cell("floor", "idle_rss_kib", "%.0f"),
            cell("floor", "pipelined_msgs_per_s", "%.0f"), cell("floor", "latency_p50_us", "%.1f"),
            cell("floor", "latency_p99_us", "%.1f")
    if (have["libmcp", "pct_of_bare"])
        printf "pipelined echo vs bare C (bench/bare_echo.c, runs alternated): libmcp %s msgs/s, bare %s msgs/s = %s %% (median of per-run ratios %s %%)\n",
            cell("libmcp", "pipelined_msgs_per_s", "%.0f"), cell("libmcp", "bare_pipelined_msgs_per_s", "%.0f"),
            cell("libmcp", "pct_of_bare", "%.1f"), cell("libmcp", "pct_of_bare_paired", "%.1f")
    print ""
    print "Issue #2 targets:"
    cs = v["libmcp", "cold_start_ms"]
    target(sprintf("libmcp cold start <= 5 ms (%s ms)", cell("libmcp", "cold_start_ms", "%.2f")),
        cs <= 5, have["libmcp", "cold_start_ms"])
    r1 = times("cold_start_ms", "ts-v1", 1); r2 = times("cold_start_ms", "ts-v2", 1)
    target(sprintf("cold start >= 60x faster than TS v1 (%.0fx)", r1), r1 >= 60, r1 >= 0)
    target(sprintf("cold start >= 60x faster than TS v2 (%.0fx)", r2), r2 >= 60, r2 >= 0)
    m = v["libmcp", "idle_rss_kib"]
    target(sprintf("libmcp idle RSS <= 3 MiB (%.2f MiB)", m / 1024), m <= 3072,
        have["libmcp", "idle_rss_kib"])
    r1 = times("pipelined_msgs_per_s", "ts-v1", 0); r2 = times("pipelined_msgs_per_s", "ts-v2", 0)
    target(sprintf("pipelined throughput >= 10x TS v1 (%.1fx)", r1), r1 >= 10, r1 >= 0)
    target(sprintf("pipelined throughput >= 10x TS v2 (%.1fx)", r2), r2 >= 10, r2 >= 0)
    p = v["libmcp", "pct_of_bare"]
    target(sprintf("pipelined echo >= 20%% of bare C (%.1f%%)", p), p >= 20, have["libmcp", "pct_of_bare"])
}' | tee "$OUT/table.txt"
say "raw results in $OUT/"

[ -z "$failed" ] || die "failed:$failed"
