// SPDX-License-Identifier: GPL-2.0
/*
 * dwcp-perf - throughput test for AF_DWCP (and plain TCP for comparison),
 * with every byte verified end to end.
 *
 *   dwcp-perf -s [-p PORT] [-B ADDR] [-1] [--tcp]
 *   dwcp-perf -c HOST [-p PORT] [-t SEC | -n BYTES] [-P STREAMS] [-C CC]
 *             [-R] [--tcp] [--rate BYTES_PER_S] [--frame BYTES] [-j]
 *             [--close [--linger SEC]] [--rcvbuf BYTES] [--idle SEC] [-O SEC]
 *
 * Byte i of a transfer is byte (i % 8) of splitmix64(i / 8): the receiver
 * checks every byte against that and reports the first wrong offset.  With
 * --tcp, -P N opens N TCP connections, each carrying its share.
 * --close: the client closes right after its last send (optionally with
 * SO_LINGER; 0 resets the session, and the server reports the reset), without
 * waiting for the verdict: the server still prints it.
 * --rcvbuf: SO_RCVBUF of the client's sockets (with -R, the receiver's);
 * --shrink-rcvbuf sets it once connected (after --idle: the first window
 * has gone out by then).
 * --idle: connected, the client waits this long before the transfer (a
 * session that measures nothing meanwhile, for tests).
 * Goodput is total bytes over the client's time from the start to the
 * verdict; the receiver also times its first to its last byte, and with
 * -O SEC (iperf3's --omit) the part after its first SEC seconds, the rate
 * once congestion control is past its startup (JSON rx_goodput_bps and
 * steady_goodput_bps; parallel TCP connections: their bytes over the
 * longest one's time).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../uapi/linux/dwcp.h"
#include "af.h"

#define MAGIC 0x44575046u	/* "DWPF" */
#define BUFSZ (256 * 1024)

struct request {
	uint32_t magic;
	uint32_t reverse;	/* server sends */
	uint64_t bytes;		/* 0: time-based */
	uint64_t base;		/* offset of byte 0 in the pattern */
	uint32_t seconds;
	uint32_t flags;		/* REQ_* */
	uint32_t omit_ms;	/* the receiver's steady figure skips these */
	uint32_t pad;
};

#define REQ_CLOSE_EARLY		1	/* the client closes after sending */
#define REQ_COMPRESSIBLE	2	/* the compressible pattern */

/* Which pattern this process sends and checks (the client's choice). */
static bool compressible;

/*
 * The receiver's verdict.  Its clock also times the transfer, as iperf3's
 * receiver does: from the first byte to the last one (no handshakes, no
 * verdict round trip), and again from @omit_ms after the first byte
 * (iperf3 -O: the rate once congestion control has left its startup).
 */
struct result {
	uint64_t bytes;
	uint64_t bad_offset;	/* UINT64_MAX when every byte was right */
	uint64_t span_ns;	/* first byte to last byte */
	uint64_t steady_bytes;	/* received after the omitted start */
	uint64_t steady_ns;
};

static struct {
	bool server, tcp, json, once, reverse, close_early;
	int linger;
	const char *host, *bind_addr, *cc;
	int port, streams, seconds, frame, codec, rcvbuf, shrink_rcvbuf, idle, omit;
	bool codec_set;
	uint64_t bytes, rate;
} opt = { .port = 5201, .seconds = 0, .linger = -1 };

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Fill @buf with the pattern bytes [off, off + len). */
static void pattern_fill(uint8_t *buf, size_t len, uint64_t off)
{
	size_t i = 0;

	if (compressible) {	/* one letter per 4 KiB: zstd's delight */
		for (; i < len; i++)
			buf[i] = (uint8_t)('A' + ((off + i) >> 12) % 26);
		return;
	}

	while (i < len && ((off + i) & 7)) {
		buf[i] = (uint8_t)(splitmix64((off + i) >> 3) >> (8 * ((off + i) & 7)));
		i++;
	}
	for (; i + 8 <= len; i += 8) {
		uint64_t w = splitmix64((off + i) >> 3);

		memcpy(buf + i, &w, 8);	/* little-endian hosts */
	}
	for (; i < len; i++)
		buf[i] = (uint8_t)(splitmix64((off + i) >> 3) >> (8 * ((off + i) & 7)));
}

