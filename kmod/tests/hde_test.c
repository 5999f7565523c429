// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the HDE codec (round trips, malformed chunks, baseline eviction
 * and resync, version mismatch, codec selection).
 */
#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/random.h>

#include "../hde.h"

#define STORE_LIMIT	(16u << 20)

/* One encoder and one decoder, as the two ends of a session. */
struct pair {
	struct hde_encoder enc;
	struct hde_decoder dec;
	u8 *chunk;
	u8 *got;	/* the last record delivered */
	u32 got_len;
	u64 got_key;
	int delivered;
};

static int pair_res_init(struct kunit_resource *res, void *context)
{
	res->data = context;
	return 0;
}

static void pair_res_free(struct kunit_resource *res)
{
	struct pair *p = res->data;

	hde_encoder_destroy(&p->enc);
	hde_decoder_destroy(&p->dec);
	kvfree(p->chunk);
	kvfree(p->got);
}

static struct pair *pair_new(struct kunit *test, size_t limit)
{
	struct pair *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	bool ok;

	KUNIT_ASSERT_NOT_NULL(test, p);
	ok = !hde_encoder_init(&p->enc, limit) && !hde_decoder_init(&p->dec, limit);
	p->chunk = kvmalloc(DWCP_HDE_CHUNK_HDR_LEN + DWCP_HDE_MAX_PLAIN, GFP_KERNEL);
	p->got = kvmalloc(DWCP_HDE_MAX_RECORD, GFP_KERNEL);
	/* Freed when the case ends, also after a failed assertion. */
	KUNIT_ASSERT_NOT_NULL(test, kunit_alloc_resource(test, pair_res_init,
							 pair_res_free, GFP_KERNEL, p));
	KUNIT_ASSERT_TRUE(test, ok && p->chunk && p->got);
	return p;
}

static int deliver(void *arg, u64 key, const u8 *data, u32 len)
{
	struct pair *p = arg;

	memcpy(p->got, data, len);
	p->got_len = len;
	p->got_key = key;
	p->delivered++;
	return 0;
}

/* Encode one record as a chunk with @opt; returns the chunk's bytes. */
static int encode_one(struct kunit *test, struct pair *p, u64 key,
		      const u8 *data, u32 len, int opt)
{
	int n;

	KUNIT_ASSERT_EQ(test, hde_enc_add(&p->enc, key, data, len), 0);
	n = hde_enc_finish(&p->enc, opt, p->chunk,
			   DWCP_HDE_CHUNK_HDR_LEN + DWCP_HDE_MAX_PLAIN);
	KUNIT_ASSERT_GT(test, n, 0);
	return n;
}

/* Send one record through both ends; it must come out intact. */
static void roundtrip(struct kunit *test, struct pair *p, u64 key,
		      const u8 *data, u32 len, int opt)
{
	int n = encode_one(test, p, key, data, len, opt);

	KUNIT_ASSERT_EQ(test, hde_dec_chunk(&p->dec, p->chunk, n, deliver, p), 0);
	KUNIT_EXPECT_EQ(test, p->got_key, key);
	KUNIT_ASSERT_EQ(test, p->got_len, len);
	KUNIT_EXPECT_EQ(test, memcmp(p->got, data, len), 0);
}

