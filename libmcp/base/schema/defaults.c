/*
 * Schema defaults (mcp__schema_defaults): the arguments a tool handler sees have the `default`
 * of every absent property filled in, as Zod and Pydantic users expect. Only `properties` of
 * objects are walked (through local `$ref`s), into nested objects the client sent; alternatives
 * (anyOf, oneOf, if/then) are left alone since which branch applies is not known.
 */
#include "schema.h"

/* The schema a property's subschema stands for after following local $refs (bounded). */
static const json_t *resolve(const json_t *root, const json_t *s)
{
    int hops;

    for (hops = 0; hops < MAX_DEPTH && json_is_object(s); hops++) {
        const json_t *ref = json_object_get(s, "$ref");
        const json_t *to;
        if (!json_is_string(ref))
            return s;
        to = mcp__schema_ref_resolve(root, json_string_value(ref));
        if (!to)
            return s;
        s = to;
    }
    return json_is_object(s) ? s : NULL;
}

/* Fill `x` (an object) from `s`; with `x` NULL only say whether anything would be filled. */
static bool fill(const json_t *root, const json_t *s, json_t *x, const json_t *seen, int depth)
{
    const json_t *props;
    const char *key;
    json_t *sub;
    bool any = false;

    s = resolve(root, s);
    if (!s || depth >= MAX_DEPTH)
        return false;
    props = json_object_get(s, "properties");
    if (!json_is_object(props))
        return false;
    json_object_foreach((json_t *)props, key, sub)
    {
        const json_t *have = json_object_get(seen, key);
        const json_t *def;
        const json_t *rs = resolve(root, sub);

        if (!rs)
            continue;
        def = json_object_get(rs, "default");
        if (!have && def) {
            any = true;
            if (!x)
                return true;
            json_object_set_new(x, key, json_deep_copy(def));
        } else if (json_is_object(have) &&
                   fill(root, rs, x ? json_object_get(x, key) : NULL, have, depth + 1)) {
            any = true;
            if (!x)
                return true;
        }
    }
    return any;
}

bool mcp__schema_has_defaults(const json_t *schema)
{
    const char *key;
    json_t *v;
    size_t i;

    if (json_is_array(schema)) {
        json_array_foreach(schema, i, v)
        {
            if (mcp__schema_has_defaults(v))
                return true;
        }
        return false;
    }
    if (!json_is_object(schema))
        return false;
    json_object_foreach((json_t *)schema, key, v)
    {
        if (strcmp(key, "default") == 0 || mcp__schema_has_defaults(v))
            return true;
    }
    return false;
}

json_t *mcp__schema_defaults(const json_t *schema, const json_t *instance)
{
    json_t *copy;

    if (!json_is_object(schema) || !json_is_object(instance) ||
        !fill(schema, schema, NULL, instance, 0))
        return NULL;
    copy = json_deep_copy(instance);
    if (copy)
        fill(schema, schema, copy, instance, 0);
    return copy;
}
