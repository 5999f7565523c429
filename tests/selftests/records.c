// SPDX-License-Identifier: GPL-2.0
/*
 * Keyed records over AF_DWCP (SOCK_SEQPACKET), for the guest selftests.
 *
 *   dwcp-records api PORT
 *       the record API on loopback; prints "ok - ..." / "not ok - ..."
 *   dwcp-records server PORT DIR [nocheck]
 *       receive pre-copy rounds of a vmmem data set and check each round's
 *       image against the manifest; exit 0 when every round matched
 *       (nocheck: only report when each round arrived, for benchmarks)
 *   dwcp-records client HOST PORT DIR [STREAMS [CODEC [STORE]]]
 *       send the base and every round of DIR as records (key = page
 *       number), a marker record after each round; print DWCP_INFO
 *
 * Marker: key DWCP_ROUND_KEY, content "round N".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>
#include "../../uapi/linux/dwcp.h"
#include "../../helper/af.h"
#include "../hde/vmmem.h"

#define ROUND_KEY	UINT64_MAX
#define PAGE		VMMEM_PAGE

static int failed;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(int ok, const char *what)
{
	printf("%s - records: %s\n", ok ? "ok" : "not ok", what);
	if (!ok)
		failed = 1;
}

static socklen_t addr4(const char *host, int port, struct sockaddr_dwcp *d)
{
	memset(d, 0, sizeof(*d));
	d->sdwcp_family = dwcp_af();
	d->sdwcp_ip_family = AF_INET;
	d->sdwcp_port = htons(port);
	if (inet_pton(AF_INET, host ? host : "0.0.0.0", &d->sdwcp_addr.v4) != 1) {
		fprintf(stderr, "dwcp-records: %s: not an IPv4 address\n", host);
		exit(2);
	}
	return sizeof(*d);
}

static int listen_on(int port, int type)
{
	struct sockaddr_dwcp a;
	int fd = socket(dwcp_af(), type, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, addr4(NULL, port, &a)) ||
	    listen(fd, 8)) {
		perror("dwcp-records: listen");
		exit(2);
	}
	return fd;
}

static int connect_to(const char *host, int port, int type, int streams,
		      int codec, long long store)
{
	struct sockaddr_dwcp a;
	int fd = socket(dwcp_af(), type, 0);

	if (fd < 0) {
		perror("dwcp-records: socket");
		exit(2);
	}
	if (streams > 0)
		setsockopt(fd, SOL_DWCP, DWCP_STREAMS, &streams, sizeof(streams));
	if (codec >= -1)
		setsockopt(fd, SOL_DWCP, DWCP_CODEC, &codec, sizeof(codec));
	if (store >= 0) {
		uint64_t s = store;

		if (setsockopt(fd, SOL_DWCP, DWCP_HDE_STORE, &s, sizeof(s)))
			perror("dwcp-records: DWCP_HDE_STORE");
	}
	if (connect(fd, (struct sockaddr *)&a, addr4(host, port, &a))) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static ssize_t send_rec(int fd, uint64_t key, const void *buf, size_t len,
			int flags, int with_key)
{
	char cbuf[CMSG_SPACE(sizeof(key))] = { 0 };
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (with_key) {
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_DWCP;
		c->cmsg_type = DWCP_CMSG_KEY;
		c->cmsg_len = CMSG_LEN(sizeof(key));
		memcpy(CMSG_DATA(c), &key, sizeof(key));
	}
	return sendmsg(fd, &m, flags);
}

/* One record: its length (or full length with MSG_TRUNC), key in *key. */
static ssize_t recv_rec(int fd, uint64_t *key, void *buf, size_t len, int flags,
			int *truncated)
{
	char cbuf[CMSG_SPACE(sizeof(*key))];
	struct iovec iov = { buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	ssize_t n = recvmsg(fd, &m, flags);

	*key = 0;
	if (truncated)
		*truncated = !!(m.msg_flags & MSG_TRUNC);
	if (n <= 0)
		return n;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_DWCP && c->cmsg_type == DWCP_CMSG_KEY)
			memcpy(key, CMSG_DATA(c), sizeof(*key));
	return n;
}