static u8 *buf(struct kunit *test, u32 len)
{
	u8 *b = kvmalloc(len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	return b;
}

/* Every kind, at lengths from 1 byte to 1 MiB, with and without zstd. */
static void roundtrip_kinds_and_lengths(struct kunit *test)
{
	static const u32 lens[] = { 1, 7, 13, 4096, 65537, DWCP_HDE_MAX_RECORD };
	struct pair *p = pair_new(test, 4 * DWCP_HDE_MAX_RECORD + STORE_LIMIT);
	u8 *a = buf(test, DWCP_HDE_MAX_RECORD), *b = buf(test, DWCP_HDE_MAX_RECORD);
	struct rnd_state rnd;
	int i, opt;

	prandom_seed_state(&rnd, 42);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		u32 len = lens[i], j;

		opt = i % 2 ? HDE_OPT_ZSTD1 : HDE_OPT_NONE;
		prandom_bytes_state(&rnd, a, len);
		roundtrip(test, p, i, a, len, opt);		/* RAW */
		roundtrip(test, p, i, a, len, opt);		/* SAME */
		memcpy(b, a, len);
		for (j = 0; j < len; j += 997)
			b[j] ^= 0x5a;
		roundtrip(test, p, i, b, len, opt);		/* DELTA */
		for (j = 0; j < len; j++)
			b[j] = ~b[j];
		roundtrip(test, p, i, b, len, opt);		/* RAW again */
		roundtrip(test, p, 100 + i, b, len, opt);	/* DUP */
		memset(b, 0, len);
		roundtrip(test, p, i, b, len, opt);		/* ZERO */
		b[len / 2] = 1;
		roundtrip(test, p, i, b, len, opt);		/* DELTA on zeros */
	}
	KUNIT_EXPECT_EQ(test, p->enc.stats.records[DWCP_HDE_SAME], 6ULL);
	KUNIT_EXPECT_EQ(test, p->enc.stats.records[DWCP_HDE_ZERO], 6ULL);
	KUNIT_EXPECT_GE(test, p->enc.stats.records[DWCP_HDE_DELTA], 4ULL);
	KUNIT_EXPECT_GE(test, p->enc.stats.records[DWCP_HDE_DUP], 4ULL);
	KUNIT_EXPECT_EQ(test, p->dec.stats.stale, 0ULL);
	KUNIT_EXPECT_EQ(test, p->dec.store.count, p->enc.store.count);
	KUNIT_EXPECT_EQ(test, p->dec.store.bytes, p->enc.store.bytes);
	kvfree(a);
	kvfree(b);
}

/* A few bytes changed in a page cost a few bytes, not a page. */
static void sparse_change_is_small(struct kunit *test)
{
	struct pair *p = pair_new(test, STORE_LIMIT);
	u8 *a = buf(test, 4096), *b = buf(test, 4096);
	int n;

	get_random_bytes(a, 4096);
	memcpy(b, a, 4096);
	b[100] ^= 1;
	b[3000] ^= 0xff;
	roundtrip(test, p, 7, a, 4096, HDE_OPT_NONE);

	n = encode_one(test, p, 7, b, 4096, HDE_OPT_NONE);

	KUNIT_EXPECT_LT(test, n, 48);
	KUNIT_EXPECT_EQ(test, hde_dec_chunk(&p->dec, p->chunk, n, deliver, p), 0);
	KUNIT_EXPECT_EQ(test, memcmp(p->got, b, 4096), 0);
	kvfree(a);
	kvfree(b);
}

/* Many records in one chunk come out in order. */
static void many_records_one_chunk(struct kunit *test)
{
	struct pair *p = pair_new(test, STORE_LIMIT);
	u8 page[256];
	int i, n;

	for (i = 0; i < 200; i++) {
		memset(page, i, sizeof(page));
		KUNIT_ASSERT_EQ(test, hde_enc_add(&p->enc, 1000 - i, page, sizeof(page)), 0);
	}
	n = hde_enc_finish(&p->enc, HDE_OPT_ZSTD3, p->chunk,
			   hde_chunk_bound(&p->enc));

	KUNIT_ASSERT_GT(test, n, 0);
	KUNIT_EXPECT_EQ(test, hde_dec_chunk(&p->dec, p->chunk, n, deliver, p), 0);
	KUNIT_EXPECT_EQ(test, p->delivered, 200);
	KUNIT_EXPECT_EQ(test, p->got_key, 801ULL);
	KUNIT_EXPECT_EQ(test, p->got[0], (u8)199);
}

