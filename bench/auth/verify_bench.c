/*
 * verify_bench: the cost of one uncached JWT verification in libmcp's verifier (base/jwt.c,
 * mcp__jwt_verify: split and decode the token, find the key by kid, check the signature with
 * libcrypto, check iss/aud/exp/nbf/iat, normalise the claims), over distinct tokens that a real
 * authorization server's key signed (bench/auth/issuer.mjs writes the JWK Set and the tokens).
 * Beside it, the SHA-256 of a token: what a cached request pays to find its verified claims.
 *
 * Each figure is thread CPU time per token (so other processes on a shared machine cost little),
 * the median of RUNS passes over every token. Every token must verify (MCP__JWT_OK) with the
 * given issuer and audience, or the benchmark fails.
 *
 * Usage: verify_bench JWKS_FILE TOKENS_FILE ISSUER AUDIENCE [RUNS]   (`make bench-auth` runs it)
 */
#include "server/server.h"

#include <stdio.h>
#include <time.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        !(buf = malloc((size_t)n + 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "verify_bench: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    size_t jlen, tlen, ntok = 0, i, cap = 1024;
    char *jwks_text, *text, *p, why[200];
    const char **tok;
    size_t *toklen;
    mcp__jwks *set;
    mcp__jwt_rules rules;
    int runs = argc > 5 ? atoi(argv[5]) : 5, r;
    double *ver, *dig;

    if (argc < 5 || runs < 1) {
        fprintf(stderr, "usage: verify_bench JWKS_FILE TOKENS_FILE ISSUER AUDIENCE [RUNS]\n");
        return 2;
    }
    jwks_text = slurp(argv[1], &jlen);
    if (!(set = mcp__jwks_parse(jwks_text, jlen, why, sizeof why))) {
        fprintf(stderr, "verify_bench: JWK Set: %s\n", why);
        return 1;
    }
    text = slurp(argv[2], &tlen);
    tok = malloc(cap * sizeof *tok);
    toklen = malloc(cap * sizeof *toklen);
    for (p = text; tok && toklen && *p;) {
        char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n > 0) {
            if (ntok == cap) {
                cap *= 2;
                tok = realloc(tok, cap * sizeof *tok);
                toklen = realloc(toklen, cap * sizeof *toklen);
                if (!tok || !toklen)
                    break;
            }
            tok[ntok] = p;
            toklen[ntok++] = n;
        }
        p += n + (nl ? 1 : 0);
    }
    if (!tok || !toklen || ntok == 0) {
        fprintf(stderr, "verify_bench: no tokens in %s\n", argv[2]);
        return 1;
    }
    rules.issuer = argv[3];
    rules.audience = argv[4];
    rules.leeway_s = 60;
    rules.now = (long long)time(NULL);
    ver = calloc((size_t)runs, sizeof *ver);
    dig = calloc((size_t)runs, sizeof *dig);
    if (!ver || !dig)
        return 1;

    for (r = 0; r < runs; r++) {
        double t0 = now_ns();
        unsigned char d[32];
        for (i = 0; i < ntok; i++) {
            json_t *claims = NULL;
            const char *reason = NULL;
            int rc = mcp__jwt_verify(set, tok[i], toklen[i], &rules, &claims, &reason);
            if (rc != MCP__JWT_OK) {
                fprintf(stderr, "verify_bench: token %zu does not verify (%d: %s)\n", i, rc,
                        reason ? reason : "?");
                return 1;
            }
            json_decref(claims);
        }
        ver[r] = (now_ns() - t0) / (double)ntok;
        t0 = now_ns();
        for (i = 0; i < ntok; i++) {
            mcp__sha256 h;
            mcp__sha256_init(&h);
            mcp__sha256_update(&h, tok[i], toklen[i]);
            mcp__sha256_final(&h, d);
        }
        dig[r] = (now_ns() - t0) / (double)ntok;
    }
    qsort(ver, (size_t)runs, sizeof *ver, cmp);
    qsort(dig, (size_t)runs, sizeof *dig, cmp);
    printf("verify_bench: %zu distinct tokens (%zu bytes each on average), %d passes, "
           "thread CPU time\n",
           ntok, tlen / ntok, runs);
    printf("one uncached verification: %.1f us (median; min %.1f, max %.1f)\n",
           ver[runs / 2] / 1000, ver[0] / 1000, ver[runs - 1] / 1000);
    printf("the cache key of a token (SHA-256): %.2f us\n", dig[runs / 2] / 1000);
    mcp__jwks_free(set);
    free(jwks_text);
    free(text);
    free(tok);
    free(toklen);
    free(ver);
    free(dig);
    return 0;
}
