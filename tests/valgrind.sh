#!/bin/sh
# `make valgrind`: the unit tests and every example server under valgrind: no errors, nothing
# definitely or indirectly lost, exit status 0.
#   - over STDIO, a scripted session then EOF: quickstart (a long one: 300 requests), async,
#     http_server, embed (embed runs libmcp on its own libuv loop) and mount (a gateway with a
#     server mounted through the in-memory client);
#   - over Streamable HTTP on 127.0.0.1 (curl): http_server and auth_server, a few requests each
#     (auth_server with and without its demo bearer token), then SIGTERM;
#   - the mcp command against the quickstart, each subcommand in both eras.
# Usage: BUILD=build sh tests/valgrind.sh
set -u
BUILD=${BUILD:-build}
VG="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
--errors-for-leak-kinds=definite,indirect --error-exitcode=99"
# Timed bounds in the unit tests (guards against minutes) stretch under valgrind.
export MCP_TEST_TIME_SCALE=50
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAILED under valgrind: $1"; }
for tool in valgrind curl; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "valgrind: $tool is not installed (apt-get install $tool)"; exit 1
    fi
done
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    if $VG "$t" >/dev/null 2>"$BUILD/valgrind-$(basename "$t").log"; then
        pass=$((pass + 1))
    else
        bad "$t (see $BUILD/valgrind-$(basename "$t").log)"
    fi
done
for ex in quickstart async embed http_server auth_server mount; do
    [ -x "$BUILD/examples/$ex" ] || { bad "$BUILD/examples/$ex is missing (make examples)"; }
done

MODERN='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}'
# The requests every STDIO session starts with: handshake, the lists, bad input; $1 more lines follow.
common() {
    printf '%s\n' \
     '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"vg","version":"1"}}}' \
     '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
     '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' \
     '{"jsonrpc":"2.0","id":5,"method":"resources/list"}' \
     '{"jsonrpc":"2.0","id":6,"method":"prompts/list"}' \
     '{"jsonrpc":"2.0","id":7,"method":"nope"}' \
     'not json' \
     "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/list\",\"params\":{$MODERN}}" \
     '{"jsonrpc":"2.0","id":9,"method":"server/discover"}'
}
# quickstart: every kind of request, then 291 tool calls.
{
    common
    printf '%s\n' \
     '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}' \
     '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}}' \
     '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"add","arguments":{"a":"bad"}}}'
    for i in $(seq 10 300); do
        printf '{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"echo","arguments":{"text":"n%d"}}}\n' "$i" "$i"
    done
} >"$BUILD/valgrind-quickstart.in"
{
    common
    printf '%s\n' \
     '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"square","arguments":{"n":12}}}' \
     '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"hash","arguments":{"text":"abc"}}}' \
     '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"square","arguments":{"n":"bad"}}}'
} >"$BUILD/valgrind-async.in"
{
    common
    printf '%s\n' \
     '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"ticks","arguments":{}}}'
} >"$BUILD/valgrind-embed.in"
{
    common
    printf '%s\n' \
     '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}' \
     '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"fail","arguments":{}}}' \
     '{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"greeting://vg"}}' \
     '{"jsonrpc":"2.0","id":10,"method":"prompts/get","params":{"name":"greet","arguments":{"name":"vg"}}}'
} >"$BUILD/valgrind-http_server.in"

{
    common
    printf '%s\n' \
     '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"weather_forecast","arguments":{"city":"vg"}}}' \
     '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"weather_forecast","arguments":{}}}' \
     '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"ping","arguments":{}}}'
} >"$BUILD/valgrind-mount.in"

# STDIO: EXAMPLE MIN_REPLIES
stdio() {
    srv=$BUILD/examples/$1
    [ -x "$srv" ] || return 0
    log="$BUILD/valgrind-$1.log"
    $VG "$srv" <"$BUILD/valgrind-$1.in" >"$BUILD/valgrind-$1.out" 2>"$log"
    rc=$?
    out=$(grep -c '"id"' "$BUILD/valgrind-$1.out")
    if [ "$rc" -eq 0 ] && [ "$out" -ge "$2" ]; then
        ok "$1 over STDIO ($out replies)"
    else
        bad "$1 over STDIO: status $rc, $out replies, want >= $2 (see $log)"
    fi
}
stdio quickstart 300
stdio async 11
stdio embed 9
stdio http_server 12
stdio mount 11

