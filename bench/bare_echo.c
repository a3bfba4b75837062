/*
 * bare_echo — the ceiling for the STDIO pipelined-echo figure.
 *
 * A plain C program with no MCP in it: it reads stdin with read(2) into a large buffer, splits it
 * on '\n', and for every non-empty line read appends one fixed JSON-RPC response line to an
 * output buffer, which it writes to stdout once per read. The line is the size of libmcp's reply
 * to `tools/call echo {"text":"hello"}` with a five-digit id (84 bytes with its newline). It does
 * not look inside the lines, so it is only fit for stdio_bench's raw mode (-b), which counts
 * lines. Exits 0 at end of input, 1 on a read or write error or a line over 256 KiB.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IN_CAP (256u * 1024u)

static const char REPLY[] =
    "{\"jsonrpc\":\"2.0\",\"id\":12345,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"hello\"}]}}\n";

static int write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(1, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int main(void)
{
    /* at most one reply per two input bytes (a line is at least one byte and its newline) */
    size_t ocap = (IN_CAP / 2 + 1) * (sizeof REPLY - 1);
    char *in = malloc(IN_CAP), *out = malloc(ocap);
    if (!in || !out)
        return 1;
    size_t have = 0;
    int rc = 0;
    for (;;) {
        ssize_t n = read(0, in + have, IN_CAP - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = 1;
        if (n <= 0)
            break;
        size_t olen = 0, end = have + (size_t)n, at = 0;
        char *nl;
        while ((nl = memchr(in + at, '\n', end - at)) != NULL) {
            size_t next = (size_t)(nl - in) + 1;
            if (next - at > 1 && !(next - at == 2 && in[at] == '\r')) {
                memcpy(out + olen, REPLY, sizeof REPLY - 1);
                olen += sizeof REPLY - 1;
            }
            at = next;
        }
        have = end - at;
        memmove(in, in + at, have);
        if (olen && write_all(out, olen) != 0) {
            rc = 1;
            break;
        }
        if (have == IN_CAP) {
            rc = 1;
            break;
        }
    }
    free(in);
    free(out);
    return rc;
}