/* Return the index of the first byte of @buf that is not the pattern. */
static size_t pattern_check(const uint8_t *buf, size_t len, uint64_t off)
{
	uint8_t want[BUFSZ];
	size_t i;

	pattern_fill(want, len, off);
	if (!memcmp(want, buf, len))
		return len;
	for (i = 0; i < len && want[i] == buf[i]; i++)
		;
	return i;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double now_s(void)
{
	return now_ns() / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "dwcp-perf: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	ssize_t n = recv(fd, buf, len, MSG_WAITALL);

	return n == (ssize_t)len ? 0 : -1;
}

/* Socket address for AF_DWCP (or, with --tcp, AF_INET/AF_INET6). */
static socklen_t make_addr(const char *host, int port,
			   struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_dwcp *d = (struct sockaddr_dwcp *)ss;
	uint8_t a6[16];
	uint32_t a4;
	int v6;

	memset(ss, 0, sizeof(*ss));
	if (!host)
		host = "0.0.0.0";
	if (inet_pton(AF_INET, host, &a4) == 1) {
		v6 = 0;
	} else if (inet_pton(AF_INET6, host, a6) == 1) {
		v6 = 1;
	} else {
		fprintf(stderr, "dwcp-perf: %s: not an IP address\n", host);
		exit(2);
	}
	if (opt.tcp) {
		if (v6) {
			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons(port);
			memcpy(&sin6->sin6_addr, a6, 16);
			return sizeof(*sin6);
		}
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = a4;
		return sizeof(*sin);
	}
	d->sdwcp_family = dwcp_af();
	d->sdwcp_ip_family = v6 ? AF_INET6 : AF_INET;
	d->sdwcp_port = htons(port);
	if (v6)
		memcpy(d->sdwcp_addr.v6, a6, 16);
	else
		d->sdwcp_addr.v4 = a4;
	return sizeof(*d);
}

static int new_socket(int ip_family)
{
	int af = opt.tcp ? ip_family : dwcp_af();
	int fd;

	if (af < 0) {
		fprintf(stderr, "dwcp-perf: AF_DWCP unavailable (module not loaded?)\n");
		exit(1);
	}
	fd = socket(af, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	return fd;
}

/* Send the pattern [base, base+bytes) or for @seconds; returns bytes sent. */
static uint64_t send_pattern(int fd, uint64_t base, uint64_t bytes,
			     int seconds)
{
	static __thread uint8_t buf[BUFSZ];
	double end = now_s() + seconds;
	uint64_t sent = 0;

	while (bytes ? sent < bytes : now_s() < end) {
		size_t n = BUFSZ;

		if (bytes && bytes - sent < n)
			n = bytes - sent;
		pattern_fill(buf, n, base + sent);
		if (write_all(fd, buf, n))
			die("send");
		sent += n;
	}
	return sent;
}

/* Receive to EOF, checking the pattern from @base; time it (struct result). */
static struct result recv_pattern(int fd, uint64_t base, uint32_t omit_ms)
{
	static __thread uint8_t buf[BUFSZ];
	struct result r = { 0, UINT64_MAX, 0, 0, 0 };
	uint64_t first = 0, last = 0, steady_from = 0, steady_base = 0;
	ssize_t n;

	while ((n = recv(fd, buf, BUFSZ, 0)) != 0) {
		size_t ok;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("recv");
		}
		if (r.bad_offset == UINT64_MAX) {
			ok = pattern_check(buf, n, base + r.bytes);
			if (ok < (size_t)n)
				r.bad_offset = r.bytes + ok;
		}
		r.bytes += n;
		last = now_ns();
		if (!first)
			first = last;
		/* bytes that arrived before the window opened do not count */
		if (!steady_from && last - first >= omit_ms * 1000000ull) {
			steady_from = last;
			steady_base = r.bytes;
		}
	}
	r.span_ns = last - first;
	if (steady_from) {
		r.steady_bytes = r.bytes - steady_base;
		r.steady_ns = last - steady_from;
	}
	return r;
}

static void serve_one(int fd)
{
	struct request rq;
	struct result r = { 0, UINT64_MAX, 0, 0, 0 };

	if (read_all(fd, &rq, sizeof(rq)) || rq.magic != MAGIC) {
		fprintf(stderr, "dwcp-perf: bad request\n");
		return;
	}
	compressible = rq.flags & REQ_COMPRESSIBLE;
	if (rq.reverse) {
		r.bytes = send_pattern(fd, rq.base, rq.bytes, rq.seconds);
		shutdown(fd, SHUT_WR);
		if (read_all(fd, &r, sizeof(r)))	/* the client's verdict */
			fprintf(stderr, "dwcp-perf: no verdict from client\n");
	} else {
		r = recv_pattern(fd, rq.base, rq.omit_ms);
		printf("received %" PRIu64 " bytes%s\n", r.bytes,
		       r.bad_offset == UINT64_MAX ? ", verified" : ", MISMATCH");
		fflush(stdout);
		if (write_all(fd, &r, sizeof(r)) && !(rq.flags & REQ_CLOSE_EARLY))
			fprintf(stderr, "dwcp-perf: cannot send verdict\n");
	}
	if (r.bad_offset != UINT64_MAX)
		fprintf(stderr, "dwcp-perf: DATA MISMATCH at offset %" PRIu64 "\n",
			r.bad_offset);
}

static int run_server(void)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(opt.bind_addr, opt.port, &ss);
	int lfd, one = 1;

	lfd = new_socket(ss.ss_family == AF_INET6 ||
			 ((struct sockaddr_dwcp *)&ss)->sdwcp_ip_family == AF_INET6 ?
			 AF_INET6 : AF_INET);
	if (opt.tcp)
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	else if (opt.streams)
		setsockopt(lfd, SOL_DWCP, DWCP_STREAMS, &opt.streams,
			   sizeof(opt.streams));
	if (bind(lfd, (struct sockaddr *)&ss, len))
		die("bind");
	if (listen(lfd, 128))
		die("listen");
	printf("listening on port %d\n", opt.port);
	fflush(stdout);
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			die("accept");
		}
		if (opt.once) {
			serve_one(fd);
			close(fd);
			break;
		}
		if (fork() == 0) {
			close(lfd);
			serve_one(fd);
			close(fd);
			_exit(0);
		}
		close(fd);
	}
	close(lfd);
	return 0;
}

