#!/bin/sh
# Coverage-guided fuzzing of libmcp with libFuzzer (shared/RELIABILITY.md §2.5, §3.4). Run by
# `make fuzz`; `make test` runs `make fuzz-replay` (FUZZ_SECONDS=0: regressions and seeds only).
#
#   sh tests/fuzz/run.sh [target ...]        default: every tests/fuzz/fuzz_*.c
#
# Environment: FUZZ_SECONDS (per target, default 60; 0: only build, replay the regressions and
# run every seed once), FUZZ_CC (default clang-14, else clang),
# FUZZ_BUILD (default build-fuzz), FUZZ_JOBS (targets run at once, default 1),
# FUZZ_ARGS (extra libFuzzer flags), NO_DEPS=1 (never run apt-get). Harness options:
# FUZZ_STRICT=1 (also check the known, not yet settled differences: the reproducers in
# tests/fuzz/regressions/ then fail), FUZZ_TRACE=1 (fuzz_jsonrpc prints every message).
#
# libmcp's sources are compiled with -fsanitize=fuzzer-no-link,address,undefined into
# $FUZZ_BUILD/obj and archived as $FUZZ_BUILD/lib/libmcp_fuzz.a; each harness is linked with
# -fsanitize=fuzzer,address,undefined. Every target first replays tests/fuzz/regressions/<t>/,
# then fuzzes for FUZZ_SECONDS from tests/fuzz/corpus/<t>/ (new inputs go to
# $FUZZ_BUILD/corpus/<t>/, the seeds stay untouched) with the dictionary tests/fuzz/json.dict
# (plus tests/fuzz/<t>.dict when there is one).
# Any crash, leak, UB report, timeout (> 5 s) or OOM (> 2048 MB) fails the run; the input is
# left in $FUZZ_BUILD/artifacts/<t>/.
set -e
cd "$(dirname "$0")/../.."

SECONDS_PER=${FUZZ_SECONDS:-60}
B=${FUZZ_BUILD:-build-fuzz}
JOBS=${FUZZ_JOBS:-1}
if [ -z "${FUZZ_CC:-}" ]; then
    if command -v clang-14 >/dev/null 2>&1; then FUZZ_CC=clang-14; else FUZZ_CC=clang; fi
fi

