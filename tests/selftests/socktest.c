// SPDX-License-Identifier: GPL-2.0
/*
 * dwcp-socktest - socket-level checks of AF_DWCP, run inside the test guest.
 *
 *   dwcp-socktest basic       one TAP line per check; exit 1 if any failed
 *   dwcp-socktest hold N      open N DWCP sockets, print "holding", wait
 *                             for stdin to close, close them
 *   dwcp-socktest open-close N   create and close N sockets one by one
 *   dwcp-socktest bind PORT   bind a socket to 127.0.0.1:PORT; prints
 *                             "bind: 0" or "bind: ERRNO-NAME"
 *   dwcp-socktest listen PORT BACKLOG   listen on 0.0.0.0:PORT, never
 *                             accept; print "listening", wait for stdin to
 *                             close
 *   dwcp-socktest efault PORT sends from memory that faults, over a
 *                             session on 127.0.0.1:PORT; TAP lines
 *   dwcp-socktest unread-close PORT   close() with unread data resets the
 *                             peer (ECONNRESET), one end and both at once
 *   dwcp-socktest buffers PORT   non-blocking accept() with none waiting,
 *                             SO_SNDBUF read back and bounding what a
 *                             non-reading peer lets a sender queue
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../helper/af.h"
#include "../../uapi/linux/dwcp.h"

static int failures;

static void check(int ok, const char *what)
{
	printf("%sok - %s\n", ok ? "" : "not ", what);
	if (!ok)
		failures++;
}

/* Expect @rc to be -1 with errno @want. */
static void check_errno(int rc, int want, const char *what)
{
	char buf[160];
	int ok = rc == -1 && errno == want;

	snprintf(buf, sizeof(buf), "%s fails with %s (got rc %d, %s)", what,
		 strerror(want), rc, rc == -1 ? strerror(errno) : "no error");
	check(ok, buf);
}

static int get_int_opt(int fd, int opt)
{
	socklen_t len = sizeof(int);
	int v = -1;

	if (getsockopt(fd, SOL_SOCKET, opt, &v, &len))
		return -1;
	return v;
}

/* Operations on a socket that is neither connected nor listening. */
static void unconnected_ops(int af)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_dwcp d = { .sdwcp_family = (uint16_t)af,
				   .sdwcp_ip_family = AF_INET,
				   .sdwcp_port = htons(1),
				   .sdwcp_addr.v4 = htonl(INADDR_LOOPBACK) };
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char buf[8] = "x";
	int fd, v = 1;

	fd = socket(af, SOCK_STREAM, 0);
	check_errno(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), EINVAL,
		    "bind with an AF_INET address");
	check_errno(connect(fd, (struct sockaddr *)&d, sizeof(d) - 1), EINVAL,
		    "connect with a short address");
	d.sdwcp_ip_family = AF_UNIX;
	check_errno(connect(fd, (struct sockaddr *)&d, sizeof(d)), EAFNOSUPPORT,
		    "connect to an AF_UNIX ip family");
	check_errno(listen(fd, 1), EINVAL, "listen before bind");
	check_errno(accept(fd, NULL, NULL), EINVAL, "accept on a non-listener");
	check_errno((int)send(fd, buf, 1, MSG_DONTWAIT | MSG_NOSIGNAL), EPIPE,
		    "send unconnected");
	check_errno((int)recv(fd, buf, 1, MSG_DONTWAIT), ENOTCONN,
		    "recv unconnected");
	check_errno(getpeername(fd, (struct sockaddr *)&ss, &len), ENOTCONN,
		    "getpeername unconnected");
	check_errno(shutdown(fd, SHUT_RDWR), ENOTCONN, "shutdown unconnected");
	check_errno(setsockopt(fd, 283, 1, &v, sizeof(v)), ENOPROTOOPT,
		    "setsockopt at an unknown level");
	v = DWCP_MAX_STREAMS + 1;
	check_errno(setsockopt(fd, SOL_DWCP, DWCP_STREAMS, &v, sizeof(v)),
		    EINVAL, "DWCP_STREAMS above the maximum");
	check_errno(setsockopt(fd, SOL_DWCP, DWCP_CONGESTION, "nosuchcc", 8),
		    ENOENT, "DWCP_CONGESTION of an unknown algorithm");
	d.sdwcp_ip_family = AF_INET;
	check_errno(connect(fd, (struct sockaddr *)&d, sizeof(d)), ECONNREFUSED,
		    "connect to a closed port");
	check(close(fd) == 0, "close");
}

