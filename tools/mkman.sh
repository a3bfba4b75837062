#!/bin/sh
# Generate one section-3 man page per exported function from the comments of the public
# headers, and the libmcp(3) index (docs/man/libmcp.3 with a FUNCTIONS list added).
#
# Usage: sh tools/mkman.sh OUTDIR VERSION INDEX_PAGE HEADER...
#   OUTDIR      pages are written to OUTDIR/<function>.3 (plus OUTDIR/libmcp.3)
#   VERSION     the library version printed in each page's footer
#   INDEX_PAGE  the hand-written libmcp(3); its ".SH SEE ALSO" gets a FUNCTIONS section before it
#   HEADER...   public headers (include/*.h): every `MCP_API` declaration gets a page
#
# What a header must look like (include/mcp.h does): the comment right above a declaration (no
# blank line between) documents it; declarations that follow one another with no blank line and
# no comment of their own share the comment above the first (a callback typedef between the comment
# and the declaration is shown in the synopsis). Section banners (a "/* Title */"
# line between two "/* ---- */" lines) group the pages: each page's SEE ALSO names the other
# functions of its section. A declaration with no comment at all gets a page saying so, with a
# warning, and tests/check-man.sh fails: an undocumented function cannot be exported unnoticed.
# POSIX sh and awk only (no python).
set -eu
[ $# -ge 4 ] || { echo "usage: $0 OUTDIR VERSION INDEX_PAGE HEADER..." >&2; exit 2; }
out=$1 version=$2 index=$3
shift 3
mkdir -p "$out"
rm -f "$out"/*.3 "$out/.index"

for h in "$@"; do
    awk -v out="$out" -v version="$version" -v hdr="$(basename "$h")" '
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
# roff-safe text: backslashes, and a line starting with a control character
function esc(s) {
    gsub(/\\/, "\\e", s)
    # UTF-8 punctuation the headers use, as roff glyphs (pages stay ASCII)
    gsub(/…/, "...", s); gsub(/–/, "\\(en", s)
    gsub(/—/, "\\(em", s); gsub(/§/, "\\(sc", s)
    if (s ~ /^[.\x27]/) s = "\\&" s
    return s
}
# The text of one comment line: without /**, /*, */ and the leading " * ".
function ctext(s) {
    sub(/^[ \t]*\/\*\*?/, "", s); sub(/\*\/[ \t]*$/, "", s)
    if (s ~ /^[ \t]*\*( |$)/) sub(/^[ \t]*\*/, "", s)
    else if (s ~ /^[ \t]*\*$/) s = ""
    sub(/^ /, "", s); sub(/[ \t]+$/, "", s)
    return s
}
function is_banner(s) { return s ~ /^\/\* -{20,} \*\/$/ }
BEGIN { ncom = 0; incom = 0; have_com = 0; ingroup = 0; section = ""; nf = 0; indecl = 0 }
# a whole declaration, possibly over several lines, ends at ";"
indecl {
    decl = decl "\n" $0
    if ($0 ~ /;/) { indecl = 0; finish_decl() }
    next
}
/^\/\* -+ \*\/$/ { banner_pending = 1; have_com = 0; ingroup = 0; next }
banner_pending && /^\/\* .* \*\/$/ {
    t = $0; sub(/^\/\* /, "", t); sub(/ *\*\/$/, "", t); section = trim(t)
    banner_pending = 0; next
}
{ banner_pending = 0 }
# typedefs of structs and callbacks, shown in the synopsis of the functions that take them
/^typedef struct [a-z_]+ \{/ { intype = 1; tdef = $0; next }
intype {
    tdef = tdef "\n" $0
    if ($0 ~ /^\} [a-z_]+_t;/) {
        n = $0; sub(/^\} /, "", n); sub(/;.*/, "", n)
        if (!(n in types)) tord[++ntypes] = n
        types[n] = tdef; intype = 0
    }
    next
}
/^typedef [^(]*\(\*[a-z_]+\)/ {
    tdef = $0; n = $0; sub(/^[^(]*\(\*/, "", n); sub(/\).*/, "", n); tname = n
    tord[++ntypes] = tname
    if ($0 ~ /;/) types[tname] = tdef; else intfn = 1
    next # a comment right above it also documents a function declared right below it
}
intfn { tdef = tdef "\n" $0; if ($0 ~ /;/) { types[tname] = tdef; intfn = 0 }; next }
# comments: remember the last one
incom {
    com[++ncom] = ctext($0)
    if ($0 ~ /\*\//) { incom = 0; have_com = 1 }
    next
}
/^[ \t]*\/\*/ {
    ncom = 0; ingroup = 0
    if ($0 ~ /\*\/[ \t]*$/) { com[++ncom] = ctext($0); have_com = 1 }
    else { incom = 1; t = ctext($0); if (t != "") com[++ncom] = t }
    next
}
/^MCP_API / {
    decl = $0
    if ($0 ~ /;/) finish_decl(); else indecl = 1
    next
}
/^[ \t]*$/ { have_com = 0; ingroup = 0; next }
{ have_com = 0; ingroup = 0 }

function finish_decl(   d, name, i, txt) {
    d = decl
    sub(/;[^;]*$/, ";", d)
    gsub(/MCP_API /, "", d); gsub(/MCP_NODISCARD /, "", d)
    gsub(/[ \n]*MCP_PRINTF\([0-9, ]*\)/, "", d)
    name = d; sub(/\(.*/, "", name); gsub(/\n/, " ", name); sub(/.*[ *]/, "", name)
    if (have_com) {
        # a new group: this comment documents it
        ngroup++; gtxt[ngroup] = ""
        while (ncom > 0 && com[ncom] == "") ncom--
        for (i = 1; i <= ncom; i++) gtxt[ngroup] = gtxt[ngroup] com[i] "\n"
        gdecl[ngroup] = d; have_com = 0; ingroup = 1
    } else if (ingroup) {
        gdecl[ngroup] = gdecl[ngroup] "\n" d
    } else {
        # still a page (the build goes on), which tests/check-man.sh then fails
        printf "mkman: warning: %s: %s has no comment above it\n", hdr, name > "/dev/stderr"
        ngroup++; gtxt[ngroup] = "Not documented in " hdr ": write a comment above its declaration.\n"
        gdecl[ngroup] = d; ingroup = 0
    }
    nf++; fname[nf] = name; fgroup[nf] = ngroup; fsect[nf] = section
}

function summary(txt,   s) {
    s = txt; gsub(/\n/, " ", s); s = trim(s)
    gsub(/e\.g\./, "e\001g\001", s); gsub(/i\.e\./, "i\001e\001", s)
    if (match(s, /\.( |$)/)) s = substr(s, 1, RSTART)
    sub(/\.$/, "", s)
    gsub(/\001/, ".", s)
    gsub(/`/, "", s)
    if (length(s) > 110) { s = substr(s, 1, 107); sub(/ [^ ]*$/, "", s); s = s " ..." }
    return s
}

# The comment as man text: paragraphs, @param/@return as tagged paragraphs, indented lines
# (examples, tables) without filling.
function body(txt,   n, L, i, l, nofill, inparam) {
    n = split(txt, L, "\n"); nofill = 0; inparam = 0
    for (i = 1; i <= n; i++) {
        l = L[i]
        if (l == "") {
            if (nofill) { print ".fi" > f; nofill = 0 }
            if (i < n) print ".PP" > f
            inparam = 0; continue
        }
        if (l ~ /^@param /) {
            if (nofill) { print ".fi" > f; nofill = 0 }
            sub(/^@param +/, "", l); p = l; sub(/ .*/, "", p); sub(/^[^ ]+ */, "", l)
            print ".TP" > f; print ".I " p > f; print esc(l) > f; inparam = 1; continue
        }
        if (l ~ /^@return/) {
            if (nofill) { print ".fi" > f; nofill = 0 }
            sub(/^@return +/, "", l)
            print ".TP" > f; print ".B Returns" > f; print esc(l) > f; inparam = 1; continue
        }
        if (l ~ /^  / && !inparam) {
            if (!nofill) { print ".nf" > f; nofill = 1 }
            print esc(l) > f; continue
        }
        if (nofill) { print ".fi" > f; nofill = 0 }
        print esc(trim(l)) > f
    }
    if (nofill) print ".fi" > f
}

END {
    for (k = 1; k <= nf; k++) {
        name = fname[k]; g = fgroup[k]; f = out "/" name ".3"
        up = toupper(name)
        print ".\\\" Generated by tools/mkman.sh from " hdr "; edit the header, not this file." > f
        print ".TH " up " 3 \"\" \"libmcp " version "\" \"libmcp Manual\"" > f
        print ".SH NAME" > f
        print name " \\- " esc(summary(gtxt[g])) > f
        print ".SH SYNOPSIS" > f
        print ".nf" > f
        print ".B #include <" hdr ">" > f
        print ".PP" > f
        print esc(gdecl[g]) > f
        # the structs and callback types the declarations name
        split("", seen)
        for (ti = 1; ti <= ntypes; ti++) {
            t = tord[ti]
            if (gdecl[g] ~ ("(^|[^a-z_])" t "([^a-z_]|$)") && !(t in seen)) {
                seen[t] = 1
                print ".PP" > f
                n2 = split(types[t], TL, "\n")
                for (j = 1; j <= n2; j++) print esc(TL[j]) > f
            }
        }
        print ".fi" > f
        print ".PP" > f
        print "Link with" > f
        print ".BR \"$(pkg\\-config \\-\\-libs libmcp)\" ." > f
        print ".SH DESCRIPTION" > f
        body(gtxt[g])
        print ".SH SEE ALSO" > f
        print ".ad l" > f  # a list of long names: ragged right, never "cannot adjust line"
        cnt = 0
        for (j = 1; j <= nf; j++) if (fsect[j] == fsect[k] && j != k) cnt++
        print ".BR libmcp (3)" (cnt ? "," : "") > f
        c = 0
        for (j = 1; j <= nf; j++) {
            if (fsect[j] != fsect[k] || j == k) continue
            c++
            print ".BR " fname[j] " (3)" (c < cnt ? "," : "") > f
        }
        close(f)
        # the index: section, name, summary (tab-separated) for libmcp(3)
        printf "%s\t%s\t%s\t%s\n", hdr, fsect[k], name, esc(summary(gtxt[g])) >> (out "/.index")
    }
}
' "$h"
done

# libmcp(3): the hand-written page with every function listed, grouped as in the headers.
awk -v idx="$out/.index" '
/^\.SH SEE ALSO/ && !done {
    print ".SH FUNCTIONS"
    print "Each function has its own page (for example"
    print ".BR mcp_server_add_tool (3)),"
    print "generated from the comments of the header that declares it."
    while ((getline line < idx) > 0) {
        split(line, F, "\t")
        key = F[1] ": " F[2]
        if (key != last) { print ".SS \"" F[1] (F[2] != "" ? ": " F[2] : "") "\""; last = key }
        print ".TP"
        print ".BR " F[3] " (3)"
        print F[4] "."
    }
    done = 1
}
{ print }
' "$index" >"$out/libmcp.3"
rm -f "$out/.index"