# ---- toolchain: clang and its libFuzzer runtime ---------------------------------------------
# Installs (only when missing, with apt-get): clang-14 (the compiler) and libclang-rt-14-dev
# (compiler-rt: libclang_rt.fuzzer*.a, ASan and UBSan runtimes; Debian's libfuzzer-14-dev is the
# alternative package with the same libFuzzer archive).
probe_fuzzer() {
    command -v "$FUZZ_CC" >/dev/null 2>&1 || return 1
    d=$(mktemp -d)
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
        > "$d/p.c"
    if "$FUZZ_CC" -fsanitize=fuzzer,address,undefined "$d/p.c" -o "$d/p" >/dev/null 2>&1; then
        rm -rf "$d"; return 0
    fi
    rm -rf "$d"; return 1
}
if ! probe_fuzzer; then
    echo "fuzz: '$FUZZ_CC -fsanitize=fuzzer' does not link;" \
        "need clang-14 and libclang-rt-14-dev" >&2
    if [ "${NO_DEPS:-}" = 1 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "fuzz: install them with: apt-get install clang-14 libclang-rt-14-dev" >&2
        exit 1
    fi
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    echo "fuzz: running: $SUDO apt-get update &&" \
        "$SUDO apt-get install -y clang-14 libclang-rt-14-dev" >&2
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clang-14 libclang-rt-14-dev >&2 ||
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clang-14 libfuzzer-14-dev >&2
    command -v clang-14 >/dev/null 2>&1 && FUZZ_CC=clang-14
    probe_fuzzer || { echo "fuzz: still cannot link -fsanitize=fuzzer" >&2; exit 1; }
fi

# ---- build ---------------------------------------------------------------------------------
PKG_CFLAGS=$(pkg-config --cflags jansson libuv libmicrohttpd)
PKG_LIBS=$(pkg-config --libs jansson libuv)
CFLAGS="-std=c11 -g -O1 -fno-omit-frame-pointer -D_POSIX_C_SOURCE=200809L -Iinclude -Ilibmcp \
 $PKG_CFLAGS -Wall -Wextra -Wno-unused-parameter -fno-sanitize-recover=undefined"
LIB_SAN="-fsanitize=fuzzer-no-link,address,undefined"
BIN_SAN="-fsanitize=fuzzer,address,undefined"
mkdir -p "$B/obj" "$B/lib" "$B/bin"

# Recompile a source when it or any header is newer than its object (headers are few).
newest_hdr=$(ls -t include/*.h $(find libmcp -name "*.h") | head -n 1)
stale=""
for src in $(find libmcp -name "*.c" | sort); do
    obj="$B/obj/$(basename "$src" .c).o"
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_hdr" -nt "$obj" ]; then
        stale="$stale $src"
    fi
done
if [ -n "$stale" ]; then
    echo "fuzz: compiling $(echo "$stale" | wc -w | tr -d ' ') libmcp sources:" \
        "$FUZZ_CC $LIB_SAN"
    # shellcheck disable=SC2086
    printf '%s\n' $stale | xargs -P "$(nproc 2>/dev/null || echo 2)" -I{} sh -c \
        "$FUZZ_CC $CFLAGS $LIB_SAN -c {} -o $B/obj/\$(basename {} .c).o" ||
        { echo "fuzz: compiling libmcp failed" >&2; exit 1; }
    rm -f "$B/lib/libmcp_fuzz.a"
fi
[ -f "$B/lib/libmcp_fuzz.a" ] || ar rcs "$B/lib/libmcp_fuzz.a" "$B"/obj/*.o

if [ $# -gt 0 ]; then
    targets="$*"
else
    targets=$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c; done)
fi
for t in $targets; do
    src=tests/fuzz/$t.c
    [ -f "$src" ] || { echo "fuzz: no $src" >&2; exit 1; }
    bin="$B/bin/$t"
    if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ] || [ "$B/lib/libmcp_fuzz.a" -nt "$bin" ]; then
        echo "  LINK    $B/bin/$t"
        # shellcheck disable=SC2086
        $FUZZ_CC $CFLAGS $BIN_SAN "$src" "$B/lib/libmcp_fuzz.a" $PKG_LIBS -lpthread -ldl -lm \
            -o "$B/bin/$t"
    fi
done

# ---- run -----------------------------------------------------------------------------------
ASAN_DEFAULT=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export ASAN_OPTIONS="${ASAN_OPTIONS:-$ASAN_DEFAULT}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

run_one() {
    t=$1
    name=${t#fuzz_}
    art="$B/artifacts/$name/"
    work="$B/corpus/$name"
    log="$B/$name.log"
    mkdir -p "$art" "$work" "tests/fuzz/corpus/$name"
    # -artifact_prefix: a failing input goes there, also when replaying (not to the current directory)
    dict=tests/fuzz/json.dict
    if [ -f "tests/fuzz/$name.dict" ]; then # the target's own words, after the JSON ones
        dict="$B/$name.dict"
        cat tests/fuzz/json.dict "tests/fuzz/$name.dict" > "$dict"
    fi
    common="-rss_limit_mb=2048 -timeout=5 -max_len=65536 -dict=$dict -artifact_prefix=$art"
    reg="tests/fuzz/regressions/$name"
    if [ -d "$reg" ] && [ -n "$(ls -A "$reg" 2>/dev/null)" ]; then
        # shellcheck disable=SC2086
        if ! "$B/bin/$t" $common "$reg"/* > "$B/$name.regressions.log" 2>&1; then
            echo "fuzz: $t: a regression input fails again; see $B/$name.regressions.log" >&2
            return 1
        fi
    fi
    if [ "$SECONDS_PER" = 0 ]; then
        # shellcheck disable=SC2086
        if "$B/bin/$t" $common -runs=0 "tests/fuzz/corpus/$name" > "$log" 2>&1; then
            echo "fuzz: $t: seeds ok, $(grep -o 'cov: [0-9]*' "$log" | tail -n 1)"
            return 0
        fi
        echo "fuzz: $t: a seed fails; see $log" >&2
        return 1
    fi
    # shellcheck disable=SC2086
    if "$B/bin/$t" $common -max_total_time="$SECONDS_PER" -print_final_stats=1 \
        ${FUZZ_ARGS:-} "$work" "tests/fuzz/corpus/$name" > "$log" 2>&1; then
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
        ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1)
        echo "fuzz: $t: ok, $execs execs ($rate/s), $cov, $ft, corpus $(ls "$work" | wc -l)"
    else
        echo "fuzz: $t: FAILED; log $log, input in $art" >&2
        grep -E '^==[0-9]+==ERROR|runtime error|^SUMMARY|ALARM|out-of-memory|Test unit written' \
            "$log" | head -n 8 >&2
        return 1
    fi
}

fail=0
if [ "$JOBS" -le 1 ]; then
    for t in $targets; do run_one "$t" || fail=1; done
else
    n=0; pids=""
    for t in $targets; do
        run_one "$t" & pids="$pids $!"
        n=$((n + 1))
        if [ "$n" -ge "$JOBS" ]; then
            for p in $pids; do wait "$p" || fail=1; done
            n=0; pids=""
        fi
    done
    for p in $pids; do wait "$p" || fail=1; done
fi
[ "$fail" -eq 0 ] && echo "fuzz: every target passed ($SECONDS_PER s each)"
exit "$fail"
