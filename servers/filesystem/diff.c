/*
 * mcp-filesystem: line diff and unified diff text for edit_file.
 *
 * The layout follows what the reference server returns (jsdiff's createTwoFilesPatch): an
 * "Index:" line, a line of '=', "---"/"+++" headers labelled "original"/"modified", hunks with
 * 4 lines of context where changes closer than 2 * 4 unchanged lines share a hunk, and
 * "\ No newline at end of file" after a last line without one.
 *
 * The edit script comes from Myers' O(ND) algorithm on the part between the common prefix and
 * suffix (edits usually touch a small part of a file). If the files differ in more than
 * MAX_D lines, the middle is shown as removed and re-added rather than searched further.
 */
#include "fs.h"

#include <stdlib.h>
#include <string.h>

#define CONTEXT 4
#define MAX_D   1000

typedef struct line {
    const char *s;
    size_t len; /* without the '\n' */
    bool nl;    /* ended with '\n' */
} line_t;

static line_t *split_lines(const char *t, size_t len, size_t *n)
{
    size_t cap = 16, count = 0, i = 0;
    line_t *v = malloc(cap * sizeof *v);
    if (!v)
        return NULL;
    while (i < len) {
        const char *nl = memchr(t + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - t) : len;
        if (count == cap) {
            line_t *w = realloc(v, (cap *= 2) * sizeof *v);
            if (!w) {
                free(v);
                return NULL;
            }
            v = w;
        }
        v[count++] = (line_t){t + i, end - i, nl != NULL};
        i = end + (nl != NULL);
    }
    *n = count;
    return v;
}

static bool same(const line_t *a, const line_t *b)
{
    return a->len == b->len && a->nl == b->nl && memcmp(a->s, b->s, a->len) == 0;
}

/* Edit script: for each position, 'E'qual, 'D'elete (from a) or 'I'nsert (from b). */
typedef struct script {
    char *ops;
    size_t n, cap;
    bool oom;
} script_t;

static void op(script_t *s, char c)
{
    if (s->oom)
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        char *p = realloc(s->ops, cap);
        if (!p) {
            s->oom = true;
            return;
        }
        s->ops = p;
        s->cap = cap;
    }
    s->ops[s->n++] = c;
}

/* Myers: shortest edit script of a[0..n) -> b[0..m), appended to `out` in order. The V array
 * of every round d is kept (only its 2d+1 used entries) to walk the path back; past MAX_D rounds
 * the search stops and the whole middle is shown as removed and added. */
static void myers(const line_t *a, size_t n, const line_t *b, size_t m, script_t *out)
{
    long N = (long)n, M = (long)m, max = N + M, d, k, D = -1;
    long *v = NULL, **trace = NULL;
    char *rev = NULL;
    size_t i, len = 0;

    if (max == 0)
        return;
    if (max > MAX_D)
        max = MAX_D;
    trace = calloc((size_t)max + 1, sizeof *trace);
    v = calloc((size_t)(2 * max + 3), sizeof *v);
    if (!trace || !v)
        goto fallback;
#define V(kk) v[(kk) + max + 1]
    for (d = 0; d <= max && D < 0; d++) {
        for (k = -d; k <= d; k += 2) {
            long x, y;
            if (k == -d || (k != d && V(k - 1) < V(k + 1)))
                x = V(k + 1); /* down: an insertion */
            else
                x = V(k - 1) + 1; /* right: a deletion */
            y = x - k;
            while (x < N && y < M && same(&a[x], &b[y])) {
                x++;
                y++;
            }
            V(k) = x;
            if (x >= N && y >= M) {
                D = d;
                break;
            }
        }
        if (!(trace[d] = malloc((size_t)(2 * d + 1) * sizeof **trace)))
            goto fallback;
        for (k = -d; k <= d; k++)
            trace[d][k + d] = V(k);
    }
#undef V
    if (D < 0 || !(rev = malloc((size_t)(N + M) + 1)))
        goto fallback;
    {
        long x = N, y = M;
        for (d = D; d > 0; d--) {
            long *pv = trace[d - 1]; /* V after round d-1, indexed by k + (d-1) */
            long kk = x - y, pk, px, py, mx, my;
#define PV(q) pv[(q) + d - 1]
            if (kk == -d || (kk != d && PV(kk - 1) < PV(kk + 1)))
                pk = kk + 1;
            else
                pk = kk - 1;
#undef PV
            px = pv[pk + d - 1];
            py = px - pk;
            mx = pk == kk + 1 ? px : px + 1; /* where the move ends, before the snake */
            my = pk == kk + 1 ? py + 1 : py;
            while (x > mx && y > my) {
                rev[len++] = 'E';
                x--;
                y--;
            }
            rev[len++] = pk == kk + 1 ? 'I' : 'D';
            x = px;
            y = py;
        }
        while (x > 0 && y > 0) {
            rev[len++] = 'E';
            x--;
            y--;
        }
    }
    while (len > 0)
        op(out, rev[--len]);
    free(rev);
    for (d = 0; d <= D; d++)
        free(trace[d]);
    free(trace);
    free(v);
    return;
fallback:
    if (trace) {
        for (d = 0; d <= max; d++)
            free(trace[d]);
        free(trace);
    }
    free(v);
    free(rev);
    for (i = 0; i < n; i++)
        op(out, 'D');
    for (i = 0; i < m; i++)
        op(out, 'I');
}

