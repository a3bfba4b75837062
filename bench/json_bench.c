/*
 * json_bench: libmcp's JSON reader and writer against jansson, on typical MCP messages.
 *
 *   parse:  json_loadb(text, len, JSON_REJECT_DUPLICATES)  vs  mcp__json_parse(text, len)
 *   write:  json_dumps(tree, JSON_COMPACT) + free          vs  mcp__json_write(buf, tree)
 *           (into a buffer reused from message to message, as the transports do; "fresh" is
 *           a new buffer per message and its free, as mcp__jsonrpc_dump does)
 *
 * Messages: a tools/call request with arguments, a tools/list result of 20 tools with input
 * schemas, and a tools/call result with 64 KiB of text (source code: newlines, tabs, quotes,
 * some UTF-8). Before timing, both readers must build equal trees and both writers write equal
 * bytes. Each figure is thread CPU time per message (so other processes on the machine cost
 * little), the median of RUNS runs of about TARGET_MS each; the variants take turns within a
 * run. Parse timing covers building the trees only: they are freed outside the timed region.
 *
 * Usage: json_bench [-r RUNS] [-t TARGET_MS]   (defaults 7 and 40; `make bench-json`)
 */
#include "server/server.h"

#include <time.h>
#include <unistd.h>

#define BATCH 64 /* trees built per timed parse stretch, freed untimed */

typedef struct message {
    const char *name;
    char *text; /* compact JSON, NUL-terminated */
    size_t len;
    json_t *tree;
} message;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "json_bench: %s\n", what);
    exit(1);
}

/* ---- the messages ------------------------------------------------------------------------- */

static json_t *tools_call_request(void)
{
    return json_pack("{s:s, s:i, s:s, s:{s:s, s:{s:s, s:s, s:b, s:i, s:[s,s,s], s:{s:b, s:b, "
                     "s:s}}, s:{s:s}}}",
                     "jsonrpc", "2.0", "id", 42, "method", "tools/call", "params", "name",
                     "search_files", "arguments", "path", "/home/user/projects/libmcp", "pattern",
                     "mcp__json_*", "recursive", 1, "max_results", 100, "exclude", "build",
                     "node_modules", ".git", "options", "case_sensitive", 0, "follow_symlinks", 0,
                     "encoding", "utf-8", "_meta", "progressToken", "req-42-progress");
}

static json_t *tools_list_result(void)
{
    static const char *const types[] = {"string", "integer", "number", "boolean"};
    json_t *tools = json_array();
    int i, p;
    char name[64], desc[256];
    for (i = 0; i < 20; i++) {
        json_t *props = json_object(), *required = json_array(), *tool;
        for (p = 0; p < 2 + i % 4; p++) {
            snprintf(name, sizeof name, "param_%d_%d", i, p);
            snprintf(desc, sizeof desc,
                     "The %s argument of tool %d; see the documentation for accepted values.",
                     types[(i + p) % 4], i);
            json_object_set_new(
                props, name,
                json_pack("{s:s, s:s}", "type", types[(i + p) % 4], "description", desc));
            if (p % 2 == 0)
                json_array_append_new(required, json_string(name));
        }
        snprintf(name, sizeof name, "tool_number_%02d", i);
        snprintf(desc, sizeof desc,
                 "Tool %d does one useful thing with its arguments and returns the result as "
                 "text, or a structured object when the client asks for one.",
                 i);
        tool = json_pack("{s:s, s:s, s:s, s:{s:s, s:o, s:o, s:b}, s:{s:b, s:b}}", "name", name,
                         "title", name, "description", desc, "inputSchema", "type", "object",
                         "properties", props, "required", required, "additionalProperties", 0,
                         "annotations", "readOnlyHint", i % 2, "idempotentHint", 1);
        if (!tool)
            die("json_pack tool");
        json_array_append_new(tools, tool);
    }
    return json_pack("{s:s, s:i, s:{s:o, s:s}}", "jsonrpc", "2.0", "id", 2, "result", "tools",
                     tools, "nextCursor", "eyJvZmZzZXQiOjIwfQ");
}