struct conn {
	pthread_t thread;
	int fd;
	uint64_t base, bytes;
	struct result r;
	uint64_t sent;
	int failed;
};

static void *client_conn(void *arg)
{
	struct conn *c = arg;
	struct request rq = { .magic = MAGIC, .reverse = opt.reverse,
			      .bytes = c->bytes, .base = c->base,
			      .seconds = (uint32_t)opt.seconds,
			      .omit_ms = (uint32_t)(opt.omit * 1000),
			      .flags = (opt.close_early ? REQ_CLOSE_EARLY : 0) |
				       (compressible ? REQ_COMPRESSIBLE : 0) };

	if (write_all(c->fd, &rq, sizeof(rq)))
		die("send request");
	if (opt.reverse) {
		c->r = recv_pattern(c->fd, c->base, rq.omit_ms);
		c->sent = c->r.bytes;
		if (write_all(c->fd, &c->r, sizeof(c->r)))
			die("send verdict");
	} else {
		c->sent = send_pattern(c->fd, c->base, c->bytes, opt.seconds);
		if (opt.close_early) {
			/* close() with data still in flight: the kernel delivers */
			struct linger l = { .l_onoff = 1,
					    .l_linger = opt.linger };

			if (opt.linger >= 0)
				setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l,
					   sizeof(l));
			close(c->fd);
			c->fd = -1;
			c->r.bytes = c->sent;
			c->r.bad_offset = UINT64_MAX;
			return NULL;
		}
		shutdown(c->fd, SHUT_WR);
		if (read_all(c->fd, &c->r, sizeof(c->r))) {
			fprintf(stderr, "dwcp-perf: no verdict from server\n");
			c->failed = 1;
		}
	}
	if (c->r.bytes != c->sent || c->r.bad_offset != UINT64_MAX)
		c->failed = 1;
	return NULL;
}