static int get_info(int fd, struct dwcp_conn_info *ci)
{
	socklen_t len = sizeof(*ci);

	memset(ci, 0, sizeof(*ci));
	return getsockopt(fd, SOL_DWCP, DWCP_INFO, ci, &len);
}

/* --- api ------------------------------------------------------------------- */

static int api(int port)
{
	static uint8_t big[DWCP_HDE_MAX_RECORD + 1], got[DWCP_HDE_MAX_RECORD];
	int lfd = listen_on(port, SOCK_SEQPACKET), cfd, sfd, i, trunc, ok;
	struct dwcp_conn_info ci;
	uint64_t key;
	ssize_t n;

	cfd = connect_to("127.0.0.1", port, SOCK_SEQPACKET, 2, -2, -1);
	sfd = accept(lfd, NULL, NULL);
	report(cfd >= 0 && sfd >= 0, "SOCK_SEQPACKET connect and accept");
	if (cfd < 0 || sfd < 0)
		return 1;

	errno = 0;
	report(send_rec(cfd, 1, "x", 1, 0, 0) < 0 && errno == EINVAL,
	       "a record without a key: EINVAL");
	errno = 0;
	report(send_rec(cfd, 1, big, 0, 0, 1) < 0 && errno == EINVAL,
	       "an empty record: EINVAL");
	errno = 0;
	report(send_rec(cfd, 1, big, sizeof(big), 0, 1) < 0 && errno == EMSGSIZE,
	       "a record over 1 MiB: EMSGSIZE");

	/* Keys come back with their records, in order, sizes 1 B..1 MiB. */
	for (i = 0; i < (int)sizeof(big) - 1; i++)
		big[i] = (uint8_t)(i * 7 + (i >> 12));
	ok = 1;
	for (i = 0; i < 21; i++) {
		size_t len = (size_t)1 << i;

		if (send_rec(cfd, 1000 + i, big, len, 0, 1) != (ssize_t)len)
			ok = 0;
	}
	for (i = 0; i < 21 && ok; i++) {
		size_t len = (size_t)1 << i;

		n = recv_rec(sfd, &key, got, sizeof(got), 0, &trunc);
		ok = n == (ssize_t)len && key == 1000ULL + i && !trunc &&
		     !memcmp(got, big, len);
	}
	report(ok, "21 records of 1 B .. 1 MiB back in order with their keys");

	/* The same keys again, slightly changed: deltas, still exact. */
	ok = 1;
	for (i = 0; i < 21; i++) {
		size_t len = (size_t)1 << i;

		big[len / 2] ^= 0x5a;
		ok &= send_rec(cfd, 1000 + i, big, len, MSG_MORE, 1) == (ssize_t)len;
	}
	send_rec(cfd, 7, "flush", 5, 0, 1);
	for (i = 0; i < 21 && ok; i++) {
		size_t len = (size_t)1 << i;

		n = recv_rec(sfd, &key, got, sizeof(got), 0, NULL);
		ok = n == (ssize_t)len && key == 1000ULL + i && !memcmp(got, big, len);
	}
	n = recv_rec(sfd, &key, got, sizeof(got), 0, NULL);
	get_info(cfd, &ci);
	report(ok && n == 5 && key == 7 && ci.dwci_hde_kind[5] >= 15,
	       "changed records come back exact, sent as deltas (MSG_MORE batches them)");

	/* Short buffer: MSG_TRUNC, the rest of that record dropped. */
	send_rec(cfd, 42, big, 4096, 0, 1);
	send_rec(cfd, 43, "next", 4, 0, 1);
	n = recv_rec(sfd, &key, got, 100, MSG_TRUNC, &trunc);
	ok = n == 4096 && trunc && key == 42 && !memcmp(got, big, 100);
	n = recv_rec(sfd, &key, got, sizeof(got), 0, NULL);
	report(ok && n == 4 && key == 43, "a short buffer: MSG_TRUNC, next record intact");

	/* MSG_PEEK leaves the record; MSG_DONTWAIT with nothing: EAGAIN. */
	send_rec(cfd, 44, "peek", 4, 0, 1);
	n = recv_rec(sfd, &key, got, sizeof(got), MSG_PEEK, NULL);
	ok = n == 4 && key == 44;
	n = recv_rec(sfd, &key, got, sizeof(got), 0, NULL);
	ok &= n == 4 && key == 44;
	errno = 0;
	n = recv_rec(sfd, &key, got, sizeof(got), MSG_DONTWAIT, NULL);
	report(ok && n < 0 && errno == EAGAIN, "MSG_PEEK keeps the record; then EAGAIN");

	/* Unchanged and zero records. */
	memset(got, 0, 4096);
	send_rec(cfd, 42, big, 4096, MSG_MORE, 1);	/* same as before */
	send_rec(cfd, 50, got, 4096, 0, 1);		/* zero */
	recv_rec(sfd, &key, got, sizeof(got), 0, NULL);
	n = recv_rec(sfd, &key, got, sizeof(got), 0, NULL);
	get_info(cfd, &ci);
	report(n == 4096 && key == 50 && !got[0] && !got[4095] &&
	       ci.dwci_hde_kind[3] >= 1 && ci.dwci_hde_kind[2] >= 1,
	       "unchanged and all-zero records: SAME and ZERO");

	/* EOF: the peer's close after its last record gives 0. */
	close(cfd);
	n = recv_rec(sfd, &key, got, sizeof(got), 0, NULL);
	report(n == 0, "end of records: recv returns 0");
	close(sfd);

	/* A byte-stream client to a record listener is refused. */
	errno = 0;
	cfd = connect_to("127.0.0.1", port, SOCK_STREAM, 1, -2, -1);
	report(cfd < 0 && errno == EPROTOTYPE, "SOCK_STREAM to a SOCK_SEQPACKET listener: EPROTOTYPE");
	if (cfd >= 0)
		close(cfd);
	close(lfd);
	return failed;
}