/* A chunk with one byte changed in @at: rejected, the store untouched. */
static void expect_rejected(struct kunit *test, struct pair *p, const u8 *good,
			    int n, u32 at, u8 val)
{
	u8 *bad = buf(test, n);
	u32 count = p->dec.store.count;

	memcpy(bad, good, n);
	bad[at] = val;
	KUNIT_EXPECT_EQ_MSG(test, hde_dec_chunk(&p->dec, bad, n, deliver, p),
			    -EBADMSG, "byte %u = 0x%02x", at, val);
	KUNIT_EXPECT_EQ(test, p->dec.store.count, count);
	kvfree(bad);
}

static void malformed_chunks_rejected(struct kunit *test)
{
	struct pair *p = pair_new(test, STORE_LIMIT);
	u8 a[64], b[64], *good;
	int n, plain, i;

	memset(a, 'a', sizeof(a));
	memcpy(b, a, sizeof(b));
	b[10] = 'b';
	roundtrip(test, p, 1, a, sizeof(a), HDE_OPT_NONE);
	n = encode_one(test, p, 1, b, sizeof(b), HDE_OPT_NONE);	/* DELTA */
	good = buf(test, n);
	memcpy(good, p->chunk, n);
	plain = n - DWCP_HDE_CHUNK_HDR_LEN;

	expect_rejected(test, p, good, n, 0, 7);		/* unknown comp */
	expect_rejected(test, p, good, n, 0, DWCP_HDE_COMP_ZSTD); /* not zstd */
	expect_rejected(test, p, good, n, 3, 0);		/* nrec 0 */
	expect_rejected(test, p, good, n, 3, 2);		/* nrec too big */
	expect_rejected(test, p, good, n, 7, plain + 1);	/* plain_len */
	expect_rejected(test, p, good, n, 11, plain - 1);	/* enc_len */
	expect_rejected(test, p, good, n, 4, 0x10);		/* plain > max */
	/*
	 * plain: hdrs_len, runs_len, the 8-byte check, then the columns of
	 * the one record: kind DELTA, key, version, len, run table bytes
	 */
	expect_rejected(test, p, good, n, 12, good[12] + 1);	/* hdrs_len */
	expect_rejected(test, p, good, n, 13, good[13] + 1);	/* runs_len */
	expect_rejected(test, p, good, n, 22, 9);		/* kind */
	expect_rejected(test, p, good, n, 22, DWCP_HDE_RAW);	/* lits short */
	expect_rejected(test, p, good, n, 23, 0x80);		/* key ULEB cut */
	expect_rejected(test, p, good, n, 25, 0x80);		/* len ULEB cut */
	expect_rejected(test, p, good, n, 26, good[26] + 1);	/* runs column */
	/* Truncated anywhere. */
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, hde_dec_chunk(&p->dec, good, i, deliver, p),
				-EBADMSG);
	/* The good chunk still decodes: nothing above changed the store. */
	KUNIT_EXPECT_EQ(test, hde_dec_chunk(&p->dec, good, n, deliver, p), 0);
	KUNIT_EXPECT_EQ(test, memcmp(p->got, b, sizeof(b)), 0);
	kvfree(good);
}

