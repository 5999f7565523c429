// SPDX-License-Identifier: GPL-2.0
/*
 * Pre-copy rounds of a vmmem data set through the HDE codec (kmod/hde.c,
 * built in userspace): the sender encodes each round's pages as keyed
 * records, the receiver decodes them onto its copy of guest memory.
 *
 *   hde-vmmem check DIR   every round reconstructs to the manifest's
 *                         SHA-256 (TAP lines; exit 1 on a mismatch)
 *   hde-vmmem bench DIR   bytes per round against raw, zstd -1 alone and
 *                         XBZRLE + zstd -1, and encode/decode speed
 *
 * Options: -c BYTES  plain bytes per chunk (default 262144)
 *          -r BYTES/S link rate the codec selector assumes (default 25e6,
 *                    200 Mbit/s)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hde.h"
#include "vmmem.h"

#define PAGE VMMEM_PAGE
#define OPT_SELECT (-1)

static size_t chunk_target = 256 << 10;
static uint64_t link_rate = 25000000;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct run {
	struct hde_encoder enc;
	struct hde_decoder dec;
	uint8_t *image;		/* the receiver's guest memory */
	uint8_t *wire;		/* one round's chunks */
	size_t wire_cap;
	size_t wire_len;
	int opt;		/* enum hde_opt, or OPT_SELECT */
	double enc_s;
	double dec_s;
};

static int run_init(struct run *r, const struct vmmem *m, int opt)
{
	size_t limit = m->pages * (PAGE + 128);

	memset(r, 0, sizeof(*r));
	r->opt = opt;
	r->image = calloc(m->pages, PAGE);
	r->wire_cap = m->pages * (PAGE + 64) + (64 << 20);
	r->wire = malloc(r->wire_cap);
	if (!r->image || !r->wire || hde_encoder_init(&r->enc, limit) ||
	    hde_decoder_init(&r->dec, limit)) {
		fprintf(stderr, "hde-vmmem: out of memory\n");
		return -1;
	}
	return 0;
}

static void run_free(struct run *r)
{
	hde_encoder_destroy(&r->enc);
	hde_decoder_destroy(&r->dec);
	free(r->image);
	free(r->wire);
}

static int flush(struct run *r)
{
	int opt = r->opt == OPT_SELECT ? hde_select(&r->enc.sel, link_rate) : r->opt;
	int n;


	if (!r->enc.nrec)
		return 0;
	if (r->wire_cap - r->wire_len < hde_chunk_bound(&r->enc))
		return -1;
	n = hde_enc_finish(&r->enc, opt, r->wire + r->wire_len, r->wire_cap - r->wire_len);
	if (n < 0)
		return -1;
	r->wire_len += n;
	return 0;
}

static int send_page(struct run *r, uint64_t key, const uint8_t *page)
{
	if ((r->enc.plain_len >= chunk_target || !hde_enc_room(&r->enc, PAGE)) && flush(r))
		return -1;
	return hde_enc_add(&r->enc, key, page, PAGE);
}

static int deliver(void *arg, u64 key, const u8 *data, u32 len)
{
	struct run *r = arg;

	memcpy(r->image + key * PAGE, data, len);
	return 0;
}

/* Decode every chunk of the round; returns records or -1. */
static int receive(struct run *r)
{
	size_t off = 0;

	while (off < r->wire_len) {
		const uint8_t *c = r->wire + off;
		size_t len = DWCP_HDE_CHUNK_HDR_LEN +
			     ((size_t)c[8] << 24 | c[9] << 16 | c[10] << 8 | c[11]);
		int err = hde_dec_chunk(&r->dec, c, len, deliver, r);

		if (err) {
			fprintf(stderr, "hde-vmmem: chunk at %zu: error %d\n", off, err);
			return -1;
		}
		off += len;
	}
	return 0;
}

/* Round @k (0 = base) through the codec; wire bytes in r->wire_len. */
static int run_round(struct run *r, const struct vmmem *m, int k)
{
	const struct vmmem_round *rd = k ? &m->round[k - 1] : NULL;
	size_t i, n = k ? rd->count : m->pages;
	double t0;

	r->wire_len = 0;
	t0 = now();
	for (i = 0; i < n; i++) {
		uint64_t key = k ? rd->index[i] : i;
		const uint8_t *page = k ? rd->pages + i * PAGE : m->base + i * PAGE;

		if (send_page(r, key, page))
			return -1;
	}
	if (flush(r))
		return -1;
	r->enc_s = now() - t0;
	t0 = now();
	if (receive(r))
		return -1;
	r->dec_s = now() - t0;
	return 0;
}