static void print_dwcp_info(int fd)
{
	struct {
		struct dwcp_conn_info c;
		struct dwcp_stream_info s[DWCP_MAX_STREAMS];
	} *info = calloc(1, sizeof(*info));
	socklen_t len = sizeof(*info);
	unsigned int i, n;

	if (!info || getsockopt(fd, SOL_DWCP, DWCP_INFO, info, &len)) {
		free(info);
		return;
	}
	n = (len - sizeof(info->c)) / sizeof(info->s[0]);
	printf(",\"streams_up\":%u,\"streams_total\":%u,\"frames_sent\":%" PRIu64
	       ",\"frames_resent\":%" PRIu64 ",\"stream_failures\":%" PRIu64
	       ",\"stream_joins\":%" PRIu64 ",\"bytes_acked\":%" PRIu64
	       ",\"reorder_bytes_max\":%" PRIu64 ",\"frames_compressed\":%" PRIu64
	       ",\"compressed_in\":%" PRIu64 ",\"compressed_out\":%" PRIu64
	       ",\"per_stream\":[",
	       info->c.dwci_streams_up, info->c.dwci_streams_total,
	       (uint64_t)info->c.dwci_frames_sent,
	       (uint64_t)info->c.dwci_frames_resent,
	       (uint64_t)info->c.dwci_stream_failures,
	       (uint64_t)info->c.dwci_stream_joins,
	       (uint64_t)info->c.dwci_bytes_acked,
	       (uint64_t)info->c.dwci_reorder_bytes_max,
	       (uint64_t)info->c.dwci_frames_compressed,
	       (uint64_t)info->c.dwci_bytes_compressed_in,
	       (uint64_t)info->c.dwci_bytes_compressed_out);
	for (i = 0; i < n; i++)
		printf("%s{\"up\":%u,\"rtt_us\":%u,\"cwnd\":%u,\"retrans\":%u,"
		       "\"bytes_sent\":%" PRIu64 ",\"cc\":\"%s\"}",
		       i ? "," : "", info->s[i].dwsi_state,
		       info->s[i].dwsi_rtt_us, info->s[i].dwsi_cwnd,
		       info->s[i].dwsi_total_retrans,
		       (uint64_t)info->s[i].dwsi_bytes_sent, info->s[i].dwsi_cc);
	printf("]");
	free(info);
}