/* Records of one chunk that build on each other: delta, delta, dup. */
static void chunk_records_build_on_each_other(struct kunit *test)
{
	/* Arrange: key 1 known to both ends; then one chunk holding two
	 * deltas of key 1 (the second on the first's version), a DUP of the
	 * result under key 2, and the key once more unchanged (SAME)
	 */
	struct pair *p = pair_new(test, STORE_LIMIT);
	u8 *v1 = buf(test, 4096), *v2 = buf(test, 4096), *v3 = buf(test, 4096);
	int n;

	get_random_bytes(v1, 4096);
	memcpy(v2, v1, 4096);
	v2[10] ^= 0xff;
	memcpy(v3, v2, 4096);
	v3[2000] ^= 0xff;
	roundtrip(test, p, 1, v1, 4096, HDE_OPT_NONE);
	p->enc.stats.records[DWCP_HDE_DELTA] = 0;
	KUNIT_ASSERT_EQ(test, hde_enc_add(&p->enc, 1, v2, 4096), 0);
	KUNIT_ASSERT_EQ(test, hde_enc_add(&p->enc, 1, v3, 4096), 0);
	KUNIT_ASSERT_EQ(test, hde_enc_add(&p->enc, 2, v3, 4096), 0);
	KUNIT_ASSERT_EQ(test, hde_enc_add(&p->enc, 1, v3, 4096), 0);
	n = hde_enc_finish(&p->enc, HDE_OPT_ZSTD1, p->chunk,
			   hde_chunk_bound(&p->enc));
	KUNIT_ASSERT_GT(test, n, 0);
	KUNIT_EXPECT_EQ(test, p->enc.stats.records[DWCP_HDE_DELTA], 2ULL);
	p->delivered = 0;

	/* Act */
	KUNIT_ASSERT_EQ(test, hde_dec_chunk(&p->dec, p->chunk, n, deliver, p),
			0);

	/* Assert: all four delivered, the last one the final content, and
	 * both stores hold version 3 of key 1 and key 2 as a copy
	 */
	KUNIT_EXPECT_EQ(test, p->delivered, 4);
	KUNIT_EXPECT_EQ(test, p->got_key, 1ULL);
	KUNIT_EXPECT_EQ(test, memcmp(p->got, v3, 4096), 0);
	KUNIT_EXPECT_EQ(test, hde_store_find(&p->dec.store, 1)->version, 3U);
	KUNIT_EXPECT_EQ(test, hde_store_find(&p->enc.store, 1)->version, 3U);
	KUNIT_ASSERT_NOT_NULL(test, hde_store_find(&p->dec.store, 2));
	roundtrip(test, p, 2, v3, 4096, HDE_OPT_NONE);	/* SAME: it matches */
}

/* A chunk whose check does not match delivers none of its records. */
static void chunk_check_mismatch_delivers_nothing(struct kunit *test)
{
	/* Arrange: key 1 known to both ends, then a chunk of a DELTA of key
	 * 1 and a new key 2, its check corrupted
	 */
	struct pair *p = pair_new(test, STORE_LIMIT);
	u8 a[64], b[64], c[64];
	int n;

	memset(a, 'a', sizeof(a));
	memcpy(b, a, sizeof(b));
	b[10] = 'b';
	memset(c, 'c', sizeof(c));
	roundtrip(test, p, 1, a, sizeof(a), HDE_OPT_NONE);
	KUNIT_ASSERT_EQ(test, hde_enc_add(&p->enc, 1, b, sizeof(b)), 0);
	KUNIT_ASSERT_EQ(test, hde_enc_add(&p->enc, 2, c, sizeof(c)), 0);
	n = hde_enc_finish(&p->enc, HDE_OPT_NONE, p->chunk,
			   hde_chunk_bound(&p->enc));
	KUNIT_ASSERT_GT(test, n, 0);
	p->chunk[DWCP_HDE_CHUNK_HDR_LEN + 2] ^= 1;	/* a check byte */
	p->delivered = 0;

	/* Act */
	KUNIT_EXPECT_EQ(test, hde_dec_chunk(&p->dec, p->chunk, n, deliver, p),
			-ESTALE);

	/* Assert: nothing delivered, the rebuilt record named */
	KUNIT_EXPECT_EQ(test, p->delivered, 0);
	KUNIT_EXPECT_EQ(test, p->dec.stale_key, 1ULL);
}

