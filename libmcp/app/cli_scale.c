/*
 * Running more than one copy of a server (cli.c calls in here): the shared requestState signing
 * key (--state-key-file, MCP_STATE_KEY) and --workers N, a parent process that supervises N
 * worker processes listening on one port with SO_REUSEPORT.
 *
 * The key: replicas behind a load balancer (and the workers of one --workers parent) must sign
 * 2026-07-28 requestState with one key, or a retry that lands on another replica is refused.
 * --state-key-file wins over MCP_STATE_KEY: the command line names one instance, while the
 * environment is often set for a whole unit or container, so the more specific choice wins (a
 * line on stderr says the variable was ignored). Both need at least 32 bytes; the variable is
 * removed from the environment once read, so tools and child processes never see it. With
 * --workers and neither, the parent draws one random key before forking, so its workers agree.
 *
 * The supervisor: the parent forks the workers before any event loop exists and holds the port
 * with a bound, never listening SO_REUSEPORT socket (so "port 0" names one port for all, and a
 * restarted worker gets the same one back). A worker that exits while the parent is not
 * stopping is restarted at once, at most RESTART_BURST times in RESTART_WINDOW seconds: past
 * that the parent stops the others and exits 1. SIGTERM/SIGINT to the parent are passed to every
 * worker, which drains as a single server does (--grace); a worker still running grace + 10 s
 * later is killed. Exit status: 0 when every worker stopped cleanly, 1 otherwise. On Linux a
 * worker also gets SIGTERM if the parent dies.
 */
#include "app/app.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define KEY_MIN        32
#define KEY_FILE_MAX   4096
#define RESTART_WINDOW 60 /* seconds */
#define RESTART_BURST  10 /* restarts in RESTART_WINDOW before the parent gives up */

const char *const mcp__scale_cli_usage =
    "Replicas and workers:\n"
    "  --state-key-file PATH  sign 2026 requestState with the key in PATH (at least 32 bytes;\n"
    "                     one trailing newline is ignored); give every replica the same key.\n"
    "                     Else the MCP_STATE_KEY environment variable (32+ bytes); the file\n"
    "                     wins when both are set. Default: a random key per process\n"
    "  --workers N        N processes share the --http port (SO_REUSEPORT), supervised: a\n"
    "                     crashed one is restarted; 1 to 64. Without --store, sessions would\n"
    "                     live in one process, so 2025-era clients are served stateless\n";

int mcp__scale_cli_flag(struct mcp__scale_cli *c, int argc, char **argv, int *i, const char *argv0)
{
    const char *a = argv[*i], *v;
    bool workers;
    if (strcmp(a, "--state-key-file") == 0 || strcmp(a, "--workers") == 0) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "%s: %s needs a value\n", argv0, a);
            return -1;
        }
        v = argv[++*i];
    } else if (strncmp(a, "--state-key-file=", 17) == 0) {
        v = a + 17;
    } else if (strncmp(a, "--workers=", 10) == 0) {
        v = a + 10;
    } else {
        return 0;
    }
    workers = strncmp(a, "--workers", 9) == 0;
    if (workers) {
        char *end = NULL;
        unsigned long n = *v >= '0' && *v <= '9' ? strtoul(v, &end, 10) : 0;
        if (!end || *end || n < 1 || n > MCP__MAX_WORKERS) {
            fprintf(stderr, "%s: --workers needs a number from 1 to %d, not '%s'\n", argv0,
                    MCP__MAX_WORKERS, v);
            return -1;
        }
        c->workers = (unsigned)n;
    } else {
        if (!*v) {
            fprintf(stderr, "%s: --state-key-file needs a file name\n", argv0);
            return -1;
        }
        c->key_file = v;
    }
    return 1;
}

static void wipe(void *p, size_t n)
{
    volatile unsigned char *b = p;
    while (n--)
        *b++ = 0;
}