static void other_families_unaffected(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l, c, s, fds[2];
	char buf[4] = "";

	l = socket(AF_INET, SOCK_STREAM, 0);
	c = socket(AF_INET, SOCK_STREAM, 0);
	check(l >= 0 && c >= 0, "AF_INET sockets still created");
	check(!bind(l, (struct sockaddr *)&a, sizeof(a)) && !listen(l, 1) &&
	      !getsockname(l, (struct sockaddr *)&a, &len) &&
	      !connect(c, (struct sockaddr *)&a, sizeof(a)),
	      "AF_INET TCP connects on loopback");
	s = accept(l, NULL, NULL);
	check(s >= 0 && send(c, "abc", 3, 0) == 3 &&
	      recv(s, buf, 3, MSG_WAITALL) == 3 && !memcmp(buf, "abc", 3),
	      "AF_INET TCP carries data");
	close(s);
	close(c);
	close(l);

	s = socket(AF_INET6, SOCK_STREAM, 0);
	check(s >= 0, "AF_INET6 sockets still created");
	close(s);
	check(!socketpair(AF_UNIX, SOCK_STREAM, 0, fds) &&
	      write(fds[0], "x", 1) == 1 && read(fds[1], buf, 1) == 1,
	      "AF_UNIX socketpair works");
	close(fds[0]);
	close(fds[1]);
}

static int basic(void)
{
	int af = dwcp_af(), fd;

	check(af > 0, "AF_DWCP family number read from sysfs");
	if (af <= 0)
		return 1;

	fd = socket(af, SOCK_STREAM, 0);
	check(fd >= 0, "socket(AF_DWCP, SOCK_STREAM, 0) succeeds");
	check(get_int_opt(fd, SO_DOMAIN) == af, "SO_DOMAIN is AF_DWCP");
	check(get_int_opt(fd, SO_TYPE) == SOCK_STREAM, "SO_TYPE is SOCK_STREAM");
	close(fd);

	fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	check(fd >= 0, "SOCK_NONBLOCK | SOCK_CLOEXEC accepted");
	close(fd);

	check_errno(socket(af, SOCK_DGRAM, 0), ESOCKTNOSUPPORT, "SOCK_DGRAM");
	fd = socket(af, SOCK_SEQPACKET, 0);
	check(fd >= 0 && get_int_opt(fd, SO_TYPE) == SOCK_SEQPACKET,
	      "SOCK_SEQPACKET (keyed records) succeeds");
	close(fd);
	check_errno(socket(af, SOCK_RAW, 0), ESOCKTNOSUPPORT, "SOCK_RAW");
	check_errno(socket(af, SOCK_STREAM, IPPROTO_TCP), EPROTONOSUPPORT,
		    "protocol IPPROTO_TCP");

	unconnected_ops(af);
	other_families_unaffected();
	return failures ? 1 : 0;
}

static int hold(int n)
{
	int af = dwcp_af(), i, *fds;
	char c;

	if (af <= 0 || n < 1 || n > 100000)
		return 2;
	fds = calloc(n, sizeof(*fds));
	if (!fds)
		return 2;
	for (i = 0; i < n; i++) {
		fds[i] = socket(af, SOCK_STREAM, 0);
		if (fds[i] < 0) {
			perror("socket");
			return 1;
		}
	}
	printf("holding %d\n", n);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	return 0;
}

static int open_close(int n)
{
	int af = dwcp_af(), i, fd;

	if (af <= 0 || n < 1)
		return 2;
	for (i = 0; i < n; i++) {
		fd = socket(af, SOCK_STREAM, 0);
		if (fd < 0) {
			perror("socket");
			return 1;
		}
		close(fd);
	}
	return 0;
}

