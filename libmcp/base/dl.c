/*
 * dlopen on first use: see dl.h.
 */
#include "base/dl.h"

#include <dlfcn.h>

void *mcp__dl_open(const char *const *sonames, const char *lib, const char *package, char *why,
                   size_t n)
{
    void *h = NULL;
    for (; !h && *sonames; sonames++)
        h = dlopen(*sonames, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        snprintf(why, n, "cannot load %s (install the %s package): %s", lib, package, dlerror());
    return h;
}

bool mcp__dl_sym(void *h, const char *name, void *slot, const char *lib, char *why, size_t n)
{
    void *sym = dlsym(h, name);
    if (!sym) {
        snprintf(why, n, "%s lacks %s", lib, name);
        return false;
    }
    memcpy(slot, &sym, sizeof sym);
    return true;
}
