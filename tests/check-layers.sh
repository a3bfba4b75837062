#!/bin/sh
# The library's floor plan, checked from the compiled objects: every cross-file call (or function
# pointer taken) in libmcp/ must go to a file of the same layer or a lower one, and no group of
# files may call each other in a cycle.
#
# Layers, lowest first (docs/architecture.md): base < core < features < server < transport <
# client < app.
# An edge A -> B means A's object file names a global symbol that B's object file defines (`nm`:
# U in A, T/D/B/R in B), so it is exact: no parsing of C, and function pointers count.
#
# usage: tests/check-layers.sh BUILD_DIR     (objects in BUILD_DIR/obj/libmcp/LAYER/*.o)
# Prints the edge and file counts; exits 1 on an upward edge or a cycle.
set -eu
obj=${1:-build}/obj/libmcp
[ -d "$obj" ] || { echo "check-layers: no objects under $obj (build the library first)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

layers="base core features server transport client app"
rank=0
: > "$tmp/defs"
: > "$tmp/uses"
: > "$tmp/ranks"
for layer in $layers; do
    [ -d "$obj/$layer" ] || { echo "check-layers: missing layer folder $obj/$layer" >&2; exit 1; }
    echo "$layer $rank" >> "$tmp/ranks"
    rank=$((rank + 1))
done
# Any object outside the six folders is itself a failure: its folder must say its layer.
stray=$(find "$obj" -name '*.o' | grep -Ev "^$obj/($(echo $layers | tr ' ' '|'))/" || true)
[ -z "$stray" ] || { echo "check-layers: objects outside a layer folder:" >&2; echo "$stray" >&2; exit 1; }

for o in $(find "$obj" -name '*.o' | sort); do
    f=${o#"$obj"/}
    f=${f%.o}.c
    nm "$o" | awk -v f="$f" '$1 ~ /^[TDBR]$/ && NF == 2 { next } NF == 3 && $2 ~ /^[TDBR]$/ { print $3, f }' >> "$tmp/defs"
    nm -u "$o" | awk -v f="$f" '{ print $NF, f }' >> "$tmp/uses"
done

# edges "from to", one per file pair, via the symbol's defining file
awk 'NR == FNR { def[$1] = $2; next } ($1 in def) && def[$1] != $2 { print $2, def[$1] }' \
    "$tmp/defs" "$tmp/uses" | sort -u > "$tmp/edges"

nfiles=$(find "$obj" -name '*.o' | wc -l)
nedges=$(wc -l < "$tmp/edges")
bad=0

# upward edges: the caller's layer ranks below the callee's
awk 'NR == FNR { r[$1] = $2; next }
     { split($1, a, "/"); split($2, b, "/");
       if (r[a[1]] < r[b[1]]) { print "  upward: " $1 " -> " $2; n++ } }
     END { exit n > 0 }' "$tmp/ranks" "$tmp/edges" > "$tmp/up" || bad=1
nup=$(wc -l < "$tmp/up")
cat "$tmp/up"

# cycles: tsort refuses a graph with a loop and names its members on stderr
if ! tsort "$tmp/edges" > /dev/null 2> "$tmp/loops"; then
    echo "  cycle among files:"
    sed -n "s|^tsort: $tmp/edges: |    |p; s|^tsort: |      |p" "$tmp/loops"
    bad=1
fi
ncyc=$(grep -c 'input contains a loop' "$tmp/loops" || true)

printf 'check-layers: %s files, %s cross-file edges, %s upward, %s cycle(s)\n' \
    "$nfiles" "$nedges" "$nup" "$ncyc"
for layer in $layers; do
    printf '  %-10s %s files\n' "$layer/" "$(find "$obj/$layer" -name '*.o' | wc -l)"
done
[ "$bad" -eq 0 ] && echo "check-layers: 1 passed, 0 failed" || echo "check-layers: 0 passed, 1 failed"
exit "$bad"