static json_t *text_result(void)
{
    size_t cap = 70000, n = 0, line = 0;
    char *s = malloc(cap);
    json_t *v;
    if (!s)
        die("out of memory");
    while (n < 65536) {
        n += (size_t)snprintf(s + n, cap - n,
                              "%zu:\tif (strcmp(name, \"value_%zu\") == 0) /* caf\xc3\xa9 \xe2\x9c"
                              "\x93 */\n\t\treturn table[%zu].\"field\"; // \\done\n",
                              line, line * 7, line);
        line++;
    }
    v = json_pack("{s:s, s:i, s:{s:[{s:s, s:s}], s:b}}", "jsonrpc", "2.0", "id", 7, "result",
                  "content", "type", "text", "text", s, "isError", 0);
    free(s);
    return v;
}

static void make_message(message *m, const char *name, json_t *built)
{
    json_error_t e;
    if (!built)
        die("json_pack message");
    m->name = name;
    m->text = json_dumps(built, JSON_COMPACT);
    json_decref(built);
    if (!m->text)
        die("json_dumps");
    m->len = strlen(m->text);
    m->tree = json_loadb(m->text, m->len, JSON_REJECT_DUPLICATES, &e);
    if (!m->tree)
        die(e.text);
}

/* Both readers build equal trees, both writers write the same bytes. */
static void check(const message *m)
{
    json_error_t e;
    json_t *a = mcp__json_parse(m->text, m->len, &e);
    mcp__buf b = {0};
    if (!a || !json_equal(a, m->tree))
        die("mcp__json_parse and json_loadb differ");
    if (mcp__json_write(&b, m->tree) != MCP_OK || b.len != m->len ||
        memcmp(b.data, m->text, m->len) != 0)
        die("mcp__json_write and json_dumps differ");
    json_decref(a);
    mcp__buf_free(&b);
}

/* ---- the variants --------------------------------------------------------------------------- */

enum { P_JANSSON, P_MCP, W_JANSSON, W_MCP, W_MCP_FRESH, NVARIANT };

static volatile size_t sink; /* keeps the writers' work observable */

