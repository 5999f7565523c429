// SPDX-License-Identifier: GPL-2.0
/*
 * libdwcp-preload.so - run an unmodified TCP program over AF_DWCP
 * (LD_PRELOAD, like smc_run).  Used through the dwcp-run script.
 *
 * AF_INET/AF_INET6 SOCK_STREAM sockets become AF_DWCP sockets; addresses
 * are translated both ways in bind, connect, accept, getsockname and
 * getpeername.  TCP-level socket options (TCP_NODELAY, ...) on converted
 * sockets are accepted and ignored (getsockopt returns zeros): DWCP runs
 * its own streams.  When the module is not loaded, sockets stay TCP.
 * DWCP_RUN_STREAMS sets DWCP_STREAMS on every converted socket.
 */
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../uapi/linux/dwcp.h"
#include "../af.h"

#define MAX_FDS 65536

/* Converted descriptors, with the IP family the program asked for. */
static uint8_t conv[MAX_FDS];

static int (*real_socket)(int, int, int);
static int (*real_bind)(int, const struct sockaddr *, socklen_t);
static int (*real_connect)(int, const struct sockaddr *, socklen_t);
static int (*real_accept4)(int, struct sockaddr *, socklen_t *, int);
static int (*real_getsockname)(int, struct sockaddr *, socklen_t *);
static int (*real_getpeername)(int, struct sockaddr *, socklen_t *);
static int (*real_setsockopt)(int, int, int, const void *, socklen_t);
static int (*real_getsockopt)(int, int, int, void *, socklen_t *);
static int (*real_close)(int);

__attribute__((constructor)) static void init(void)
{
	real_socket = dlsym(RTLD_NEXT, "socket");
	real_bind = dlsym(RTLD_NEXT, "bind");
	real_connect = dlsym(RTLD_NEXT, "connect");
	real_accept4 = dlsym(RTLD_NEXT, "accept4");
	real_getsockname = dlsym(RTLD_NEXT, "getsockname");
	real_getpeername = dlsym(RTLD_NEXT, "getpeername");
	real_setsockopt = dlsym(RTLD_NEXT, "setsockopt");
	real_getsockopt = dlsym(RTLD_NEXT, "getsockopt");
	real_close = dlsym(RTLD_NEXT, "close");
}

static int converted(int fd)
{
	return fd >= 0 && fd < MAX_FDS && conv[fd];
}

static int to_dwcp(const struct sockaddr *sa, socklen_t len,
		   struct sockaddr_dwcp *d)
{
	memset(d, 0, sizeof(*d));
	d->sdwcp_family = (uint16_t)dwcp_af();
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const void *)sa;

		d->sdwcp_ip_family = AF_INET;
		d->sdwcp_port = sin->sin_port;
		d->sdwcp_addr.v4 = sin->sin_addr.s_addr;
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		d->sdwcp_ip_family = AF_INET6;
		d->sdwcp_port = sin6->sin6_port;
		d->sdwcp_scope_id = sin6->sin6_scope_id;
		memcpy(d->sdwcp_addr.v6, &sin6->sin6_addr, 16);
		return 0;
	}
	errno = EAFNOSUPPORT;
	return -1;
}

/* Write @d as the caller's family into @sa (truncating like the kernel). */
static void from_dwcp(const struct sockaddr_dwcp *d, struct sockaddr *sa,
		      socklen_t *len)
{
	struct sockaddr_storage ss;
	socklen_t n;

	memset(&ss, 0, sizeof(ss));
	if (d->sdwcp_ip_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = d->sdwcp_port;
		sin6->sin6_scope_id = d->sdwcp_scope_id;
		memcpy(&sin6->sin6_addr, d->sdwcp_addr.v6, 16);
		n = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = d->sdwcp_port;
		sin->sin_addr.s_addr = d->sdwcp_addr.v4;
		n = sizeof(*sin);
	}
	if (sa && len)
		memcpy(sa, &ss, *len < n ? *len : n);
	if (len)
		*len = n;
}

int socket(int domain, int type, int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	int af, fd;

	if ((domain != AF_INET && domain != AF_INET6) || base != SOCK_STREAM ||
	    (protocol != 0 && protocol != IPPROTO_TCP))
		return real_socket(domain, type, protocol);
	af = dwcp_af();
	if (af < 0)
		return real_socket(domain, type, protocol);
	fd = real_socket(af, type, 0);
	if (fd < 0)
		return real_socket(domain, type, protocol);
	if (fd < MAX_FDS)
		conv[fd] = (uint8_t)domain;
	if (getenv("DWCP_RUN_STREAMS")) {
		int n = atoi(getenv("DWCP_RUN_STREAMS"));

		real_setsockopt(fd, SOL_DWCP, DWCP_STREAMS, &n, sizeof(n));
	}
	return fd;
}

int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_dwcp d;

	if (!converted(fd))
		return real_bind(fd, sa, len);
	if (to_dwcp(sa, len, &d))
		return -1;
	return real_bind(fd, (struct sockaddr *)&d, sizeof(d));
}

int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_dwcp d;

	if (!converted(fd))
		return real_connect(fd, sa, len);
	if (to_dwcp(sa, len, &d))
		return -1;
	return real_connect(fd, (struct sockaddr *)&d, sizeof(d));
}

int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	struct sockaddr_dwcp d;
	socklen_t dlen = sizeof(d);
	int nfd;

	if (!converted(fd))
		return real_accept4(fd, sa, len, flags);
	nfd = real_accept4(fd, (struct sockaddr *)&d, &dlen, flags);
	if (nfd < 0)
		return nfd;
	if (nfd < MAX_FDS)
		conv[nfd] = conv[fd];
	if (sa)
		from_dwcp(&d, sa, len);
	return nfd;
}

int accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	return accept4(fd, sa, len, 0);
}

static int name(int fd, struct sockaddr *sa, socklen_t *len, int peer)
{
	int (*real)(int, struct sockaddr *, socklen_t *) =
		peer ? real_getpeername : real_getsockname;
	struct sockaddr_dwcp d;
	socklen_t dlen = sizeof(d);

	if (!converted(fd))
		return real(fd, sa, len);
	if (real(fd, (struct sockaddr *)&d, &dlen))
		return -1;
	if (!d.sdwcp_ip_family)
		d.sdwcp_ip_family = conv[fd];
	from_dwcp(&d, sa, len);
	return 0;
}

int getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	return name(fd, sa, len, 0);
}

int getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	return name(fd, sa, len, 1);
}

int setsockopt(int fd, int level, int opt, const void *val, socklen_t len)
{
	if (converted(fd) && (level == IPPROTO_TCP || level == IPPROTO_IP ||
			      level == IPPROTO_IPV6))
		return 0;
	return real_setsockopt(fd, level, opt, val, len);
}

int getsockopt(int fd, int level, int opt, void *val, socklen_t *len)
{
	if (converted(fd) && (level == IPPROTO_TCP || level == IPPROTO_IP ||
			      level == IPPROTO_IPV6)) {
		if (val && len)
			memset(val, 0, *len);
		return 0;
	}
	if (converted(fd) && level == SOL_SOCKET && opt == SO_DOMAIN &&
	    val && len && *len >= sizeof(int)) {
		*(int *)val = conv[fd];	/* what the program asked for */
		*len = sizeof(int);
		return 0;
	}
	return real_getsockopt(fd, level, opt, val, len);
}

int close(int fd)
{
	if (fd >= 0 && fd < MAX_FDS)
		conv[fd] = 0;
	return real_close(fd);
}