/* Runs that leave the content or want missing literals are refused. */
static void delta_runs_bounded(struct kunit *test)
{
	u8 out[16] = { 0 }, lits[4] = { 1, 2, 3, 4 };
	static const u8 past_end[] = { 14, 3 };		/* skip 14, copy 3 > 16 */
	static const u8 no_copy[] = { 0, 0 };
	static const u8 overlong[] = { 0x80, 0x00, 1 };
	static const u8 too_many_lits[] = { 0, 5 };
	static const u8 ok[] = { 2, 2, 10, 2 };

	KUNIT_EXPECT_EQ(test, hde_delta_apply(past_end, 2, lits, 4, 16, out), -EBADMSG);
	KUNIT_EXPECT_EQ(test, hde_delta_apply(no_copy, 2, lits, 4, 16, out), -EBADMSG);
	KUNIT_EXPECT_EQ(test, hde_delta_apply(overlong, 3, lits, 4, 16, out), -EBADMSG);
	KUNIT_EXPECT_EQ(test, hde_delta_apply(too_many_lits, 2, lits, 4, 16, out), -EBADMSG);
	KUNIT_EXPECT_EQ(test, hde_delta_apply(ok, 4, lits, 4, 16, out), 4);
	KUNIT_EXPECT_EQ(test, out[2], 1);
	KUNIT_EXPECT_EQ(test, out[15], 4);
}

/* Both ends evict the same baselines; an evicted key comes back whole. */
static void eviction_is_mirrored(struct kunit *test)
{
	size_t one = sizeof(struct hde_base) + 4096;
	struct pair *p = pair_new(test, 3 * one);
	u8 *a = buf(test, 4096);
	u64 key;

	get_random_bytes(a, 4096);
	for (key = 1; key <= 5; key++) {
		a[0] = (u8)key;
		roundtrip(test, p, key, a, 4096, HDE_OPT_NONE);
	}
	KUNIT_EXPECT_EQ(test, p->enc.store.count, 3U);
	KUNIT_EXPECT_EQ(test, p->dec.store.count, 3U);
	KUNIT_EXPECT_EQ(test, p->enc.store.evictions, 2ULL);
	KUNIT_EXPECT_EQ(test, p->dec.store.evictions, 2ULL);
	KUNIT_EXPECT_NULL(test, hde_store_find(&p->dec.store, 1));
	KUNIT_EXPECT_NOT_NULL(test, hde_store_find(&p->dec.store, 5));

	a[0] = 1;
	a[1] ^= 1;
	roundtrip(test, p, 1, a, 4096, HDE_OPT_NONE);

	KUNIT_EXPECT_EQ(test, p->enc.stats.records[DWCP_HDE_RAW], 6ULL);
	KUNIT_EXPECT_EQ(test, p->dec.stats.stale, 0ULL);
	kvfree(a);
}

/* Two versions of a record: @a all 'x', @b the same but for one byte. */
static void one_byte_apart(u8 *a, u8 *b, size_t len)
{
	memset(a, 'x', len);
	memcpy(b, a, len);
	b[5] = 'y';
}

/* A receiver without the baseline refuses the delta and names the key. */
static void missing_baseline_is_stale(struct kunit *test)
{
	struct pair *p = pair_new(test, STORE_LIMIT);
	u8 a[512], b[512];
	int n;

	one_byte_apart(a, b, sizeof(a));
	encode_one(test, p, 42, a, sizeof(a), HDE_OPT_NONE);	/* lost */
	n = encode_one(test, p, 42, b, sizeof(b), HDE_OPT_NONE);

	KUNIT_EXPECT_EQ(test, hde_dec_chunk(&p->dec, p->chunk, n, deliver, p), -ESTALE);
	KUNIT_EXPECT_EQ(test, p->dec.stale_key, 42ULL);
	KUNIT_EXPECT_EQ(test, p->delivered, 0);
	KUNIT_EXPECT_EQ(test, p->dec.stats.stale, 1ULL);
}