/* --- resync ---------------------------------------------------------------- */

#define RS_KEYS		64
#define RS_PASSES	4

/*
 * Run with the module's hde_fault_every at 2: the receiver keeps only every
 * other baseline, so the second pass (unchanged records, SAME) and the
 * later ones (changed, DELTA) need baselines it lacks.  Every record must
 * still come back exact, and the receiver must have asked for resyncs that
 * the sender served.
 */
static int resync(int port)
{
	static uint8_t rec[RS_KEYS][PAGE], got[PAGE];
	int lfd = listen_on(port, SOCK_SEQPACKET), cfd, sfd, i, pass, ok = 1;
	struct dwcp_conn_info cs, ss;
	uint64_t key;
	ssize_t n;

	cfd = connect_to("127.0.0.1", port, SOCK_SEQPACKET, 2, -2, -1);
	sfd = accept(lfd, NULL, NULL);
	if (cfd < 0 || sfd < 0)
		return 1;
	srand(7);
	for (i = 0; i < RS_KEYS; i++)
		for (n = 0; n < PAGE; n++)
			rec[i][n] = (uint8_t)rand();
	for (pass = 0; pass < RS_PASSES && ok; pass++) {
		for (i = 0; i < RS_KEYS && pass >= 2; i++)
			rec[i][(pass * 97 + i) % PAGE] ^= 0xA5;	/* a delta */
		for (i = 0; i < RS_KEYS; i++)
			ok &= send_rec(cfd, i, rec[i], PAGE, i + 1 < RS_KEYS ? MSG_MORE : 0,
				       1) == PAGE;
		for (i = 0; i < RS_KEYS && ok; i++) {
			n = recv_rec(sfd, &key, got, sizeof(got), 0, NULL);
			ok = n == PAGE && key == (uint64_t)i && !memcmp(got, rec[i], PAGE);
			if (!ok)
				printf("# pass %d record %d: %zd bytes, key %llu, %s\n", pass,
				       i, n, (unsigned long long)key,
				       n == PAGE && !memcmp(got, rec[i], PAGE) ? "same" :
				       "differs");
		}
	}
	get_info(sfd, &ss);
	get_info(cfd, &cs);
	printf("# resyncs asked %llu, served %llu, records sent again %llu, stale %llu, kinds raw %llu same %llu delta %llu\n",
	       (unsigned long long)ss.dwci_hde_resyncs,
	       (unsigned long long)cs.dwci_hde_resyncs_served,
	       (unsigned long long)cs.dwci_hde_resent_records,
	       (unsigned long long)ss.dwci_hde_stale,
	       (unsigned long long)cs.dwci_hde_kind[1],
	       (unsigned long long)cs.dwci_hde_kind[3],
	       (unsigned long long)cs.dwci_hde_kind[5]);
	report(ok, "every record of 4 passes over 64 keys back exact while the receiver loses every other baseline");
	report(ss.dwci_hde_resyncs >= RS_PASSES - 1 &&
	       ss.dwci_hde_resyncs == cs.dwci_hde_resyncs_served &&
	       cs.dwci_hde_resent_records >= ss.dwci_hde_resyncs,
	       "the receiver asked for a resync at each pass after the first, the sender served each");
	close(cfd);
	n = recv_rec(sfd, &key, got, sizeof(got), 0, NULL);
	report(n == 0, "then the end of records: recv returns 0");
	close(sfd);
	close(lfd);
	return failed;
}

