/* The ceiling: libmicrohttpd alone answering every request with a fixed JSON body, one epoll
 * thread (the same event mode libmcp drives from its loop), on 127.0.0.1 only. Usage: mhd_bare PORT */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char body[] =
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"hello\"}]}}";

static enum MHD_Result ahc(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                           const char *version, const char *upload, size_t *upload_size, void **ptr)
{
    static int marker;
    struct MHD_Response *r;
    enum MHD_Result ret;
    (void)cls; (void)url; (void)method; (void)version; (void)upload;
    if (*ptr == NULL) {
        *ptr = &marker;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0;
        return MHD_YES;
    }
    r = MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json");
    ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    struct MHD_Daemon *d;
    struct sockaddr_in addr;
    unsigned short port = (unsigned short)atoi(argc > 1 ? argv[1] : "8099");
    signal(SIGPIPE, SIG_IGN);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only, never every interface */
    d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD, port, NULL, NULL, ahc, NULL,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                         MHD_OPTION_CONNECTION_LIMIT, 10000u, MHD_OPTION_END);
    if (!d)
        return 1;
    pause();
    MHD_stop_daemon(d);
    return 0;
}