# Streamable HTTP: EXAMPLE "CURL HEADER ARGS" REQUESTS...  (each request a JSON-RPC body)
http() {
    ex=$1 hdr=$2
    shift 2
    srv=$BUILD/examples/$ex
    [ -x "$srv" ] || return 0
    log="$BUILD/valgrind-$ex-http.log"
    $VG "$srv" --http 127.0.0.1:0 2>"$log" &
    pid=$!
    url=
    i=0
    while [ $i -lt 300 ] && [ -z "$url" ] && kill -0 $pid 2>/dev/null; do # up to 30 s (valgrind)
        url=$(sed -n 's/.*Streamable HTTP on \(http:[^ ]*\).*/\1/p' "$log" | head -n 1)
        [ -n "$url" ] || sleep 0.1
        i=$((i + 1))
    done
    if [ -z "$url" ]; then
        kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null
        bad "$ex over HTTP: it did not start (see $log)"
        return
    fi
    answered=0 asked=0
    for body in "$@"; do
        asked=$((asked + 1))
        method=$(echo "$body" | sed -n 's/^{"jsonrpc":"2.0","id":[0-9]*,"method":"\([^"]*\)".*/\1/p')
        # 2026-07-28 headers: Mcp-Method, and Mcp-Name for a call or read (the name or uri)
        name=$(echo "$body" | sed -n 's/^{[^{]*"params":{"\(name\|uri\)":"\([^"]*\)".*/\2/p')
        # shellcheck disable=SC2086 # $hdr is an optional "-H value" pair
        code=$(curl -s -o "$BUILD/valgrind-$ex-http.out" -w '%{http_code}' --max-time 20 \
            -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
            -H 'MCP-Protocol-Version: 2026-07-28' -H "Mcp-Method: $method" \
            ${name:+-H "Mcp-Name: $name"} ${hdr:+-H "$hdr"} -d "$body" "$url")
        [ "$code" = 200 ] && grep -q '"result"' "$BUILD/valgrind-$ex-http.out" && answered=$((answered + 1))
    done
    # and one refused request: a bad token, or no Accept header
    curl -s -o /dev/null --max-time 20 -H 'Authorization: Bearer wrong' -d '{}' "$url"
    kill -TERM $pid
    wait $pid
    rc=$?
    if [ "$rc" -eq 0 ] && [ $answered = $asked ]; then
        ok "$ex over Streamable HTTP ($answered answered)"
    else
        bad "$ex over Streamable HTTP: status $rc, $answered of $asked answered (see $log)"
    fi
}
M="\"params\":{$MODERN}"
http http_server "" \
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\",$M}" \
    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",$M}" \
    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"add\",\"arguments\":{\"a\":1,\"b\":2},$MODERN}}" \
    "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/read\",\"params\":{\"uri\":\"info://server\",$MODERN}}"
http auth_server "Authorization: Bearer alice-7f3c9a1e" \
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",$M}" \
    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"whoami\",\"arguments\":{},$MODERN}}"

# The mcp command (the client library over STDIO) under valgrind, in both eras, against the
# quickstart (not under valgrind itself): every command a script would run.
if [ -x "$BUILD/bin/mcp" ]; then
    for args in "info" "tools" "call add a=1 b=2" "call echo --json {\"text\":\"x\"}" "resources" \
        "read docs://quickstart/about" "prompts" "prompt greet name=vg" "call nope" \
        "info --protocol 2025-11-25" "call add a=3 b=4 --protocol 2025-06-18"; do
        log="$BUILD/valgrind-mcp.log"
        # shellcheck disable=SC2086
        $VG "$BUILD/bin/mcp" $args --stdio "$BUILD/examples/quickstart" >/dev/null 2>"$log"
        rc=$?
        # exit 3 is the expected protocol error of "call nope"; 99 is valgrind's
        if [ $rc -eq 0 ] || { [ $rc -eq 3 ] && [ "$args" = "call nope" ]; }; then
            ok "mcp $args"
        else
            bad "mcp $args: status $rc (see $log)"
        fi
    done
else
    bad "$BUILD/bin/mcp is missing (make mcp)"
fi

echo "valgrind: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