/* --- vmmem rounds ---------------------------------------------------------- */

static int server(int port, const char *dir, int check)
{
	struct dwcp_conn_info ci;
	struct vmmem m;
	uint8_t *image, *buf = malloc(DWCP_HDE_MAX_RECORD);
	int lfd, fd, round = 0, bad = 0;
	char sha[65];
	double t0;
	uint64_t key;
	ssize_t n;

	if (vmmem_load_manifest(&m, dir))
		return 2;
	image = calloc(m.pages, PAGE);
	lfd = listen_on(port, SOCK_SEQPACKET);
	printf("listening\n");
	fflush(stdout);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0 || !image || !buf)
		return 2;
	t0 = now();
	while ((n = recv_rec(fd, &key, buf, DWCP_HDE_MAX_RECORD, 0, NULL)) > 0) {
		if (key == ROUND_KEY) {
			const char *want = round ? m.round[round - 1].sha256_after : m.base_sha256;

			if (!check) {
				printf("round %d: arrived %.3f s after accept\n", round,
				       now() - t0);
				round++;
				continue;
			}
			vmmem_sha256(image, m.pages * PAGE, sha);
			printf("round %d: %s, %.3f s after accept\n", round,
			       strcmp(sha, want) ? "MISMATCH" : "sha256 ok", now() - t0);
			fflush(stdout);
			bad |= !!strcmp(sha, want);
			round++;
			continue;
		}
		if (key >= m.pages || n != PAGE) {
			printf("bad record: key %llu, %zd bytes\n", (unsigned long long)key, n);
			return 1;
		}
		memcpy(image + key * PAGE, buf, PAGE);
	}
	if (n < 0)
		perror("dwcp-records: recv");
	get_info(fd, &ci);
	printf("received %d rounds; resyncs asked %llu, stale chunks %llu\n", round,
	       (unsigned long long)ci.dwci_hde_resyncs,
	       (unsigned long long)ci.dwci_hde_stale);
	bad |= n < 0 || round != m.rounds + 1;
	vmmem_free(&m);
	return bad;
}

