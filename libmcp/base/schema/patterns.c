/*
 * The compiled patterns of one schema (mcp__schema_patterns): a hash table from a pattern's
 * text to its compiled form, filled once when the schema is checked at registration
 * (check.c) and read by the validator (validate.c), so a tools/call never compiles a pattern.
 * Identical patterns share one entry. The table is read-only once built, so threads may
 * validate against it at the same time. Its owner (a registered tool) frees it with the schema.
 */
#include "schema.h"

typedef struct pentry {
    char *text; /* owned copy of the pattern; NULL: empty slot */
    size_t len;
    mcp__schema_regex *re; /* owned */
} pentry;

struct mcp__schema_patterns {
    pentry *slots; /* open addressing, linear probing; a power of two in size */
    size_t nslots, count;
};

static size_t hash(const char *s, size_t n)
{
    size_t h = 14695981039346656037ULL & (size_t)-1; /* FNV-1a */
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * (size_t)1099511628211ULL;
    return h;
}

mcp__schema_patterns *mcp__schema_patterns_new(void)
{
    return calloc(1, sizeof(mcp__schema_patterns));
}

void mcp__schema_patterns_free(mcp__schema_patterns *p)
{
    size_t i;

    if (!p)
        return;
    for (i = 0; i < p->nslots; i++) {
        free(p->slots[i].text);
        mcp__schema_regex_free(p->slots[i].re);
    }
    free(p->slots);
    free(p);
}

static pentry *find(const mcp__schema_patterns *p, const char *pat, size_t len)
{
    size_t i;

    if (!p || !p->nslots)
        return NULL;
    for (i = hash(pat, len) & (p->nslots - 1);; i = (i + 1) & (p->nslots - 1)) {
        pentry *e = &p->slots[i];
        if (!e->text || (e->len == len && memcmp(e->text, pat, len) == 0))
            return e;
    }
}

const mcp__schema_regex *mcp__schema_patterns_get(const mcp__schema_patterns *p, const char *pat,
                                                  size_t len)
{
    const pentry *e = find(p, pat, len);
    return e && e->text ? e->re : NULL;
}

static bool grow(mcp__schema_patterns *p)
{
    size_t n = p->nslots ? p->nslots * 2 : 8, i;
    pentry *old = p->slots, *slots = calloc(n, sizeof *slots);

    if (!slots)
        return false;
    p->slots = slots;
    i = p->nslots;
    p->nslots = n;
    while (i-- > 0)
        if (old[i].text)
            *find(p, old[i].text, old[i].len) = old[i];
    free(old);
    return true;
}

int mcp__schema_patterns_add(mcp__schema_patterns *p, const char *pat, size_t len, char *why,
                             size_t why_size)
{
    pentry *e;
    mcp__schema_regex *re;
    int rc;

    if ((e = find(p, pat, len)) && e->text)
        return RX_OK; /* already compiled */
    if ((p->count + 1) * 2 > p->nslots && !grow(p))
        goto nomem;
    if ((rc = mcp__schema_regex_compile(pat, len, &re, why, why_size)) != RX_OK)
        return rc;
    e = find(p, pat, len);
    if (!(e->text = malloc(len + 1))) {
        mcp__schema_regex_free(re);
        goto nomem;
    }
    memcpy(e->text, pat, len);
    e->text[len] = '\0';
    e->len = len;
    e->re = re;
    p->count++;
    return RX_OK;
nomem:
    if (why && why_size)
        snprintf(why, why_size, "out of memory");
    return RX_NOMEM;
}