static int bind_port(int port)
{
	struct sockaddr_dwcp d = { .sdwcp_family = (uint16_t)dwcp_af(),
				   .sdwcp_ip_family = AF_INET,
				   .sdwcp_port = htons((uint16_t)port),
				   .sdwcp_addr.v4 = htonl(INADDR_LOOPBACK) };
	int fd = socket(dwcp_af(), SOCK_STREAM, 0);

	if (fd < 0) {
		perror("socket");
		return 1;
	}
	if (bind(fd, (struct sockaddr *)&d, sizeof(d)))
		printf("bind: %s\n", errno == EACCES ? "EACCES" : strerror(errno));
	else
		printf("bind: 0\n");
	close(fd);
	return 0;
}

static int listen_only(int port, int backlog)
{
	struct sockaddr_dwcp d = { .sdwcp_family = (uint16_t)dwcp_af(),
				   .sdwcp_ip_family = AF_INET,
				   .sdwcp_port = htons((uint16_t)port) };
	int fd = socket(dwcp_af(), SOCK_STREAM, 0);
	char c;

	if (fd < 0 || bind(fd, (struct sockaddr *)&d, sizeof(d)) ||
	    listen(fd, backlog)) {
		perror("listen");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	close(fd);
	return 0;
}

/* A connected pair over loopback: *@c the client, *@s the accepted. */
static int loopback_pair(int port, int *c, int *s)
{
	struct sockaddr_dwcp d = { .sdwcp_family = (uint16_t)dwcp_af(),
				   .sdwcp_ip_family = AF_INET,
				   .sdwcp_port = htons((uint16_t)port),
				   .sdwcp_addr.v4 = htonl(INADDR_LOOPBACK) };
	int l = socket(dwcp_af(), SOCK_STREAM, 0);

	*c = socket(dwcp_af(), SOCK_STREAM, 0);
	if (l < 0 || *c < 0 || bind(l, (struct sockaddr *)&d, sizeof(d)) ||
	    listen(l, 1) || connect(*c, (struct sockaddr *)&d, sizeof(d))) {
		perror("loopback session");
		return -1;
	}
	*s = accept(l, NULL, NULL);
	close(l);
	return *s < 0 ? -1 : 0;
}

/*
 * A send that faults takes none of its bytes (EFAULT) and leaves the
 * session as it was: what was sent before and after arrives, in order,
 * nothing else.  The sender copies and runs the frame CRC in one pass
 * (copy_crc), so a fault in the middle of a word loop is the case.
 */
static int faulting_sends(int port)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *buf = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct iovec iov[2] = { { buf, 10 }, { buf + pg, 10 } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	char got[64] = "";
	int c, s;

	if (buf == MAP_FAILED || mprotect(buf + pg, pg, PROT_NONE) ||
	    loopback_pair(port, &c, &s))
		return 1;
	memset(buf, 'x', pg);
	check(send(c, "head", 4, 0) == 4, "send before the faults");
	check_errno((int)send(c, buf + pg - 100, 200, 0), EFAULT,
		    "send running into an unmapped page");
	check_errno((int)send(c, buf + pg - 3, 3000, 0), EFAULT,
		    "send of more than a page running into an unmapped page");
	check_errno((int)sendmsg(c, &msg, 0), EFAULT,
		    "sendmsg whose second piece is unmapped");
	check_errno((int)send(c, (void *)8, 100, 0), EFAULT,
		    "send from address 8");
	check(send(c, "tail", 4, 0) == 4, "send after the faults");
	shutdown(c, SHUT_WR);
	check(recv(s, got, sizeof(got), MSG_WAITALL) == 8 &&
	      !memcmp(got, "headtail", 8),
	      "the receiver gets what was sent around them, nothing else");
	close(c);
	close(s);
	munmap(buf, 2 * pg);
	return failures ? 1 : 0;
}

/* Wait until @fd has bytes to read (bounded: 10 s). */
static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 10000) == 1;
}

/*
 * close() with received data unread resets the session, as TCP's does.
 * The client closes: the server, which cannot rejoin streams, learns it
 * from a RESET frame (ECONNRESET), not from its streams failing (ETIMEDOUT
 * 30 s later).  Then both ends at once, each with data unread: their
 * RESETs cross, and both sessions must end (test_socket.sh waits for that).
 */
