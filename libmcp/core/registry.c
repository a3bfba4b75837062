/*
 * The registry: the tools, resources, resource templates and prompts a server offers.
 *
 * Each kind is a table that keeps registration order (lists are deterministic, as 2026-07-28
 * asks) and a hash index for O(1) lookup by key. Items are reference-counted: a call holds a
 * reference to the item it serves, so removing a tool while it runs is safe.
 *
 * Cursors are opaque to clients but stable: a cursor names the registration sequence number of
 * the last item sent, so adding or removing items between pages never repeats or skips the rest.
 */
#include "core/core.h"

#include <inttypes.h>

#define CURSOR_PREFIX "mcp1."

static size_t hash_key(const char *s)
{
    size_t h = 1469598103934665603ull; /* FNV-1a */
    while (*s) {
        h ^= (unsigned char)*s++;
        h *= 1099511628211ull;
    }
    return h;
}

void mcp__registry_init(mcp__registry *reg)
{
    memset(reg, 0, sizeof *reg);
    reg->next_seq = 1;
}

mcp__item *mcp__item_new(mcp__kind kind, const char *key)
{
    mcp__item *it = calloc(1, sizeof *it);
    if (!it)
        return NULL;
    it->key = strdup(key);
    it->def = json_object();
    if (!it->key || !it->def) {
        free(it->key);
        json_decref(it->def);
        free(it);
        return NULL;
    }
    it->refs = 1;
    it->kind = kind;
    return it;
}

mcp__item *mcp__item_ref(mcp__item *item)
{
    if (item)
        item->refs++;
    return item;
}

void mcp__item_unref(mcp__item *item)
{
    if (!item || --item->refs > 0)
        return;
    if (item->free_userdata)
        item->free_userdata(item->userdata);
    if (item->kind == MCP__PROMPT)
        json_decref(item->input_schema);
    json_decref(item->def);
    mcp__schema_patterns_free(item->input_patterns);
    mcp__schema_patterns_free(item->output_patterns);
    free(item->key);
    free(item->text);
    free(item->mime_type);
    free(item->scopes);
    json_decref(item->tags);
    free(item);
}

/* ---- visibility: enabled items and tags ---------------------------------------------------- */

static bool tag_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == ':' || c == '/' || c == '-';
}

int mcp__item_set_tags(mcp__item *it, const char *text, mcp_error_t *err)
{
    json_t *tags;
    const char *p = text;

    if (!text || !*text)
        return MCP_OK;
    if (!(tags = json_array()))
        return mcp__error_set(err, MCP_ENOMEM, "out of memory");
    while (*p) {
        const char *b, *e;
        char tag[65];
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        for (b = p; *p && *p != ','; p++)
            ;
        for (e = p; e > b && e[-1] == ' '; e--)
            ;
        if ((size_t)(e - b) >= sizeof tag) {
            json_decref(tags);
            return mcp__error_set(err, MCP_EINVAL, "'%s': a tag is longer than 64 bytes", it->key);
        }
        memcpy(tag, b, (size_t)(e - b));
        tag[e - b] = '\0';
        for (b = tag; *b; b++)
            if (!tag_char(*b)) {
                json_decref(tags);
                return mcp__error_set(err, MCP_EINVAL,
                                      "'%s': tag '%s' may only use A-Z a-z 0-9 _ . : / -", it->key,
                                      tag);
            }
        if (json_array_append_new(tags, json_string(tag)) != 0) {
            json_decref(tags);
            return mcp__error_set(err, MCP_ENOMEM, "out of memory");
        }
    }
    json_decref(it->tags);
    it->tags = json_array_size(tags) ? tags : NULL;
    if (!it->tags)
        json_decref(tags);
    return MCP_OK;
}

bool mcp__item_visible(const mcp__registry *reg, const mcp__item *it, const mcp__session *s)
{
    size_t i;
    json_t *tag;

    if (it->disabled)
        return false;
    json_array_foreach(it->tags, i, tag)
    {
        const char *t = json_string_value(tag);
        const json_t *view = s ? json_object_get(s->tag_view, t) : NULL;
        if (view ? json_is_false(view) : json_object_get(reg->tags_off, t) != NULL)
            return false;
    }
    return true;
}

mcp__item *mcp__registry_find_uri(const mcp__registry *reg, const char *uri, const mcp__session *s,
                                  json_t **vars)
{
    const mcp__table *templates = &reg->t[MCP__TEMPLATE];
    mcp__item *it = mcp__registry_get(reg, MCP__RESOURCE, uri);
    size_t i;

    if (vars)
        *vars = NULL;
    if (it && mcp__item_visible(reg, it, s))
        return it;
    /* unknown, disabled or hidden: a template may still serve the URI */
    for (i = 0; i < templates->count; i++) {
        json_t *v;
        if (!mcp__item_visible(reg, templates->items[i], s))
            continue;
        if ((v = mcp__uritemplate_match(templates->items[i]->key, uri))) {
            if (vars)
                *vars = v;
            else
                json_decref(v);
            return templates->items[i];
        }
    }
    return NULL;
}

bool mcp__registry_has_tag(const mcp__registry *reg, mcp__kind kind, const char *tag)
{
    const mcp__table *t = &reg->t[kind];
    size_t i, j;
    json_t *v;

    for (i = 0; i < t->count; i++)
        json_array_foreach(t->items[i]->tags, j,
                           v) if (strcmp(json_string_value(v), tag) == 0) return true;
    return false;
}