static int run_client(void)
{
	int nconn = opt.tcp && opt.streams > 1 ? opt.streams : 1;
	struct conn *c = calloc(nconn, sizeof(*c));
	struct sockaddr_storage ss;
	socklen_t len = make_addr(opt.host, opt.port, &ss);
	uint64_t total = 0, share;
	uint64_t steady_total = 0, span_max = 0, steady_max = 0;
	double t0, dt, rx_bps = 0, steady_bps = 0;
	int i, failed = 0;
	int ipf = ss.ss_family == AF_INET6 ||
		  ((struct sockaddr_dwcp *)&ss)->sdwcp_ip_family == AF_INET6 ?
		  AF_INET6 : AF_INET;

	if (!c)
		die("calloc");
	if (!opt.bytes && !opt.seconds)
		opt.seconds = 10;
	share = opt.bytes / nconn;
	for (i = 0; i < nconn; i++) {
		c[i].fd = new_socket(ipf);
		if (opt.rcvbuf && setsockopt(c[i].fd, SOL_SOCKET, SO_RCVBUF,
					     &opt.rcvbuf, sizeof(opt.rcvbuf)))
			die("SO_RCVBUF");
		if (opt.tcp && opt.cc &&
		    setsockopt(c[i].fd, IPPROTO_TCP, TCP_CONGESTION, opt.cc,
			       strlen(opt.cc)))
			die("TCP_CONGESTION");
		if (!opt.tcp) {
			if (opt.streams &&
			    setsockopt(c[i].fd, SOL_DWCP, DWCP_STREAMS,
				       &opt.streams, sizeof(opt.streams)))
				die("DWCP_STREAMS");
			if (opt.cc && setsockopt(c[i].fd, SOL_DWCP, DWCP_CONGESTION,
						 opt.cc, strlen(opt.cc)))
				die("DWCP_CONGESTION");
			if (opt.rate && setsockopt(c[i].fd, SOL_DWCP,
						   DWCP_PACING_RATE, &opt.rate,
						   sizeof(opt.rate)))
				die("DWCP_PACING_RATE");
			if (opt.frame && setsockopt(c[i].fd, SOL_DWCP,
						    DWCP_FRAME_SIZE, &opt.frame,
						    sizeof(opt.frame)))
				die("DWCP_FRAME_SIZE");
			if (opt.codec_set && setsockopt(c[i].fd, SOL_DWCP,
							DWCP_CODEC, &opt.codec,
							sizeof(opt.codec)))
				die("DWCP_CODEC");
		}
		if (connect(c[i].fd, (struct sockaddr *)&ss, len))
			die("connect");
		c[i].base = (uint64_t)i << 48;
		c[i].bytes = i == nconn - 1 ? opt.bytes - share * i : share;
	}
	if (opt.idle)
		sleep(opt.idle);
	for (i = 0; i < nconn && opt.shrink_rcvbuf; i++)
		if (setsockopt(c[i].fd, SOL_SOCKET, SO_RCVBUF, &opt.shrink_rcvbuf,
			       sizeof(opt.shrink_rcvbuf)))
			die("SO_RCVBUF");
	t0 = now_s();
	for (i = 0; i < nconn; i++)
		pthread_create(&c[i].thread, NULL, client_conn, &c[i]);
	for (i = 0; i < nconn; i++) {
		pthread_join(c[i].thread, NULL);
		total += c[i].r.bytes;
		failed |= c[i].failed;
		steady_total += c[i].r.steady_bytes;
		span_max = MAX(span_max, c[i].r.span_ns);
		steady_max = MAX(steady_max, c[i].r.steady_ns);
	}
	dt = now_s() - t0;
	/*
	 * Parallel connections: all their bytes over the longest one's time.
	 * Summing their rates would count twice the bandwidth that the ones
	 * still running take over from the ones done.
	 */
	if (span_max)
		rx_bps = total * 8e9 / span_max;
	if (steady_max)
		steady_bps = steady_total * 8e9 / steady_max;
	if (opt.json) {
		printf("{\"transport\":\"%s\",\"connections\":%d,\"bytes\":%" PRIu64
		       ",\"seconds\":%.3f,\"goodput_bps\":%.0f,\"verified\":%s",
		       opt.tcp ? "tcp" : "dwcp", nconn, total, dt,
		       total * 8 / dt, failed ? "false" : "true");
		printf(",\"rx_goodput_bps\":%.0f,\"steady_goodput_bps\":%.0f"
		       ",\"omit_seconds\":%d", rx_bps, steady_bps, opt.omit);
		if (!opt.tcp && c[0].fd >= 0)
			print_dwcp_info(c[0].fd);
		printf("}\n");
	} else {
		printf("%s: %" PRIu64 " bytes in %.2f s = %.1f Mbit/s, %s\n",
		       opt.tcp ? "tcp" : "dwcp", total, dt, total * 8 / dt / 1e6,
		       failed ? "DATA MISMATCH" : "verified");
		if (rx_bps)
			printf("receiver: %.1f Mbit/s first to last byte, %.1f Mbit/s after the first %d s\n",
			       rx_bps / 1e6, steady_bps / 1e6, opt.omit);
	}
	for (i = 0; i < nconn; i++) {
		if (c[i].r.bad_offset != UINT64_MAX)
			fprintf(stderr, "dwcp-perf: connection %d: first bad byte at %" PRIu64 "\n",
				i, c[i].r.bad_offset);
		else if (c[i].r.bytes != c[i].sent)
			fprintf(stderr, "dwcp-perf: connection %d: sent %" PRIu64 ", peer got %" PRIu64 "\n",
				i, c[i].sent, c[i].r.bytes);
		if (c[i].fd >= 0)
			close(c[i].fd);
	}
	free(c);
	return failed ? 1 : 0;
}