/* A baseline of another version is not used, even with equal length. */
static void version_mismatch_is_stale(struct kunit *test)
{
	struct pair *p = pair_new(test, STORE_LIMIT);
	struct pair *q = pair_new(test, STORE_LIMIT);
	u8 a[512], b[512];
	int n;

	one_byte_apart(a, b, sizeof(a));
	/* p's receiver holds version 1 of key 9; q's sender is at version 2. */
	roundtrip(test, p, 9, a, sizeof(a), HDE_OPT_NONE);
	encode_one(test, q, 9, a, sizeof(a), HDE_OPT_NONE);
	encode_one(test, q, 9, b, sizeof(b), HDE_OPT_NONE);
	a[7] = 'z';
	n = encode_one(test, q, 9, a, sizeof(a), HDE_OPT_NONE);	/* DELTA on v2 */

	KUNIT_EXPECT_EQ(test, hde_dec_chunk(&p->dec, q->chunk, n, deliver, p), -ESTALE);
	KUNIT_EXPECT_EQ(test, p->dec.stale_key, 9ULL);
	KUNIT_EXPECT_EQ(test, hde_store_find(&p->dec.store, 9)->version, 1U);
}

/*
 * A receiver whose store failed to keep a baseline refuses the next delta;
 * after a resync (both stores emptied) the record comes through whole.
 */
static void resync_after_a_failed_store(struct kunit *test)
{
	struct pair *p = pair_new(test, STORE_LIMIT);
	u8 a[512], b[512];
	int n;

	one_byte_apart(a, b, sizeof(a));
	p->dec.store.fault_every = 1;
	roundtrip(test, p, 42, a, sizeof(a), HDE_OPT_NONE);
	p->dec.store.fault_every = 0;
	n = encode_one(test, p, 42, b, sizeof(b), HDE_OPT_NONE);
	KUNIT_ASSERT_EQ(test, hde_dec_chunk(&p->dec, p->chunk, n, deliver, p),
			-ESTALE);

	hde_store_clear(&p->dec.store);
	hde_encoder_reset(&p->enc);
	roundtrip(test, p, 42, b, sizeof(b), HDE_OPT_ZSTD1);

	KUNIT_EXPECT_EQ(test, p->dec.store.alloc_failures, 1ULL);
	KUNIT_EXPECT_EQ(test, p->enc.stats.records[DWCP_HDE_RAW], 2ULL);
	KUNIT_EXPECT_EQ(test, p->enc.stats.records[DWCP_HDE_DELTA], 1ULL);
	KUNIT_EXPECT_EQ(test, hde_store_find(&p->dec.store, 42)->version,
			hde_store_find(&p->enc.store, 42)->version);
	KUNIT_EXPECT_EQ(test, p->dec.store.count, 1U);
}

/* A reset drops the chunk being built and every baseline, not the limit. */
static void encoder_reset_starts_empty(struct kunit *test)
{
	struct pair *p = pair_new(test, STORE_LIMIT);
	u64 dups;
	u8 a[256];
	int key;

	memset(a, 'q', sizeof(a));
	for (key = 1; key <= 3; key++)
		KUNIT_ASSERT_EQ(test, hde_enc_add(&p->enc, key, a, sizeof(a)), 0);

	hde_encoder_reset(&p->enc);

	KUNIT_EXPECT_EQ(test, hde_enc_finish(&p->enc, HDE_OPT_NONE, p->chunk,
					     DWCP_HDE_CHUNK_HDR_LEN +
					     DWCP_HDE_MAX_PLAIN), 0);
	KUNIT_EXPECT_EQ(test, p->enc.store.count, 0U);
	KUNIT_EXPECT_EQ(test, p->enc.store.bytes, (size_t)0);
	KUNIT_EXPECT_NULL(test, hde_store_find(&p->enc.store, 1));
	KUNIT_EXPECT_EQ(test, p->enc.store.limit, (size_t)STORE_LIMIT);
	/* and it works on: the same content is not a DUP of a lost baseline */
	dups = p->enc.stats.records[DWCP_HDE_DUP];
	roundtrip(test, p, 7, a, sizeof(a), HDE_OPT_NONE);
	KUNIT_EXPECT_EQ(test, p->enc.stats.records[DWCP_HDE_DUP], dups);
	KUNIT_EXPECT_EQ(test, p->dec.stats.stale, 0ULL);
}

/*
 * A selector that probed once and measured, per option (ratio, cost): none
 * 100 % free; zstd 1 30 % 1 us/KiB; zstd 3 27 % 3 us/KiB; zstd 6 20 %
 * 10 us/KiB.
 */
