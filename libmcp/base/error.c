/*
 * Error codes: one X-macro list in include/mcp.h feeds the enum, the names and the messages.
 * Also the library's runtime version.
 */
#include "base/base.h"

#include <stdarg.h>

const char *mcp_strerror(int err)
{
    switch (err) {
    case MCP_OK:
        return "success";
#define MCP__XX(name, val, msg) \
    case MCP_E##name:           \
        return msg;
        MCP_ERR_MAP(MCP__XX)
#undef MCP__XX
    default:
        return "unknown error";
    }
}

const char *mcp_err_name(int err)
{
    switch (err) {
    case MCP_OK:
        return "MCP_OK";
#define MCP__XX(name, val, msg) \
    case MCP_E##name:           \
        return "MCP_E" #name;
        MCP_ERR_MAP(MCP__XX)
#undef MCP__XX
    default:
        return "MCP_EUNKNOWN";
    }
}

int mcp__error_set(mcp_error_t *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->text, sizeof err->text, fmt, ap);
        va_end(ap);
    }
    return code;
}

unsigned mcp_version(void)
{
    return MCP_VERSION_HEX;
}

const char *mcp_version_string(void)
{
    return MCP_VERSION_STRING;
}
