// SPDX-License-Identifier: GPL-2.0
/*
 * dwcp-epolltest - non-blocking AF_DWCP with epoll: an echo server and a
 * client that streams a pattern through it and checks every byte back.
 *
 *   dwcp-epolltest server ADDR PORT     (serves until killed)
 *   dwcp-epolltest client ADDR PORT BYTES
 *
 * The client prints TAP lines for what it checks along the way.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../helper/af.h"
#include "../../uapi/linux/dwcp.h"

static int failures;

static void check(int ok, const char *what)
{
	printf("%sok - %s\n", ok ? "" : "not ", what);
	fflush(stdout);
	if (!ok)
		failures++;
}

static void addr_of(const char *ip, int port, struct sockaddr_dwcp *a)
{
	memset(a, 0, sizeof(*a));
	a->sdwcp_family = (uint16_t)dwcp_af();
	a->sdwcp_ip_family = AF_INET;
	a->sdwcp_port = htons(port);
	if (inet_pton(AF_INET, ip, &a->sdwcp_addr.v4) != 1) {
		fprintf(stderr, "bad address %s\n", ip);
		exit(2);
	}
}

static uint8_t pat(uint64_t i)
{
	return (uint8_t)(i * 2654435761u >> 13);
}

struct conn {
	int fd;
	uint8_t buf[65536];
	size_t len, off;
	int eof;
};

static int serve(const char *ip, int port)
{
	struct epoll_event ev, evs[64];
	struct sockaddr_dwcp a;
	int lfd, ep, n, i;

	addr_of(ip, port, &a);
	lfd = socket(dwcp_af(), SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(lfd, 16)) {
		perror("listen");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		n = epoll_wait(ep, evs, 64, -1);
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			ssize_t r;

			if (!c) {
				int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);

				if (fd < 0)
					continue;
				c = calloc(1, sizeof(*c));
				c->fd = fd;
				ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
				ev.data.ptr = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				continue;
			}
			/* echo: read what fits, write what was read */
			for (;;) {
				if (c->off < c->len) {
					r = send(c->fd, c->buf + c->off,
						 c->len - c->off, MSG_NOSIGNAL);
					if (r < 0)
						break;
					c->off += r;
					continue;
				}
				c->off = c->len = 0;
				if (c->eof)
					break;
				r = recv(c->fd, c->buf, sizeof(c->buf), 0);
				if (r == 0)
					c->eof = 1;
				if (r <= 0)
					break;
				c->len = r;
			}
			if (c->eof && c->off == c->len) {
				shutdown(c->fd, SHUT_WR);
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				free(c);
			}
		}
	}
}

static int client(const char *ip, int port, uint64_t bytes)
{
	struct sockaddr_dwcp a, got;
	socklen_t len = sizeof(got);
	struct epoll_event ev, evs[4];
	uint64_t sent = 0, rcvd = 0, bad = UINT64_MAX;
	uint8_t buf[65536], peek[8];
	int fd, ep, err = 0, n, i, shut = 0, eof = 0;
	socklen_t elen = sizeof(err);

	addr_of(ip, port, &a);
	fd = socket(dwcp_af(), SOCK_STREAM | SOCK_NONBLOCK, 0);
	n = connect(fd, (struct sockaddr *)&a, sizeof(a));
	check(n == -1 && errno == EINPROGRESS,
	      "non-blocking connect returns EINPROGRESS");
	check(recv(fd, buf, 1, 0) == -1 && errno == EAGAIN,
	      "recv while connecting: EAGAIN");
	ep = epoll_create1(0);
	ev.events = EPOLLOUT;
	ev.data.fd = fd;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	n = epoll_wait(ep, evs, 4, 30000);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
	check(n == 1 && (evs[0].events & EPOLLOUT) && err == 0,
	      "EPOLLOUT once connected, SO_ERROR 0");
	check(!getpeername(fd, (struct sockaddr *)&got, &len) &&
	      got.sdwcp_port == htons(port) && got.sdwcp_ip_family == AF_INET,
	      "getpeername gives the server's address");

	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
	epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
	while (!eof) {
		n = epoll_wait(ep, evs, 4, 60000);
		if (n <= 0) {
			check(0, "epoll_wait timed out");
			return 1;
		}
		for (i = 0; i < n; i++) {
			if (evs[i].events & EPOLLOUT && sent < bytes) {
				size_t k, want = bytes - sent;
				ssize_t r;

				if (want > sizeof(buf))
					want = sizeof(buf);
				for (k = 0; k < want; k++)
					buf[k] = pat(sent + k);
				r = send(fd, buf, want, MSG_DONTWAIT);
				if (r > 0)
					sent += r;
				else if (errno != EAGAIN)
					check(0, "send failed");
			}
			if (sent == bytes && !shut) {
				shutdown(fd, SHUT_WR);
				shut = 1;
				ev.events = EPOLLIN | EPOLLRDHUP;
				epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
			}
			if (evs[i].events & (EPOLLIN | EPOLLRDHUP)) {
				ssize_t r;

				if (rcvd == 0 && recv(fd, peek, 4, MSG_PEEK) == 4)
					check(peek[0] == pat(0) && peek[3] == pat(3),
					      "MSG_PEEK shows the first bytes");
				while ((r = recv(fd, buf, sizeof(buf), 0)) > 0) {
					ssize_t k;

					for (k = 0; k < r && bad == UINT64_MAX; k++)
						if (buf[k] != pat(rcvd + k))
							bad = rcvd + k;
					rcvd += r;
				}
				if (r == 0)
					eof = 1;
			}
		}
	}
	check(rcvd == bytes && bad == UINT64_MAX,
	      "every byte echoed back in order");
	if (bad != UINT64_MAX)
		printf("# first bad byte at %llu\n", (unsigned long long)bad);
	printf("# sent %llu, received %llu\n", (unsigned long long)sent,
	       (unsigned long long)rcvd);
	close(fd);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "server"))
		return serve(argv[2], atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "client"))
		return client(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 0));
	fprintf(stderr, "usage: dwcp-epolltest server ADDR PORT | client ADDR PORT BYTES\n");
	return 2;
}