static int client(const char *host, int port, const char *dir, int streams,
		  int codec, long long store)
{
	struct dwcp_conn_info ci;
	struct vmmem m;
	char mark[32];
	int fd, k;
	size_t i;

	if (vmmem_load(&m, dir))
		return 2;
	fd = connect_to(host, port, SOCK_SEQPACKET, streams, codec, store);
	if (fd < 0) {
		perror("dwcp-records: connect");
		return 2;
	}
	for (k = 0; k <= m.rounds; k++) {
		size_t n = k ? m.round[k - 1].count : m.pages;

		for (i = 0; i < n; i++) {
			uint64_t key = k ? m.round[k - 1].index[i] : i;
			const uint8_t *p = k ? m.round[k - 1].pages + i * PAGE :
					       m.base + i * PAGE;

			if (send_rec(fd, key, p, PAGE, 0, 1) != PAGE) {
				perror("dwcp-records: send");
				return 1;
			}
		}
		snprintf(mark, sizeof(mark), "round %d", k);
		send_rec(fd, ROUND_KEY, mark, strlen(mark), 0, 1);
		printf("sent round %d (%zu pages)\n", k, n);
		fflush(stdout);
	}
	/* The figures once the receiver is done: resyncs may come until then. */
	if (shutdown(fd, SHUT_WR) || recv(fd, mark, sizeof(mark), 0) != 0) {
		perror("dwcp-records: waiting for the end");
		return 1;
	}
	get_info(fd, &ci);
	printf("records %llu, content bytes %llu, chunk bytes %llu, chunks %llu\n",
	       (unsigned long long)ci.dwci_rec_sent,
	       (unsigned long long)ci.dwci_rec_bytes_sent,
	       (unsigned long long)ci.dwci_hde_chunk_bytes_sent,
	       (unsigned long long)ci.dwci_hde_chunks_sent);
	printf("kinds raw %llu zero %llu same %llu dup %llu delta %llu; store %llu of %llu, evictions %llu\n",
	       (unsigned long long)ci.dwci_hde_kind[1], (unsigned long long)ci.dwci_hde_kind[2],
	       (unsigned long long)ci.dwci_hde_kind[3], (unsigned long long)ci.dwci_hde_kind[4],
	       (unsigned long long)ci.dwci_hde_kind[5],
	       (unsigned long long)ci.dwci_hde_store_bytes,
	       (unsigned long long)ci.dwci_hde_store_limit,
	       (unsigned long long)ci.dwci_hde_evictions);
	printf("resyncs served %llu, records sent again %llu, history %llu bytes\n",
	       (unsigned long long)ci.dwci_hde_resyncs_served,
	       (unsigned long long)ci.dwci_hde_resent_records,
	       (unsigned long long)ci.dwci_hde_history_bytes);
	printf("chunks by codec: none %u zstd1 %u zstd3 %u zstd6 %u (rate %llu B/s); resent frames %llu, stream failures %llu\n",
	       ci.dwci_hde_chunks_by_opt[0], ci.dwci_hde_chunks_by_opt[1],
	       ci.dwci_hde_chunks_by_opt[2], ci.dwci_hde_chunks_by_opt[3],
	       (unsigned long long)ci.dwci_hde_rate,
	       (unsigned long long)ci.dwci_frames_resent,
	       (unsigned long long)ci.dwci_stream_failures);
	close(fd);
	vmmem_free(&m);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "api"))
		return api(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "resync"))
		return resync(atoi(argv[2]));
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "server"))
		return server(atoi(argv[2]), argv[3],
			      argc == 4 || strcmp(argv[4], "nocheck"));
	if (argc >= 5 && argc <= 8 && !strcmp(argv[1], "client"))
		return client(argv[2], atoi(argv[3]), argv[4],
			      argc > 5 ? atoi(argv[5]) : 0,
			      argc > 6 ? atoi(argv[6]) : -2,
			      argc > 7 ? atoll(argv[7]) : -1);
	fprintf(stderr, "usage: dwcp-records api|resync PORT | server PORT DIR [nocheck] |\n"
		"       client HOST PORT DIR [STREAMS [CODEC [STORE]]]\n");
	return 2;
}
