/*
 * Random bytes from the operating system, through libuv's uv_random() (getrandom(2) or
 * /dev/urandom underneath): session ids, requestState nonces and signing keys. Never a userspace
 * PRNG.
 */
#include "base/base.h"

int mcp__random_bytes(void *buf, size_t len)
{
    /* no loop and no callback: the synchronous form, safe from any thread */
    return uv_random(NULL, NULL, buf, len, 0, NULL) == 0 ? MCP_OK : MCP_EIO;
}

int mcp__random_id(char out[33])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    size_t i;
    if (mcp__random_bytes(b, sizeof b) != MCP_OK)
        return -1;
    for (i = 0; i < sizeof b; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[32] = '\0';
    return 0;
}