/* The key in `path` into buf; its length, or -1 (a line was printed). */
static long read_key_file(const char *path, unsigned char *buf, const char *argv0)
{
    struct stat st;
    ssize_t got;
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "%s: --state-key-file %s: %s\n", argv0, path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "%s: --state-key-file %s: not a regular file\n", argv0, path);
        close(fd);
        return -1;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO))
        fprintf(stderr,
                "%s: WARNING: --state-key-file %s is accessible to other users (mode %03o): "
                "anyone who can read it can forge requestState; chmod 600 it\n",
                argv0, path, (unsigned)(st.st_mode & 0777));
    /* one byte more than allowed: tells a too-long file from a full one */
    while (len <= KEY_FILE_MAX && (got = read(fd, buf + len, KEY_FILE_MAX + 1 - len)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            fprintf(stderr, "%s: --state-key-file %s: %s\n", argv0, path, strerror(errno));
            close(fd);
            return -1;
        }
        len += (size_t)got;
    }
    close(fd);
    if (len > KEY_FILE_MAX) {
        fprintf(stderr, "%s: --state-key-file %s: a key file holds at most %d bytes\n", argv0, path,
                KEY_FILE_MAX);
        return -1;
    }
    if (len > 0 && buf[len - 1] == '\n')
        len--;
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    return (long)len;
}

int mcp__scale_cli_key(mcp_server_t *srv, const struct mcp__scale_cli *c, const char *argv0)
{
    unsigned char buf[KEY_FILE_MAX + 1];
    const char *env = getenv("MCP_STATE_KEY"), *from;
    long len;
    int rc;

    if (c->key_file) {
        if (env)
            fprintf(stderr, "%s: MCP_STATE_KEY is ignored: --state-key-file %s is given\n", argv0,
                    c->key_file);
        if ((len = read_key_file(c->key_file, buf, argv0)) < 0) {
            wipe(buf, sizeof buf);
            return -1;
        }
        from = "--state-key-file";
    } else if (env) {
        len = (long)strlen(env);
        if (len > KEY_FILE_MAX)
            len = KEY_FILE_MAX + 1; /* refused below as too long */
        else
            memcpy(buf, env, (size_t)len);
        from = "MCP_STATE_KEY";
    } else if (c->workers) {
        /* one key for all workers, drawn before they are forked */
        if (mcp__random_bytes(buf, KEY_MIN) != MCP_OK) {
            fprintf(stderr, "%s: cannot draw a random requestState key\n", argv0);
            return -1;
        }
        len = KEY_MIN;
        from = "random";
    } else {
        return 0; /* the server draws its own when it first needs one */
    }
    if (env)
        unsetenv("MCP_STATE_KEY"); /* tools and their child processes never see it */
    if (len > KEY_FILE_MAX || len < KEY_MIN) {
        if (len > KEY_FILE_MAX)
            fprintf(stderr, "%s: %s: the requestState key is longer than %d bytes\n", argv0, from,
                    KEY_FILE_MAX);
        else
            fprintf(stderr,
                    "%s: %s: the requestState key is %ld bytes; it needs %d to %d (e.g. "
                    "`head -c 32 /dev/urandom | base64 > FILE`)\n",
                    argv0, from, len, KEY_MIN, KEY_FILE_MAX);
        wipe(buf, sizeof buf);
        return -1;
    }
    rc = mcp_server_set_state_key(srv, buf, (size_t)len);
    wipe(buf, sizeof buf);
    if (rc != MCP_OK) {
        fprintf(stderr, "%s: cannot set the requestState key: %s\n", argv0, mcp_strerror(rc));
        return -1;
    }
    return 0;
}

/* ---- the supervisor ------------------------------------------------------------------------- */

struct worker {
    pid_t pid; /* 0: not running */
};

/* Fork one worker. In the child: 0 (go on and serve). In the parent: the child's pid, or -1. */
static pid_t spawn(const sigset_t *child_mask, int hold_fd, pid_t parent)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
    if (getppid() != parent)
        _exit(1); /* the parent died before the line above took effect */
    close(hold_fd);
    sigprocmask(SIG_SETMASK, child_mask, NULL);
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void describe(const char *argv0, unsigned slot, pid_t pid, int status, const char *then)
{
    if (WIFSIGNALED(status))
        fprintf(stderr, "%s: worker %u (pid %ld) was killed by signal %d%s\n", argv0, slot,
                (long)pid, WTERMSIG(status), then);
    else
        fprintf(stderr, "%s: worker %u (pid %ld) exited with status %d%s\n", argv0, slot, (long)pid,
                WIFEXITED(status) ? WEXITSTATUS(status) : -1, then);
}

static void signal_all(struct worker *w, unsigned n, int sig)
{
    unsigned k;
    for (k = 0; k < n; k++)
        if (w[k].pid > 0)
            kill(w[k].pid, sig);
}

