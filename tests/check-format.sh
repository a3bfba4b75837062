#!/bin/sh
# `make format-check`: the files given are formatted as .clang-format says (clang-format only
# reads them; `clang-format -i FILE` fixes one). Fails, naming the files, when one differs.
set -eu
command -v clang-format >/dev/null 2>&1 || { echo "format-check: clang-format is missing (tools/deps.sh installs it)" >&2; exit 1; }
bad=0
for f in "$@"; do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "  not formatted: $f (clang-format -i $f)"
        bad=$((bad + 1))
    fi
done
if [ "$bad" -eq 0 ]; then
    echo "format-check: $# passed, 0 failed"
else
    echo "format-check: $(($# - bad)) passed, $bad failed"
    exit 1
fi
