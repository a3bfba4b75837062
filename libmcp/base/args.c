/*
 * Typed reads of one member of a JSON object (mcp_arg_string & co.), so that a tool handler
 * reads its arguments in one line each, with a fallback for absent or mistyped values.
 */
#include "base/base.h"

#include <math.h>

const char *mcp_arg_string(const json_t *args, const char *name, const char *fallback)
{
    const json_t *v = name ? json_object_get(args, name) : NULL;
    return json_is_string(v) ? json_string_value(v) : fallback;
}

long long mcp_arg_int(const json_t *args, const char *name, long long fallback)
{
    const json_t *v = name ? json_object_get(args, name) : NULL;
    double d;

    if (json_is_integer(v))
        return (long long)json_integer_value(v);
    if (!json_is_real(v))
        return fallback;
    d = json_real_value(v); /* 3.0 is an integer to JSON Schema */
    if (d != floor(d) || d < -9.2e18 || d > 9.2e18)
        return fallback;
    return (long long)d;
}

double mcp_arg_number(const json_t *args, const char *name, double fallback)
{
    const json_t *v = name ? json_object_get(args, name) : NULL;
    return json_is_number(v) ? json_number_value(v) : fallback;
}

int mcp_arg_bool(const json_t *args, const char *name, int fallback)
{
    const json_t *v = name ? json_object_get(args, name) : NULL;
    return json_is_boolean(v) ? json_is_true(v) : fallback;
}
