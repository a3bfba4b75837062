/*
 * Random bytes from the operating system (getrandom(2), falling back to /dev/urandom): session
 * ids, requestState nonces and signing keys. Never a userspace PRNG.
 */
#include "base/base.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

int mcp__random_bytes(void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        p += n;
        len -= (size_t)n;
    }
    if (len > 0) {
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        while (fd >= 0 && len > 0) {
            ssize_t n = read(fd, p, len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            p += n;
            len -= (size_t)n;
        }
        if (fd >= 0)
            close(fd);
    }
    return len == 0 ? MCP_OK : MCP_EIO;
}