static void selector_measured(struct kunit *test, struct hde_selector *sel)
{
	int i;

	hde_selector_init(sel);
	KUNIT_EXPECT_EQ(test, hde_select(sel, 0), HDE_PROBE);
	for (i = 0; i < 4; i++) {
		hde_selector_feed(sel, HDE_OPT_NONE, 1024, 1024, 0);
		hde_selector_feed(sel, HDE_OPT_ZSTD1, 1024, 307, 1000);
		hde_selector_feed(sel, HDE_OPT_ZSTD3, 1024, 280, 3000);
		hde_selector_feed(sel, HDE_OPT_ZSTD6, 1024, 205, 10000);
	}
}

/* Slow links buy the best ratio, fast links the cheapest encoding. */
static void selector_follows_the_link(struct kunit *test)
{
	struct hde_selector sel;

	selector_measured(test, &sel);

	KUNIT_EXPECT_EQ(test, hde_select(&sel, 25000000), HDE_OPT_ZSTD6);	/* 200 Mbit/s */
	KUNIT_EXPECT_EQ(test, hde_select(&sel, 300000000), HDE_OPT_ZSTD1);	/* 2.4 Gbit/s */
	KUNIT_EXPECT_EQ(test, hde_select(&sel, 12500000000ULL), HDE_OPT_NONE); /* 100 Gbit/s */
	sel.fixed = HDE_OPT_ZSTD3;
	KUNIT_EXPECT_EQ(test, hde_select(&sel, 25000000), HDE_OPT_ZSTD3);
}

/* A mode's cap bounds the measured choice, never a policy's fixed one. */
static void selector_keeps_within_the_modes_cap(struct kunit *test)
{
	/* Arrange: figures under which a 200 Mbit/s link wants zstd 6 */
	struct hde_selector sel;

	selector_measured(test, &sel);

	/* Act, Assert: hybrid's cap, then datacenter's, then none */
	hde_selector_set_max(&sel, HDE_OPT_ZSTD3);
	KUNIT_EXPECT_EQ(test, hde_select(&sel, 25000000), HDE_OPT_ZSTD3);
	hde_selector_set_max(&sel, HDE_OPT_ZSTD1);
	KUNIT_EXPECT_EQ(test, hde_select(&sel, 25000000), HDE_OPT_ZSTD1);
	/* still none where even zstd 1 does not pay */
	KUNIT_EXPECT_EQ(test, hde_select(&sel, 12500000000ULL), HDE_OPT_NONE);
	hde_selector_set_max(&sel, HDE_NR_OPTS - 1);
	KUNIT_EXPECT_EQ(test, hde_select(&sel, 25000000), HDE_OPT_ZSTD6);

	/* Act, Assert: out-of-range caps are clamped (compression stays
	 * possible), and a policy's fixed option passes any cap
	 */
	hde_selector_set_max(&sel, -5);
	KUNIT_EXPECT_EQ(test, sel.max_opt, HDE_OPT_ZSTD1);
	hde_selector_set_max(&sel, 99);
	KUNIT_EXPECT_EQ(test, sel.max_opt, HDE_NR_OPTS - 1);
	hde_selector_set_max(&sel, HDE_OPT_ZSTD1);
	sel.fixed = HDE_OPT_ZSTD6;
	KUNIT_EXPECT_EQ(test, hde_select(&sel, 25000000), HDE_OPT_ZSTD6);
}

/*
 * A chunk of one compressible record, probed with the options up to
 * @max_opt; it must decode to the record.  Returns the probing pair.
 */
static struct pair *probe_text(struct kunit *test, int max_opt)
{
	struct pair *p = pair_new(test, STORE_LIMIT);
	u8 text[4096];
	int i, n;

	for (i = 0; i < sizeof(text); i++)
		text[i] = "redis value "[i % 12];
	KUNIT_ASSERT_EQ(test, hde_enc_add(&p->enc, 1, text, sizeof(text)), 0);
	hde_selector_set_max(&p->enc.sel, max_opt);