static uint64_t parse_size(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	switch (*end) {
	case 'k': case 'K': v *= 1024; break;
	case 'm': case 'M': v *= 1024 * 1024; break;
	case 'g': case 'G': v *= 1024.0 * 1024 * 1024; break;
	case '\0': break;
	default:
		fprintf(stderr, "dwcp-perf: bad size %s\n", s);
		exit(2);
	}
	return (uint64_t)v;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: dwcp-perf -s [-p PORT] [-B ADDR] [-1] [-P STREAMS] [--tcp]\n"
		"       dwcp-perf -c HOST [-p PORT] [-t SEC | -n BYTES] [-P STREAMS]\n"
		"                 [-C CC] [-R] [--tcp] [--rate BYTES/S] [--frame N] [-j]\n"
		"                 [--close [--linger SEC]] [--codec -1..3] [--compressible]\n"
		"                 [--rcvbuf BYTES] [--shrink-rcvbuf BYTES] [--idle SEC]\n"
		"                 [-O SEC]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "tcp", no_argument, NULL, 'T' },
		{ "rate", required_argument, NULL, 'r' },
		{ "frame", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "close", no_argument, NULL, 'x' },
		{ "linger", required_argument, NULL, 'L' },
		{ "codec", required_argument, NULL, 'z' },
		{ "compressible", no_argument, NULL, 'Z' },
		{ "rcvbuf", required_argument, NULL, 'b' },
		{ "idle", required_argument, NULL, 'I' },
		{ "omit", required_argument, NULL, 'O' },
		{ "shrink-rcvbuf", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "sc:p:B:1t:n:P:C:RjO:", lo, NULL)) != -1) {
		switch (ch) {
		case 's': opt.server = true; break;
		case 'c': opt.host = optarg; break;
		case 'p': opt.port = atoi(optarg); break;
		case 'B': opt.bind_addr = optarg; break;
		case '1': opt.once = true; break;
		case 't': opt.seconds = atoi(optarg); break;
		case 'n': opt.bytes = parse_size(optarg); break;
		case 'P': opt.streams = atoi(optarg); break;
		case 'C': opt.cc = optarg; break;
		case 'R': opt.reverse = true; break;
		case 'T': opt.tcp = true; break;
		case 'r': opt.rate = parse_size(optarg); break;
		case 'f': opt.frame = atoi(optarg); break;
		case 'j': opt.json = true; break;
		case 'x': opt.close_early = true; break;
		case 'L': opt.linger = atoi(optarg); break;
		case 'z': opt.codec = atoi(optarg); opt.codec_set = true; break;
		case 'Z': compressible = true; break;
		case 'b': opt.rcvbuf = (int)parse_size(optarg); break;
		case 'I': opt.idle = atoi(optarg); break;
		case 'O': opt.omit = atoi(optarg); break;
		case 'S': opt.shrink_rcvbuf = (int)parse_size(optarg); break;
		default: usage();
		}
	}
	if (opt.server == !!opt.host || optind != argc)
		usage();
	signal(SIGPIPE, SIG_IGN);
	return opt.server ? run_server() : run_client();
}