static int table_rehash(mcp__table *t, size_t n)
{
    mcp__item **b = calloc(n, sizeof *b);
    size_t i;
    if (!b)
        return MCP_ENOMEM;
    for (i = 0; i < t->count; i++) {
        mcp__item *it = t->items[i];
        size_t h = hash_key(it->key) & (n - 1);
        it->hnext = b[h];
        b[h] = it;
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = n;
    return MCP_OK;
}

int mcp__registry_add(mcp__registry *reg, mcp__item *item)
{
    mcp__table *t = &reg->t[item->kind];
    size_t h;
    if (mcp__registry_get(reg, item->kind, item->key))
        return MCP_EEXIST;
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        mcp__item **items = realloc(t->items, cap * sizeof *items);
        if (!items)
            return MCP_ENOMEM;
        t->items = items;
        t->cap = cap;
    }
    if (t->nbuckets == 0 || t->count + 1 > t->nbuckets / 4 * 3) {
        if (table_rehash(t, t->nbuckets ? t->nbuckets * 2 : 32) != MCP_OK)
            return MCP_ENOMEM;
    }
    item->seq = t->last_seq = reg->next_seq++;
    t->items[t->count++] = item;
    h = hash_key(item->key) & (t->nbuckets - 1);
    item->hnext = t->buckets[h];
    t->buckets[h] = item;
    return MCP_OK;
}

mcp__item *mcp__registry_get(const mcp__registry *reg, mcp__kind kind, const char *key)
{
    const mcp__table *t = &reg->t[kind];
    mcp__item *it;
    if (!t->nbuckets || !key)
        return NULL;
    for (it = t->buckets[hash_key(key) & (t->nbuckets - 1)]; it; it = it->hnext)
        if (strcmp(it->key, key) == 0)
            return it;
    return NULL;
}

int mcp__registry_remove(mcp__registry *reg, mcp__kind kind, const char *key)
{
    mcp__table *t = &reg->t[kind];
    mcp__item **pp, *it;
    size_t i;
    if (!t->nbuckets || !key)
        return MCP_ENOTFOUND;
    for (pp = &t->buckets[hash_key(key) & (t->nbuckets - 1)]; *pp; pp = &(*pp)->hnext)
        if (strcmp((*pp)->key, key) == 0)
            break;
    if (!*pp)
        return MCP_ENOTFOUND;
    it = *pp;
    *pp = it->hnext;
    for (i = 0; i < t->count; i++)
        if (t->items[i] == it)
            break;
    memmove(&t->items[i], &t->items[i + 1], (t->count - i - 1) * sizeof *t->items);
    t->count--;
    mcp__item_unref(it);
    return MCP_OK;
}

void mcp__registry_free(mcp__registry *reg)
{
    int k;
    size_t i;
    for (k = 0; k < MCP__KINDS; k++) {
        mcp__table *t = &reg->t[k];
        for (i = 0; i < t->count; i++)
            mcp__item_unref(t->items[i]);
        free(t->items);
        free(t->buckets);
    }
    json_decref(reg->tags_off);
    memset(reg, 0, sizeof *reg);
}

/* Parse "mcp1.<hex seq>"; returns false on anything else. */
static bool cursor_parse(const char *cursor, unsigned long long *seq)
{
    const char *p;
    unsigned long long v = 0;
    size_t n = 0;
    if (strncmp(cursor, CURSOR_PREFIX, sizeof CURSOR_PREFIX - 1) != 0)
        return false;
    for (p = cursor + sizeof CURSOR_PREFIX - 1; *p; p++, n++) {
        int d;
        if (*p >= '0' && *p <= '9')
            d = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            d = *p - 'a' + 10;
        else
            return false;
        if (n >= 16)
            return false;
        v = v << 4 | (unsigned)d;
    }
    if (n == 0)
        return false;
    *seq = v;
    return true;
}

int mcp__registry_page(const mcp__registry *reg, mcp__kind kind, const char *cursor,
                       size_t page_size, json_t *result, const char *field, const mcp__session *s,
                       bool (*keep)(const mcp__item *it, const void *ud), const void *ud)
{
    const mcp__table *t = &reg->t[kind];
    unsigned long long after = 0;
    size_t lo = 0, hi, i, n = 0, last = 0;
    json_t *arr;

    if (cursor) {
        /* A cursor names an item that had a later one of its kind: one at or past this kind's
         * last item ever is beyond the end of the list (an item removed since is no reason). */
        if (!cursor_parse(cursor, &after) || after >= t->last_seq)
            return MCP_JSONRPC_INVALID_PARAMS;
        /* items are in ascending seq order: binary search for the first seq > after */
        hi = t->count;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (t->items[mid]->seq <= after)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    arr = json_array();
    if (!arr)
        return MCP_JSONRPC_INTERNAL_ERROR;
    for (i = lo; i < t->count; i++) {
        /* hidden items (disabled, a tag turned off) and those the caller may not use are
         * skipped; the page ends after page_size of the rest */
        if (!mcp__item_visible(reg, t->items[i], s) || (keep && !keep(t->items[i], ud)))
            continue;
        if (page_size && n == page_size)
            break; /* a later item is kept: there is a next page */
        json_array_append(arr, t->items[i]->def);
        last = i;
        n++;
    }
    json_object_set_new(result, field, arr);
    if (i < t->count) {
        char buf[sizeof CURSOR_PREFIX + 20];
        snprintf(buf, sizeof buf, CURSOR_PREFIX "%llx", t->items[last]->seq);
        json_object_set_new(result, "nextCursor", json_string(buf));
    }
    return 0;
}
