/*
 * Log levels (RFC 5424 names, as MCP's logging uses them): the one table that maps names to
 * mcp_log_level values, for `logging/setLevel`, the 2026-07-28 `_meta` logLevel, and the
 * command line's --log-level.
 */
#include "base/base.h"

static const char *const level_names[] = {
    "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency",
};

const char *mcp_log_level_name(mcp_log_level level)
{
    if ((int)level < 0 || (size_t)level >= sizeof level_names / sizeof level_names[0])
        return NULL;
    return level_names[level];
}

int mcp_log_level_parse(const char *name)
{
    size_t i;
    if (!name)
        return -1;
    for (i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
        if (strcmp(name, level_names[i]) == 0)
            return (int)i;
    return -1;
}