static int unread_close(int port)
{
	char buf[64];
	int c, s;

	if (loopback_pair(port, &c, &s))
		return 1;
	check(send(s, "data", 4, 0) == 4 && readable(c),
	      "data reaches a client that will not read it");
	close(c);
	check_errno((int)recv(s, buf, sizeof(buf), 0), ECONNRESET,
		    "recv after the client closed with data unread");
	close(s);

	if (loopback_pair(port + 1, &c, &s))
		return 1;
	check(send(c, "data", 4, 0) == 4 && send(s, "data", 4, 0) == 4 &&
	      readable(c) && readable(s), "data both ways, unread");
	close(c);
	close(s);
	return failures ? 1 : 0;
}

/* Bytes non-blocking sends queue on @c with @sndbuf before EAGAIN. */
static long fill_until_eagain(int c, int sndbuf)
{
	static char chunk[16384];
	long total = 0;
	int codec = 0;	/* zeros compress: the buffer would hold more */
	ssize_t n;

	setsockopt(c, SOL_DWCP, DWCP_CODEC, &codec, sizeof(codec));
	setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	/* the io engine drains the queue into TCP meanwhile: wait for it */
	for (int quiet = 0; quiet < 20; quiet++) {
		while ((n = send(c, chunk, sizeof(chunk), MSG_DONTWAIT)) > 0) {
			total += n;
			quiet = 0;
		}
		if (n < 0 && errno != EAGAIN)
			return -1;
		usleep(20000);
	}
	return total;
}

static int buffers(int port)
{
	struct sockaddr_dwcp d = { .sdwcp_family = (uint16_t)dwcp_af(),
				   .sdwcp_ip_family = AF_INET,
				   .sdwcp_port = htons((uint16_t)port),
				   .sdwcp_addr.v4 = htonl(INADDR_LOOPBACK) };
	int l = socket(dwcp_af(), SOCK_STREAM | SOCK_NONBLOCK, 0);
	long small, large;
	int c, s, v = 65536;
	socklen_t len = sizeof(v);

	check(l >= 0 && !bind(l, (struct sockaddr *)&d, sizeof(d)) &&
	      !listen(l, 1), "non-blocking listener");
	check_errno(accept(l, NULL, NULL), EAGAIN,
		    "non-blocking accept with no session waiting");
	close(l);

	if (loopback_pair(port + 1, &c, &s))
		return 1;
	check(!setsockopt(c, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) &&
	      !getsockopt(c, SOL_SOCKET, SO_SNDBUF, &v, &len) && v == 131072,
	      "SO_SNDBUF 64 KiB reads back doubled, as TCP's");
	small = fill_until_eagain(c, 65536);
	close(c);
	close(s);
	if (loopback_pair(port + 2, &c, &s))
		return 1;
	large = fill_until_eagain(c, 4 << 20);
	close(c);
	close(s);
	printf("# queued before EAGAIN: %ld bytes with SO_SNDBUF 64 KiB, %ld with 4 MiB\n",
	       small, large);
	check(small > 0 && large > small + (2 << 20),
	      "a peer that does not read: SO_SNDBUF bounds what the sender queues");
	return failures ? 1 : 0;
}

/* The commands that take one number. */
static const struct {
	const char *name;
	int (*run)(int arg);
} one_arg_cmds[] = {
	{ "hold", hold },
	{ "open-close", open_close },
	{ "bind", bind_port },
	{ "efault", faulting_sends },
	{ "unread-close", unread_close },
	{ "buffers", buffers },
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc == 2 && !strcmp(argv[1], "basic"))
		return basic();
	for (i = 0; argc == 3 && i < sizeof(one_arg_cmds) / sizeof(one_arg_cmds[0]); i++)
		if (!strcmp(argv[1], one_arg_cmds[i].name))
			return one_arg_cmds[i].run(atoi(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "listen"))
		return listen_only(atoi(argv[2]), atoi(argv[3]));
	fprintf(stderr, "usage: dwcp-socktest basic | hold N | open-close N | bind PORT | listen PORT BACKLOG\n");
	return 2;
}
