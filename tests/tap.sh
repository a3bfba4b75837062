# Sourced by the shell tests: count and print results as TAP-like lines.
#   ok "what"            a passed check
#   bad "what"           a failed one (on stderr)
#   check "what" 'expr'  eval expr: ok or bad
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1" >&2; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