/* Start worker k: 1 (started, in the parent), 0 (this is the new worker), -1 (printed). */
static int start(struct worker *w, unsigned k, const sigset_t *mask, int hold_fd, pid_t parent,
                 const char *argv0)
{
    pid_t pid = spawn(mask, hold_fd, parent);
    if (pid == 0)
        return 0;
    if (pid < 0) {
        fprintf(stderr, "%s: cannot start worker %u: %s\n", argv0, k, strerror(errno));
        return -1;
    }
    w[k].pid = pid;
    return 1;
}

/* Ask every worker to drain and stop; returns when to stop waiting for them. */
static double stop_all(struct worker *w, unsigned n, unsigned grace_ms)
{
    signal_all(w, n, SIGTERM);
    return now_s() + grace_ms / 1000.0 + 10;
}

int mcp__scale_cli_supervise(const struct mcp__scale_cli *c, int hold_fd, unsigned grace_ms,
                             const char *argv0)
{
    struct worker w[MCP__MAX_WORKERS];
    double restarts[RESTART_BURST], stop_by = 0;
    unsigned n = c->workers, k, live = 0, nrestarts = 0;
    sigset_t set, old;
    pid_t parent = getpid();
    bool stopping = false, failed = false;
    struct sigaction sa;

    memset(w, 0, sizeof w);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGCHLD, &sa, NULL); /* not ignored (then children would reap themselves) */
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, &old);
    fflush(NULL); /* nothing buffered is written twice */

    for (k = 0; k < n; k++) {
        int r = start(w, k, &old, hold_fd, parent, argv0);
        if (r == 0)
            return -1;
        if (r < 0) {
            failed = stopping = true;
            stop_by = stop_all(w, n, grace_ms);
            break;
        }
        live++;
    }
    if (!stopping)
        fprintf(stderr, "%s: supervising %u worker process(es) (parent pid %ld)\n", argv0, n,
                (long)parent);

    while (live > 0) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        int sig = sigtimedwait(&set, NULL, &ts), status, r;
        pid_t pid;

        if ((sig == SIGTERM || sig == SIGINT) && !stopping) {
            stopping = true;
            fprintf(stderr, "%s: stopping %u worker(s)\n", argv0, live);
            stop_by = stop_all(w, n, grace_ms);
        } else if (sig == SIGTERM || sig == SIGINT) {
            signal_all(w, n, SIGKILL); /* asked twice: no more waiting */
        }
        if (stopping && stop_by && now_s() > stop_by) {
            fprintf(stderr, "%s: workers still running %.0f s after the stop: killing them\n",
                    argv0, grace_ms / 1000.0 + 10);
            signal_all(w, n, SIGKILL);
            failed = true;
            stop_by = 0;
        }
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            for (k = 0; k < n && w[k].pid != pid; k++)
                ;
            if (k == n)
                continue; /* not one of ours */
            w[k].pid = 0;
            live--;
            if (stopping) {
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                    describe(argv0, k, pid, status, "");
                    failed = true;
                }
                continue;
            }
            if (nrestarts == RESTART_BURST && now_s() - restarts[0] < RESTART_WINDOW) {
                describe(argv0, k, pid, status, "");
                fprintf(stderr,
                        "%s: %d worker restarts within %d s: something is wrong; stopping\n", argv0,
                        RESTART_BURST, RESTART_WINDOW);
                failed = stopping = true;
                stop_by = stop_all(w, n, grace_ms);
                continue;
            }
            describe(argv0, k, pid, status, "; restarting it");
            /* a ring of the last RESTART_BURST restart times; nrestarts stops at the burst */
            memmove(restarts, restarts + 1, sizeof restarts - sizeof restarts[0]);
            restarts[RESTART_BURST - 1] = now_s();
            if (nrestarts < RESTART_BURST)
                nrestarts++;
            if ((r = start(w, k, &old, hold_fd, parent, argv0)) == 0)
                return -1;
            if (r < 0)
                failed = stopping = true, stop_by = stop_all(w, n, grace_ms);
            else
                live++;
        }
    }
    close(hold_fd);
    sigprocmask(SIG_SETMASK, &old, NULL);
    fprintf(stderr, "%s: all workers stopped\n", argv0);
    return failed ? 1 : 0;
}