	n = hde_enc_finish(&p->enc, HDE_PROBE, p->chunk, hde_chunk_bound(&p->enc));

	KUNIT_ASSERT_GT(test, n, 0);
	KUNIT_EXPECT_EQ(test, p->chunk[0], DWCP_HDE_COMP_ZSTD);
	KUNIT_EXPECT_EQ(test, hde_dec_chunk(&p->dec, p->chunk, n, deliver, p), 0);
	KUNIT_EXPECT_EQ(test, memcmp(p->got, text, sizeof(text)), 0);
	return p;
}

/* A probe chunk is encoded with the smallest option and feeds them all. */
static void probe_measures_every_option(struct kunit *test)
{
	struct pair *p = probe_text(test, HDE_NR_OPTS - 1);
	int i;

	for (i = 0; i < HDE_NR_OPTS; i++)
		KUNIT_EXPECT_EQ(test, p->enc.sel.opt[i].chunks, 1ULL);
}

/* A probe under a cap tries only the options within it. */
static void probe_stays_within_the_cap(struct kunit *test)
{
	struct pair *p = probe_text(test, HDE_OPT_ZSTD1);

	KUNIT_EXPECT_EQ(test, p->enc.sel.opt[HDE_OPT_NONE].chunks, 1ULL);
	KUNIT_EXPECT_EQ(test, p->enc.sel.opt[HDE_OPT_ZSTD1].chunks, 1ULL);
	KUNIT_EXPECT_EQ(test, p->enc.sel.opt[HDE_OPT_ZSTD3].chunks, 0ULL);
	KUNIT_EXPECT_EQ(test, p->enc.sel.opt[HDE_OPT_ZSTD6].chunks, 0ULL);
}

static void bad_lengths_refused(struct kunit *test)
{
	struct pair *p = pair_new(test, STORE_LIMIT);
	u8 a[8] = { 0 };

	KUNIT_EXPECT_EQ(test, hde_enc_add(&p->enc, 1, a, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, hde_enc_add(&p->enc, 1, a, DWCP_HDE_MAX_RECORD + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, hde_enc_finish(&p->enc, HDE_OPT_NONE, p->chunk, 64), 0);
	KUNIT_EXPECT_EQ(test, hde_enc_add(&p->enc, 1, a, 8), 0);
	KUNIT_EXPECT_EQ(test, hde_enc_finish(&p->enc, HDE_OPT_NONE, p->chunk, 4), -ENOSPC);
	KUNIT_EXPECT_EQ(test, hde_enc_finish(&p->enc, -1, p->chunk, 64), -EINVAL);
}

static struct kunit_case hde_cases[] = {
	KUNIT_CASE(roundtrip_kinds_and_lengths),
	KUNIT_CASE(sparse_change_is_small),
	KUNIT_CASE(many_records_one_chunk),
	KUNIT_CASE(malformed_chunks_rejected),
	KUNIT_CASE(chunk_check_mismatch_delivers_nothing),
	KUNIT_CASE(chunk_records_build_on_each_other),
	KUNIT_CASE(delta_runs_bounded),
	KUNIT_CASE(eviction_is_mirrored),
	KUNIT_CASE(missing_baseline_is_stale),
	KUNIT_CASE(version_mismatch_is_stale),
	KUNIT_CASE(resync_after_a_failed_store),
	KUNIT_CASE(encoder_reset_starts_empty),
	KUNIT_CASE(selector_follows_the_link),
	KUNIT_CASE(selector_keeps_within_the_modes_cap),
	KUNIT_CASE(probe_stays_within_the_cap),
	KUNIT_CASE(probe_measures_every_option),
	KUNIT_CASE(bad_lengths_refused),
	{}
};

static struct kunit_suite hde_suite = {
	.name = "dwcp_hde",
	.test_cases = hde_cases,
};

kunit_test_suite(hde_suite);