/* A run of the same kind: equal, removed or added lines. */
typedef struct run {
    char kind; /* 'E', 'D', 'I' */
    const line_t *lines;
    size_t n;
} run_t;

static void emit_line(buf_t *out, char mark, const line_t *l)
{
    buf_addc(out, mark);
    buf_add(out, l->s, l->len);
    buf_addc(out, '\n');
    if (!l->nl)
        buf_adds(out, "\\ No newline at end of file\n");
}

void unified_diff(buf_t *out, const char *name, const char *a, size_t alen, const char *b,
                  size_t blen)
{
    size_t na = 0, nb = 0, pre = 0, suf = 0, i, nruns = 0, ai, bi;
    line_t *la = split_lines(a, alen, &na), *lb = split_lines(b, blen, &nb);
    script_t s = {0};
    run_t *runs = NULL;
    buf_t hunk = {0};
    size_t old_start = 0, new_start = 0, old_line = 1, new_line = 1;

    buf_addf(out, "Index: %s\n", name);
    buf_adds(out, "===================================================================\n");
    buf_addf(out, "--- %s\toriginal\n+++ %s\tmodified\n", name, name);
    if ((alen && !la) || (blen && !lb))
        goto oom;

    /* Script: common prefix, Myers on the middle, common suffix. */
    while (pre < na && pre < nb && same(&la[pre], &lb[pre]))
        pre++;
    while (suf < na - pre && suf < nb - pre && same(&la[na - 1 - suf], &lb[nb - 1 - suf]))
        suf++;
    for (i = 0; i < pre; i++)
        op(&s, 'E');
    myers(la + pre, na - pre - suf, lb + pre, nb - pre - suf, &s);
    for (i = 0; i < suf; i++)
        op(&s, 'E');
    if (s.oom)
        goto oom;

    /* Runs, with each change's removals before its additions (as jsdiff orders them), plus an
     * empty equal run at the end. */
    if (!(runs = calloc(s.n + 2, sizeof *runs)))
        goto oom;
    for (i = 0, ai = 0, bi = 0; i < s.n;) {
        size_t j = i, dels = 0, ins = 0;
        if (s.ops[i] == 'E') {
            while (j < s.n && s.ops[j] == 'E')
                j++;
            runs[nruns++] = (run_t){'E', la + ai, j - i};
            ai += j - i;
            bi += j - i;
        } else {
            while (j < s.n && s.ops[j] != 'E') {
                if (s.ops[j] == 'D')
                    dels++;
                else
                    ins++;
                j++;
            }
            if (dels)
                runs[nruns++] = (run_t){'D', la + ai, dels};
            if (ins)
                runs[nruns++] = (run_t){'I', lb + bi, ins};
            ai += dels;
            bi += ins;
        }
        i = j;
    }
    runs[nruns++] = (run_t){'E', NULL, 0};

    for (i = 0; i < nruns; i++) {
        const run_t *r = &runs[i];
        size_t k;
        if (r->kind != 'E') {
            if (!old_start) {
                old_start = old_line;
                new_start = new_line;
                if (i > 0) {
                    const run_t *prev = &runs[i - 1];
                    size_t c = prev->n < CONTEXT ? prev->n : CONTEXT;
                    for (k = prev->n - c; k < prev->n; k++)
                        emit_line(&hunk, ' ', &prev->lines[k]);
                    old_start -= c;
                    new_start -= c;
                }
            }
            for (k = 0; k < r->n; k++)
                emit_line(&hunk, r->kind == 'I' ? '+' : '-', &r->lines[k]);
            if (r->kind == 'I')
                new_line += r->n;
            else
                old_line += r->n;
        } else {
            if (old_start) {
                if (r->n <= 2 * CONTEXT && i + 2 < nruns) {
                    for (k = 0; k < r->n; k++)
                        emit_line(&hunk, ' ', &r->lines[k]);
                } else {
                    size_t c = r->n < CONTEXT ? r->n : CONTEXT;
                    size_t old_n = old_line - old_start + c, new_n = new_line - new_start + c;
                    for (k = 0; k < c; k++)
                        emit_line(&hunk, ' ', &r->lines[k]);
                    /* An empty side starts one line earlier in the unified format. */
                    buf_addf(out, "@@ -%zu,%zu +%zu,%zu @@\n", old_n ? old_start : old_start - 1,
                             old_n, new_n ? new_start : new_start - 1, new_n);
                    buf_add(out, hunk.data, hunk.len);
                    hunk.len = 0;
                    old_start = new_start = 0;
                }
            }
            old_line += r->n;
            new_line += r->n;
        }
    }
    if (hunk.oom)
        out->oom = true;
    buf_free(&hunk);
    free(runs);
    free(s.ops);
    free(la);
    free(lb);
    return;
oom:
    out->oom = true;
    free(runs);
    free(s.ops);
    free(la);
    free(lb);
}