static int check(const struct vmmem *m)
{
	struct run r;
	char sha[65];
	int k, failed = 0;

	if (run_init(&r, m, OPT_SELECT))
		return 1;
	for (k = 0; k <= m->rounds; k++) {
		const char *want = k ? m->round[k - 1].sha256_after : m->base_sha256;
		int err = run_round(&r, m, k);

		if (!err)
			vmmem_sha256(r.image, m->pages * PAGE, sha);
		if (err || strcmp(sha, want)) {
			printf("not ok - hde: round %d reconstructs to the manifest's sha256\n", k);
			failed = 1;
		} else {
			printf("ok - hde: round %d reconstructs to the manifest's sha256 (%zu bytes on the wire)\n",
			       k, r.wire_len);
		}
	}
	run_free(&r);
	return failed;
}

/* --- Baselines ------------------------------------------------------------- */

/* QEMU's XBZRLE (migration/xbzrle.c, from its description): byte-exact
 * zero runs and non-zero runs as ULEB128, literal new bytes; -1 when the
 * encoding would not be smaller than a page.
 */
static int xbzrle_encode(const uint8_t *old, const uint8_t *cur, int len, uint8_t *out)
{
	int i = 0, o = 0, zrun, nzrun, start;

	while (i < len) {
		for (start = i; i < len && old[i] == cur[i]; i++)
			;
		if (i == len)
			break;
		zrun = i - start;
		for (start = i; i < len && old[i] != cur[i]; i++)
			;
		nzrun = i - start;
		if (o + 10 + nzrun > len)
			return -1;
		for (; zrun >= 0x80; zrun >>= 7)
			out[o++] = (uint8_t)(zrun | 0x80);
		out[o++] = (uint8_t)zrun;
		for (int v = nzrun; ; v >>= 7) {
			if (v < 0x80) {
				out[o++] = (uint8_t)v;
				break;
			}
			out[o++] = (uint8_t)(v | 0x80);
		}
		memcpy(out + o, cur + start, nzrun);
		o += nzrun;
	}
	return o;
}

static int is_zero(const uint8_t *p)
{
	return !p[0] && !memcmp(p, p + 1, PAGE - 1);
}

/*
 * Bytes on the wire for one round sent as QEMU would with XBZRLE (@delta)
 * or plain pages (!@delta), records in chunks of chunk_target compressed
 * with zstd -1.  A record: page index (8), flag (1), and for a delta its
 * length (2) and bytes, for a page its 4096 bytes; zero pages: flag only.
 * @cache is the sender's copy of the previous round (updated).
 */
static size_t baseline_round(const struct vmmem *m, int k, uint8_t *cache, int delta,
			     double *secs)
{
	const struct vmmem_round *rd = k ? &m->round[k - 1] : NULL;
	size_t i, n = k ? rd->count : m->pages, plain = 0, wire = 0;
	size_t cap = chunk_target + PAGE + 64, zcap = ZSTD_compressBound(cap);
	uint8_t *buf = malloc(cap), *z = malloc(zcap), enc[PAGE];
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	double t0 = now();

	for (i = 0; i <= n; i++) {
		if (plain && (i == n || plain >= chunk_target)) {
			size_t c = ZSTD_compressCCtx(cctx, z, zcap, buf, plain, 1);

			wire += ZSTD_isError(c) || c >= plain ? plain : c;
			plain = 0;
		}
		if (i == n)
			break;
		uint64_t key = k ? rd->index[i] : i;
		const uint8_t *page = k ? rd->pages + i * PAGE : m->base + i * PAGE;
		int e = -1;

		memcpy(buf + plain, &key, 8);
		plain += 9;
		if (is_zero(page)) {
			buf[plain - 1] = 'Z';
		} else {
			if (delta && k)
				e = xbzrle_encode(cache + key * PAGE, page, PAGE, enc);
			if (e >= 0) {
				buf[plain - 1] = 'X';
				buf[plain++] = (uint8_t)(e >> 8);
				buf[plain++] = (uint8_t)e;
				memcpy(buf + plain, enc, e);
				plain += e;
			} else {
				buf[plain - 1] = 'P';
				memcpy(buf + plain, page, PAGE);
				plain += PAGE;
			}
		}
		memcpy(cache + key * PAGE, page, PAGE);
	}
	*secs = now() - t0;
	ZSTD_freeCCtx(cctx);
	free(buf);
	free(z);
	return wire;
}

/* --- Benchmark ------------------------------------------------------------- */

#define NCOLS (3 + HDE_NR_OPTS + 1)

static const char *const col_name[NCOLS] = {
	"raw", "zstd -1", "XBZRLE+zstd -1", "HDE, no zstd", "HDE+zstd 1", "HDE+zstd 3",
	"HDE+zstd 6", "HDE, selected",
};

static double mb(size_t b)
{
	return b / 1048576.0;
}