/* Run variant `v` on `m` `iters` times; return CPU ns per message. */
static double run_variant(int v, const message *m, size_t iters, mcp__buf *buf)
{
    json_t *trees[BATCH];
    double t0, spent = 0;
    size_t i, k;
    json_error_t e;
    if (v == P_JANSSON || v == P_MCP) {
        for (i = 0; i < iters; i += BATCH) {
            size_t n = iters - i < BATCH ? iters - i : BATCH;
            t0 = now_ns();
            for (k = 0; k < n; k++)
                trees[k] = v == P_JANSSON ? json_loadb(m->text, m->len, JSON_REJECT_DUPLICATES, &e)
                                          : mcp__json_parse(m->text, m->len, &e);
            spent += now_ns() - t0;
            for (k = 0; k < n; k++) {
                if (!trees[k])
                    die("parse failed");
                json_decref(trees[k]);
            }
        }
        return spent / (double)iters;
    }
    t0 = now_ns();
    for (i = 0; i < iters; i++) {
        if (v == W_JANSSON) {
            char *s = json_dumps(m->tree, JSON_COMPACT);
            if (!s)
                die("json_dumps failed");
            sink += (unsigned char)s[0];
            free(s);
        } else if (v == W_MCP) {
            buf->len = 0;
            if (mcp__json_write(buf, m->tree) != MCP_OK)
                die("mcp__json_write failed");
            sink += buf->len;
        } else {
            mcp__buf b = {0};
            if (mcp__json_write(&b, m->tree) != MCP_OK)
                die("mcp__json_write failed");
            sink += b.len;
            mcp__buf_free(&b);
        }
    }
    return (now_ns() - t0) / (double)iters;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void print_ns(double ns)
{
    if (ns >= 1e6)
        printf(" %9.2f ms", ns / 1e6);
    else if (ns >= 1e3)
        printf(" %9.2f us", ns / 1e3);
    else
        printf(" %9.0f ns", ns);
}

int main(int argc, char **argv)
{
    int runs = 7, target_ms = 40, c, v, r;
    size_t i;
    message msgs[3];
    double med[3][NVARIANT];
    size_t iters[3][NVARIANT];
    mcp__buf buf = {0};

    while ((c = getopt(argc, argv, "r:t:h")) != -1) {
        if (c == 'r')
            runs = atoi(optarg);
        else if (c == 't')
            target_ms = atoi(optarg);
        else {
            fprintf(stderr, "usage: json_bench [-r RUNS (7)] [-t TARGET_MS per run (40)]\n");
            return c == 'h' ? 0 : 2;
        }
    }
    if (runs < 1 || runs > 101 || target_ms < 1 || target_ms > 10000)
        die("RUNS must be 1..101 and TARGET_MS 1..10000");

    make_message(&msgs[0], "tools/call request", tools_call_request());
    make_message(&msgs[1], "tools/list result (20 tools)", tools_list_result());
    make_message(&msgs[2], "64 KiB text result", text_result());

    for (i = 0; i < 3; i++) {
        check(&msgs[i]);
        /* calibrate: iterations for about target_ms, from a warm-up of at least 20 ms */
        for (v = 0; v < NVARIANT; v++) {
            size_t n = 16;
            double t;
            for (;;) {
                double t0 = now_ns();
                run_variant(v, &msgs[i], n, &buf);
                t = now_ns() - t0;
                if (t >= 20e6 || n >= (size_t)1 << 30)
                    break;
                n *= 2;
            }
            iters[i][v] = (size_t)((double)n * target_ms * 1e6 / t) + 1;
        }
    }

    for (i = 0; i < 3; i++) {
        double *samples = malloc(sizeof(double) * (size_t)runs * NVARIANT);
        if (!samples)
            die("out of memory");
        for (r = 0; r < runs; r++)
            for (v = 0; v < NVARIANT; v++)
                samples[v * runs + r] = run_variant(v, &msgs[i], iters[i][v], &buf);
        for (v = 0; v < NVARIANT; v++) {
            qsort(samples + v * runs, (size_t)runs, sizeof(double), cmp_double);
            med[i][v] = samples[v * runs + runs / 2];
        }
        free(samples);
    }

    printf("JSON reader and writer vs jansson %s: CPU time per message, median of %d runs of "
           "~%d ms\n\n",
           JANSSON_VERSION, runs, target_ms);
    printf("%-30s %8s  %12s %16s %7s\n", "parse", "bytes", "json_loadb", "mcp__json_parse",
           "ratio");
    for (i = 0; i < 3; i++) {
        printf("%-30s %8zu ", msgs[i].name, msgs[i].len);
        print_ns(med[i][P_JANSSON]);
        printf("    ");
        print_ns(med[i][P_MCP]);
        printf(" %6.2fx\n", med[i][P_JANSSON] / med[i][P_MCP]);
    }
    printf("\n%-30s %8s  %12s %16s %7s %16s %7s\n", "write", "bytes", "json_dumps",
           "mcp__json_write", "ratio", "fresh buffer", "ratio");
    for (i = 0; i < 3; i++) {
        printf("%-30s %8zu ", msgs[i].name, msgs[i].len);
        print_ns(med[i][W_JANSSON]);
        printf("    ");
        print_ns(med[i][W_MCP]);
        printf(" %6.2fx    ", med[i][W_JANSSON] / med[i][W_MCP]);
        print_ns(med[i][W_MCP_FRESH]);
        printf(" %6.2fx\n", med[i][W_JANSSON] / med[i][W_MCP_FRESH]);
    }
    printf("\nratio = jansson time / libmcp time (higher: libmcp faster)\n");

    for (i = 0; i < 3; i++) {
        free(msgs[i].text);
        json_decref(msgs[i].tree);
    }
    mcp__buf_free(&buf);
    return 0;
}
