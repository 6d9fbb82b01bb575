/* The ceiling of one core: a server that answers every request with a constant
 * "Hello, World!" and does nothing else (tests/bench.sh builds it with cc -O2).
 * One thread, one epoll loop. Each read is scanned for complete request heads
 * ("\r\n\r\n", also when split across reads) and all of them are answered with
 * ONE write, so pipelined batches cost one read and one write. A request with
 * "Connection: close" gets that header back and the connection is closed. Any
 * request body is taken for more head bytes: wrk sends none.
 *   cc -O2 -o constant constant.c && ./constant 18482 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEAD "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n"
static const char ok[] = HEAD "\r\nHello, World!";
static const char bye[] = HEAD "Connection: close\r\n\r\nHello, World!";
#define MAXFD 65536
static unsigned char seen[MAXFD]; /* how much of "\r\n\r\n" each connection's bytes end with */
static char in[16384 + 1];
static char out[(sizeof in / 4 + 1) * sizeof bye]; /* every request ends with 4 bytes */

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 18482, one = 1;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), ep = epoll_create1(0);
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(ls, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* inherited by accepted sockets, as in staticd */
    if (bind(ls, (struct sockaddr *)&addr, sizeof addr) || listen(ls, 4096)) return perror("constant"), 1;
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls}, evs[256];
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd, c;
            if (fd == ls) { /* level-triggered: accept what is queued now, the rest next round */
                while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (c >= MAXFD) { close(c); continue; }
                    seen[c] = 0;
                    ev.data.fd = c;
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
                }
                continue;
            }
            ssize_t r = read(fd, in, sizeof in - 1);
            if (r < 0 && errno == EAGAIN) continue;
            if (r <= 0) { close(fd); continue; } /* EOF or reset; close also leaves epoll */
            int reqs = 0, m = seen[fd];
            for (ssize_t k = 0; k < r; k++) { /* even m wants '\r', odd m wants '\n' */
                if (in[k] == (m & 1 ? '\n' : '\r')) { if (++m == 4) reqs++, m = 0; }
                else m = in[k] == '\r';
            }
            seen[fd] = m;
            if (!reqs) continue;
            in[r] = 0;
            int closing = strcasestr(in, "\nConnection: close\r") != NULL;
            size_t len = 0;
            for (int k = 0; k < reqs - closing; k++) memcpy(out + len, ok, sizeof ok - 1), len += sizeof ok - 1;
            if (closing) memcpy(out + len, bye, sizeof bye - 1), len += sizeof bye - 1;
            /* A short write would need an output queue; a benchmark client always
             * reads, so drop the connection instead (wrk reports it as an error). */
            if (write(fd, out, len) != (ssize_t)len || closing) close(fd);
        }
    }
}
