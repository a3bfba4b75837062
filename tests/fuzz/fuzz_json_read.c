/*
 * F-7 fuzz_json_read: differential fuzzing of libmcp's JSON reader (libmcp/base/json_read.c)
 * against jansson. mcp__json_parse(buf, len) promises to accept and refuse exactly what
 * json_loadb(buf, len, JSON_REJECT_DUPLICATES) does, with equal trees: the same integer/real
 * types and the keys in input order.
 *
 * Oracle, for every input:
 *   - both accept or both refuse;
 *   - when both accept: json_equal() trees, and the same compact serialization (which also
 *     compares integer vs real, the exact value of every real, and key order);
 *   - when both refuse: the reader's error text is NUL-terminated and its position inside
 *     [0, len]; with FUZZ_STRICT=1 also the same json_error_code() (json_read.c says
 *     "json_error_code() works as with jansson"; J-1..J-4 below are where it does not).
 * The input is copied into a buffer of exactly `len` bytes so ASan sees any read past the end.
 */
#include "server/server.h"

#include <stdint.h>

#define FAIL(...)                                                                          \
    do {                                                                                   \
        fprintf(stderr, "fuzz_json_read: " __VA_ARGS__);                                   \
        fputc('\n', stderr);                                                               \
        abort();                                                                           \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Error codes are compared only with FUZZ_STRICT=1 in the environment. Both parsers stop at the
 * first error, but not always at the same one, so the codes differ on inputs with an error
 * near another (reproducers in tests/fuzz/regressions/json_read/):
 *   J-1  a top-level value that is not '[' or '{': the reader refuses it at its first byte
 *        (code 8), jansson lexes the token first: invalid UTF-8 (5) for "0\x9d", premature
 *        end (6) for "\"";
 *   J-2  the input ends inside a token: jansson says invalid syntax (8) for "[-", "[0." and
 *        "[\"\\u12" but premature end (6) for "[\"\\ud83d"; the reader the other way round;
 *   J-3  a byte that is not UTF-8 inside a \u escape: jansson decodes UTF-8 as it reads (5),
 *        the reader reports the bad escape (8);
 *   J-4  a duplicate key followed by a bad value: jansson refuses the key as it reads it (14),
 *        the reader checks duplicates after the value and reports the value's error (8).
 * Accept/refuse and the trees, the part that matters for security, are always compared. */
static bool strict;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    strict = getenv("FUZZ_STRICT") != NULL;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    json_error_t jerr, merr;
    json_t *ref, *got;

    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    ref = json_loadb(buf, size, JSON_REJECT_DUPLICATES, &jerr);
    got = mcp__json_parse(buf, size, &merr);

    if (!ref != !got)
        FAIL("jansson %s, mcp__json_parse %s (jansson: \"%s\" at %d; libmcp: \"%s\" at %d)",
             ref ? "accepts" : "refuses", got ? "accepts" : "refuses", ref ? "" : jerr.text,
             ref ? 0 : jerr.position, got ? "" : merr.text, got ? 0 : merr.position);
    if (ref) {
        char *a, *b;
        if (!json_equal(ref, got))
            FAIL("trees differ (json_equal)");
        a = json_dumps(ref, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
        b = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
        if (!a || !b || strcmp(a, b) != 0)
            FAIL("serializations differ:\n jansson: %.300s\n libmcp:  %.300s", a ? a : "(null)",
                 b ? b : "(null)");
        free(a);
        free(b);
    } else {
        if (memchr(merr.text, '\0', sizeof merr.text) == NULL)
            FAIL("error text not NUL-terminated");
        if (merr.position < 0 || (size_t)merr.position > size)
            FAIL("error position %d outside [0, %zu]", merr.position, size);
        if (strict && json_error_code(&jerr) != json_error_code(&merr))
            FAIL("error codes differ: jansson %d (\"%s\" at %d), libmcp %d (\"%s\" at %d)",
                 (int)json_error_code(&jerr), jerr.text, jerr.position,
                 (int)json_error_code(&merr), merr.text, merr.position);
    }
    json_decref(ref);
    json_decref(got);
    free(buf);
    return 0;
}
