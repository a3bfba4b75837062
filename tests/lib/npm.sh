# Sourced by the tests/*/run.sh scripts that need Node: the Node check and the `npm ci` of a test
# folder's pinned packages, run only when its package-lock.json (or the given key) changed since
# the last install. The stamp lives in DIR/node_modules/.libmcp-lock-stamp, so a fresh checkout or
# a deleted node_modules installs again.

# need_node WHO [MAJOR]: exit unless node and npm run and Node is at least MAJOR (default 20);
# sets NODE_MAJOR. WHO prefixes the messages.
need_node() {
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        echo "$1: node and npm are required (Node >= ${2:-20})" >&2
        exit 1
    fi
    NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
    if [ "$NODE_MAJOR" -lt "${2:-20}" ]; then
        echo "$1: Node >= ${2:-20} required, found $(node --version)" >&2
        exit 1
    fi
}

# npm_ci DIR MESSAGE [KEY]: `npm ci` in DIR (its output to stderr) when DIR's lock file, or KEY
# (say, the Node version the packages were installed for), differs from the last install's;
# MESSAGE is printed to stderr first.
npm_ci() {
    _npm_stamp=$1/node_modules/.libmcp-lock-stamp
    _npm_want="$(cksum <"$1/package-lock.json")${3:+ $3}"
    if [ ! -f "$_npm_stamp" ] || [ "$(cat "$_npm_stamp")" != "$_npm_want" ]; then
        echo "$2" >&2
        (cd "$1" && npm ci --no-audit --no-fund --loglevel=error) >&2
        printf '%s\n' "$_npm_want" >"$_npm_stamp"
    fi
}