static int bench(const struct vmmem *m)
{
	size_t bytes[NCOLS][VMMEM_ROUNDS_MAX + 1] = { { 0 } }, total[NCOLS] = { 0 };
	double enc_s[NCOLS] = { 0 }, dec_s[NCOLS] = { 0 }, s;
	size_t dirty_raw = 0;
	uint8_t *cache = malloc(m->pages * PAGE);
	int k, c, rounds = m->rounds;
	struct run r;

	for (k = 0; k <= rounds; k++) {
		size_t n = k ? m->round[k - 1].count : m->pages;

		bytes[0][k] = n * PAGE;
		if (k)
			dirty_raw += n * PAGE;
	}
	for (k = 0; k <= rounds; k++)
		bytes[1][k] = baseline_round(m, k, cache, 0, &s);
	for (k = 0; k <= rounds; k++) {
		bytes[2][k] = baseline_round(m, k, cache, 1, &s);
		if (k)
			enc_s[2] += s;
	}
	for (c = 3; c < NCOLS; c++) {
		int opt = c - 3 < HDE_NR_OPTS ? c - 3 : OPT_SELECT;

		if (run_init(&r, m, opt))
			return 1;
		for (k = 0; k <= rounds; k++) {
			const char *want = k ? m->round[k - 1].sha256_after : m->base_sha256;
			char sha[65];

			if (run_round(&r, m, k))
				return 1;
			vmmem_sha256(r.image, m->pages * PAGE, sha);
			if (strcmp(sha, want)) {
				fprintf(stderr, "hde-vmmem: %s: round %d does not reconstruct to the manifest's sha256\n",
					col_name[c], k);
				return 1;
			}
			bytes[c][k] = r.wire_len;
			if (k) {
				enc_s[c] += r.enc_s;
				dec_s[c] += r.dec_s;
			}
		}
		if (opt == OPT_SELECT) {
			printf("selector at %.0f Mbit/s chose:", link_rate * 8 / 1e6);
			for (k = 0; k < HDE_NR_OPTS; k++)
				printf(" %s %llu chunks;", col_name[3 + k] + 4,
				       (unsigned long long)r.enc.stats.opt_chunks[k]);
			printf("\n");
		}
		run_free(&r);
	}
	free(cache);

	printf("\nBytes on the wire per round (MiB), chunks of %zu KiB plain\n\n| round |", chunk_target >> 10);
	for (c = 0; c < NCOLS; c++)
		printf(" %s |", col_name[c]);
	printf("\n|---|");
	for (c = 0; c < NCOLS; c++)
		printf("---|");
	printf("\n");
	for (k = 0; k <= rounds; k++) {
		printf("| %d%s |", k, k ? "" : " (base)");
		for (c = 0; c < NCOLS; c++) {
			printf(" %.2f |", mb(bytes[c][k]));
			total[c] += bytes[c][k];
		}
		printf("\n");
	}
	printf("| total |");
	for (c = 0; c < NCOLS; c++)
		printf(" %.2f |", mb(total[c]));
	printf("\n| dirty rounds |");
	for (c = 0; c < NCOLS; c++)
		printf(" %.2f |", mb(total[c] - bytes[c][0]));
	printf("\n\n| codec | saving vs raw, total | saving vs raw, dirty rounds | vs XBZRLE+zstd -1, dirty rounds | encode MB/s (dirty rounds, 1 core) | decode MB/s |\n|---|---|---|---|---|---|\n");
	for (c = 1; c < NCOLS; c++) {
		size_t d = total[c] - bytes[c][0], dx = total[2] - bytes[2][0];

		printf("| %s | %.1f %% | %.1f %% | %.3f | ", col_name[c],
		       100.0 * (1 - (double)total[c] / total[0]),
		       100.0 * (1 - (double)d / dirty_raw), (double)d / dx);
		if (enc_s[c] > 0)
			printf("%.0f |", dirty_raw / 1e6 / enc_s[c]);
		else
			printf("- |");
		if (dec_s[c] > 0)
			printf(" %.0f |\n", dirty_raw / 1e6 / dec_s[c]);
		else
			printf(" - |\n");
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct vmmem m;
	int o, rc;

	while ((o = getopt(argc, argv, "c:r:")) != -1) {
		switch (o) {
		case 'c':
			chunk_target = strtoul(optarg, NULL, 0);
			if (chunk_target < PAGE || chunk_target > DWCP_HDE_MAX_PLAIN - PAGE - 64)
				goto usage;
			break;
		case 'r':
			link_rate = (uint64_t)strtod(optarg, NULL);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;
	if (vmmem_load(&m, argv[optind + 1]))
		return 2;
	if (!strcmp(argv[optind], "check"))
		rc = check(&m);
	else if (!strcmp(argv[optind], "bench"))
		rc = bench(&m);
	else
		rc = 2;
	vmmem_free(&m);
	return rc;
usage:
	fprintf(stderr, "usage: hde-vmmem [-c BYTES] [-r BYTES/S] check|bench DIR\n");
	return 2;
}
