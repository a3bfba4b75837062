/* async — the two ways a libmcp tool can do slow work without stalling the server.
 *
 * A libmcp server runs every handler on its loop thread. A handler that blocks there (sleeps,
 * reads a slow file, waits on the network) blocks every other request too. There are two ways
 * out, and this example shows both:
 *
 * 1. MCP_PENDING (tool `square`). The handler starts the work somewhere else — here a thread of
 *    its own; it could equally be a libuv timer or socket on mcp_server_loop() — and returns
 *    MCP_PENDING at once. The server keeps serving other requests. Whoever finishes the work
 *    builds the result on the call with the usual mcp_call_* builders and then completes it:
 *      - mcp_call_complete(call)            from the loop thread (libuv callbacks);
 *      - mcp_call_complete_threadsafe(call) from any other thread (this example).
 *    Until it is completed, the call belongs to whoever holds it; the loop does not touch it.
 *
 * 2. MCP_TOOL_BLOCKING (tool `hash`). The handler is written as plain blocking code and the
 *    flag asks libmcp to run it on the libuv thread pool (4 threads unless UV_THREADPOOL_SIZE
 *    says otherwise). It returns MCP_OK like any tool. Simplest when the work is a function
 *    call that blocks; the pool bounds how many run at once.
 *
 * Try it: build/examples/async, then call square {"n": 7} or hash {"text": "abc"}.
 */
#include <mcp.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* ---- style 1: return MCP_PENDING, finish from a thread of our own ------------------------ */

/* What the worker thread needs: the call it now owns, and a copy of its input. */
struct square_job {
    mcp_call_t *call;
    double n;
};

static void *square_worker(void *arg) {
    struct square_job *job = arg;

    /* Stand-in for slow work: 10 ms. */
    struct timespec delay = {0, 10 * 1000 * 1000};
    nanosleep(&delay, NULL);

    /* This thread owns the pending call, so it may build the result on it... */
    if (mcp_call_text(job->call, "%g", job->n * job->n) != MCP_OK)
        mcp_call_tool_error(job->call, "out of memory");
    /* ...and hand it back to the loop, which sends the reply. The call must not be used after. */
    mcp_call_complete_threadsafe(job->call);
    free(job);
    return NULL;
}

static int square(mcp_call_t *call, const json_t *args, void *userdata) {
    (void)userdata;
    double n = json_number_value(json_object_get(args, "n")); /* validated: a number */

    struct square_job *job = malloc(sizeof *job);
    if (!job) return MCP_ENOMEM; /* the client gets a JSON-RPC internal error */
    job->call = call;
    job->n = n;

    pthread_attr_t attr;
    pthread_t thread;
    int started = pthread_attr_init(&attr) == 0;
    if (started) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED); /* nobody joins it */
        started = pthread_create(&thread, &attr, square_worker, job) == 0;
        pthread_attr_destroy(&attr);
    }
    if (!started) {
        /* No thread: answer right here instead. Returning MCP_OK replies at once. */
        free(job);
        return mcp_call_text(call, "%g", n * n);
    }
    return MCP_PENDING; /* the worker completes the call */
}

/* ---- style 2: MCP_TOOL_BLOCKING, plain blocking code on the libuv thread pool ------------- */

/* FNV-1a, 64 bit: a small, well-known hash, here standing in for expensive work. */
static uint64_t fnv1a64(const char *data, size_t len) {
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)data[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

/* Runs on a pool thread (because of MCP_TOOL_BLOCKING); the loop keeps serving meanwhile.
 * It may block as long as it likes, and it simply returns MCP_OK when the result is built. */
static int hash(mcp_call_t *call, const json_t *args, void *userdata) {
    (void)userdata;
    const json_t *text = json_object_get(args, "text");
    uint64_t h = fnv1a64(json_string_value(text), json_string_length(text));
    return mcp_call_text(call, "%016" PRIx64, h); /* 16 lowercase hex digits */
}

int main(int argc, char **argv) {
    mcp_server_t *srv = mcp_server_new("async-example", "1.0.0");
    if (!srv) return 1;
    mcp_error_t err = {0};
    int rc = mcp_server_add_tool(srv, &(mcp_tool_t){
        .name = "square",
        .description = "Square a number (answered later from a worker thread)",
        .input_schema = "n: number 'The number to square'",
        .handler = square}, &err);
    if (rc == MCP_OK)
        rc = mcp_server_add_tool(srv, &(mcp_tool_t){
            .name = "hash",
            .description = "FNV-1a 64-bit hash of the text, as 16 hex digits (runs on the thread pool)",
            .input_schema = "text: string 'Text to hash'",
            .handler = hash,
            .flags = MCP_TOOL_BLOCKING}, &err);
    if (rc != MCP_OK) {
        fprintf(stderr, "async: %s\n", err.text);
        mcp_server_free(srv);
        return 1;
    }
    return mcp_server_main(srv, argc, argv);
}
