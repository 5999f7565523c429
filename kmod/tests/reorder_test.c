// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the reorder buffer and the stream scheduler.
 */
#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include "../dwcp.h"

static struct dwcp_rxbuf *rxbuf(struct kunit *test, u64 seq, u32 len)
{
	struct dwcp_rxbuf *rb = dwcp_rxbuf_alloc(NULL, seq, len);

	KUNIT_ASSERT_NOT_NULL(test, rb);
	memset(rb->data, (u8)seq, len);
	return rb;
}

/* Deliver 64 frames of 100 bytes in a random order, each maybe twice. */
static void random_order_with_duplicates(struct kunit *test)
{
	struct rnd_state rnd;
	struct dwcp_reorder r;
	int order[128], n = 0, i, delivered = 0, dups = 0;
	u64 expect = 0;

	prandom_seed_state(&rnd, 0x5eed);
	for (i = 0; i < 64; i++) {
		order[n++] = i;
		if (prandom_u32_state(&rnd) & 1)
			order[n++] = i;		/* a resend */
	}
	for (i = n - 1; i > 0; i--) {
		int j = prandom_u32_state(&rnd) % (i + 1);

		swap(order[i], order[j]);
	}

	dwcp_reorder_init(&r, 0);
	for (i = 0; i < n; i++) {
		struct dwcp_rxbuf *rb = rxbuf(test, order[i] * 100ULL, 100);
		int err = dwcp_reorder_add(&r, rb);

		if (err == -EEXIST) {
			dups++;
			dwcp_rxbuf_free(rb);
			continue;
		}
		KUNIT_ASSERT_EQ(test, err, 0);
		while ((rb = dwcp_reorder_pop(&r))) {
			KUNIT_EXPECT_EQ(test, rb->seq, expect);
			expect += rb->len;
			delivered++;
			dwcp_rxbuf_free(rb);
		}
	}
	KUNIT_EXPECT_EQ(test, delivered, 64);
	KUNIT_EXPECT_EQ(test, dups, n - 64);
	KUNIT_EXPECT_EQ(test, r.rcv_nxt, 6400ULL);
	KUNIT_EXPECT_EQ(test, r.bytes, 0ULL);
	KUNIT_EXPECT_EQ(test, r.frames, 0U);
}

static void gap_holds_later_frames(struct kunit *test)
{
	struct dwcp_reorder r;

	dwcp_reorder_init(&r, 0);
	KUNIT_ASSERT_EQ(test, dwcp_reorder_add(&r, rxbuf(test, 100, 100)), 0);
	KUNIT_ASSERT_EQ(test, dwcp_reorder_add(&r, rxbuf(test, 300, 50)), 0);
	KUNIT_EXPECT_NULL(test, dwcp_reorder_pop(&r));
	KUNIT_EXPECT_EQ(test, r.bytes, 150ULL);
	KUNIT_EXPECT_EQ(test, r.frames, 2U);
	dwcp_reorder_purge(&r);
	KUNIT_EXPECT_EQ(test, r.bytes, 0ULL);
}

static void old_and_overlapping_frames(struct kunit *test)
{
	struct dwcp_reorder r;
	struct dwcp_rxbuf *rb;

	dwcp_reorder_init(&r, 1000);
	rb = rxbuf(test, 900, 100);		/* already delivered */
	KUNIT_EXPECT_EQ(test, dwcp_reorder_add(&r, rb), -EEXIST);
	dwcp_rxbuf_free(rb);
	rb = rxbuf(test, 950, 100);		/* straddles rcv_nxt */
	KUNIT_EXPECT_EQ(test, dwcp_reorder_add(&r, rb), -EPROTO);
	dwcp_rxbuf_free(rb);
	KUNIT_ASSERT_EQ(test, dwcp_reorder_add(&r, rxbuf(test, 1100, 100)), 0);
	rb = rxbuf(test, 1100, 50);		/* same start, other length */
	KUNIT_EXPECT_EQ(test, dwcp_reorder_add(&r, rb), -EPROTO);
	dwcp_rxbuf_free(rb);
	rb = rxbuf(test, 1150, 100);		/* overlaps the tail */
	KUNIT_EXPECT_EQ(test, dwcp_reorder_add(&r, rb), -EPROTO);
	dwcp_rxbuf_free(rb);
	rb = rxbuf(test, 1050, 100);		/* overlaps the head */
	KUNIT_EXPECT_EQ(test, dwcp_reorder_add(&r, rb), -EPROTO);
	dwcp_rxbuf_free(rb);
	KUNIT_EXPECT_EQ(test, r.frames, 1U);
	dwcp_reorder_purge(&r);
}

/* Small frames waiting out of order are counted (the sender's limit). */
static void small_frames_counted_while_waiting(struct kunit *test)
{
	struct dwcp_reorder r;
	struct dwcp_rxbuf *rb;
	u64 seq;

	/* Arrange: a gap at 0, then three small frames and a big one */
	dwcp_reorder_init(&r, 0);
	for (seq = 100; seq < 400; seq += 100)
		KUNIT_ASSERT_EQ(test, dwcp_reorder_add(&r, rxbuf(test, seq, 100)), 0);
	KUNIT_ASSERT_EQ(test, dwcp_reorder_add(&r, rxbuf(test, 400,
							 DWCP_SMALL_FRAME)), 0);
	KUNIT_EXPECT_EQ(test, r.small, 3U);

	/* Act: the gap fills */
	KUNIT_ASSERT_EQ(test, dwcp_reorder_add(&r, rxbuf(test, 0, 100)), 0);
	while ((rb = dwcp_reorder_pop(&r)))
		dwcp_rxbuf_free(rb);

	/* Assert */
	KUNIT_EXPECT_EQ(test, r.small, 0U);
	KUNIT_EXPECT_EQ(test, r.frames, 0U);
	KUNIT_EXPECT_EQ(test, r.rcv_nxt, 400ULL + DWCP_SMALL_FRAME);
}

/* What a payload buffer holds, by the length asked (buf.c). */
static void buf_capacity_classes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, dwcp_buf_cap(1), (u32)DWCP_SMALL_FRAME);
	KUNIT_EXPECT_EQ(test, dwcp_buf_cap(DWCP_SMALL_FRAME - 1),
			(u32)DWCP_SMALL_FRAME);
	KUNIT_EXPECT_EQ(test, dwcp_buf_cap(DWCP_SMALL_FRAME),
			(u32)DWCP_SMALL_FRAME);
	KUNIT_EXPECT_EQ(test, dwcp_buf_cap(10000), 10000U);
	KUNIT_EXPECT_EQ(test, dwcp_buf_cap(DWCP_DEFAULT_FRAME / 2),
			(u32)DWCP_DEFAULT_FRAME / 2);
	KUNIT_EXPECT_EQ(test, dwcp_buf_cap(DWCP_DEFAULT_FRAME / 2 + 1),
			(u32)DWCP_DEFAULT_FRAME);
	KUNIT_EXPECT_EQ(test, dwcp_buf_cap(DWCP_DEFAULT_FRAME),
			(u32)DWCP_DEFAULT_FRAME);
	KUNIT_EXPECT_EQ(test, dwcp_buf_cap(DWCP_DEFAULT_FRAME + 1),
			(u32)DWCP_DEFAULT_FRAME + 1);
}

/* Spare buffers are reused, bounded by the room given, and trimmed. */
static void bufcache_reuses_within_room(struct kunit *test)
{
	struct dwcp_bufcache c = {};
	void *a, *b, *again;

	/* Arrange */
	a = dwcp_buf_alloc(&c, DWCP_DEFAULT_FRAME);
	b = dwcp_buf_alloc(&c, DWCP_DEFAULT_FRAME - 1);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);

	/* Act: room for one only */
	dwcp_buf_free(&c, a, DWCP_DEFAULT_FRAME, DWCP_DEFAULT_FRAME);
	dwcp_buf_free(&c, b, DWCP_DEFAULT_FRAME - 1, DWCP_DEFAULT_FRAME);

	/* Assert: one kept, reused first; trim keeps it only if reused */
	KUNIT_EXPECT_EQ(test, c.bytes, (u64)DWCP_DEFAULT_FRAME);
	again = dwcp_buf_alloc(&c, DWCP_DEFAULT_FRAME / 2 + 1);
	KUNIT_EXPECT_PTR_EQ(test, again, a);
	KUNIT_EXPECT_EQ(test, c.bytes, 0ULL);
	dwcp_buf_free(&c, again, DWCP_DEFAULT_FRAME, 2 * DWCP_DEFAULT_FRAME);
	dwcp_bufcache_trim(&c);		/* reused since the last trim */
	KUNIT_EXPECT_EQ(test, c.bytes, (u64)DWCP_DEFAULT_FRAME);
	dwcp_bufcache_trim(&c);		/* idle for a tick */
	KUNIT_EXPECT_EQ(test, c.bytes, 0ULL);
	KUNIT_EXPECT_NULL(test, c.head);
}

static void sched_prefers_least_delay(struct kunit *test)
{
	/* Arrange: stream 1 is twice as fast with the same queue */
	struct dwcp_sched_cand c[3] = {
		{ .queued = 100000, .rate = 1000000, .usable = true },
		{ .queued = 100000, .rate = 2000000, .usable = true },
		{ .queued = 0, .rate = 5000000, .usable = false },
	};

	/* Act + Assert */
	KUNIT_EXPECT_EQ(test, dwcp_sched_pick(c, 3, 65536, 0), 1);
	/* a short queue on the slow stream wins */
	c[0].queued = 0;
	KUNIT_EXPECT_EQ(test, dwcp_sched_pick(c, 3, 65536, 0), 0);
	/* nothing usable */
	c[0].usable = false;
	c[1].usable = false;
	KUNIT_EXPECT_EQ(test, dwcp_sched_pick(c, 3, 65536, 0), -EAGAIN);
}

static void sched_rotates_ties_and_handles_unknown_rate(struct kunit *test)
{
	struct dwcp_sched_cand c[4];
	int i;

	for (i = 0; i < 4; i++)
		c[i] = (struct dwcp_sched_cand){ .usable = true };
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, dwcp_sched_pick(c, 4, 1000, i), i);
	/* huge queue and rate: no overflow */
	c[0] = (struct dwcp_sched_cand){ .queued = U32_MAX, .rate = U64_MAX,
					 .usable = true };
	c[1] = (struct dwcp_sched_cand){ .queued = U32_MAX, .rate = 1,
					 .usable = true };
	KUNIT_EXPECT_EQ(test, dwcp_sched_pick(c, 2, DWCP_MAX_FRAME, 1), 0);
}

static void sched_spreads_by_rate(struct kunit *test)
{
	/* 6 frames per 10 ms tick: exactly the three streams' capacity. */
	struct dwcp_sched_cand c[3] = {
		{ .rate = 1000000, .usable = true },
		{ .rate = 2000000, .usable = true },
		{ .rate = 3000000, .usable = true },
	};
	int count[3] = {}, i, k;

	for (i = 0; i < 300; i++) {
		k = dwcp_sched_pick(c, 3, 10000, i);
		KUNIT_ASSERT_GE(test, k, 0);
		count[k]++;
		c[k].queued += 10000;
		if (i % 6 == 5)
			for (k = 0; k < 3; k++)
				c[k].queued -= min_t(u32, c[k].queued,
						     c[k].rate / 100);
	}
	/* shares follow rates 1:2:3 within a few frames */
	KUNIT_EXPECT_LE(test, abs(count[0] - 50), 6);
	KUNIT_EXPECT_LE(test, abs(count[1] - 100), 6);
	KUNIT_EXPECT_LE(test, abs(count[2] - 150), 6);
}

static struct kunit_case dwcp_reorder_cases[] = {
	KUNIT_CASE(random_order_with_duplicates),
	KUNIT_CASE(gap_holds_later_frames),
	KUNIT_CASE(old_and_overlapping_frames),
	KUNIT_CASE(small_frames_counted_while_waiting),
	KUNIT_CASE(buf_capacity_classes),
	KUNIT_CASE(bufcache_reuses_within_room),
	KUNIT_CASE(sched_prefers_least_delay),
	KUNIT_CASE(sched_rotates_ties_and_handles_unknown_rate),
	KUNIT_CASE(sched_spreads_by_rate),
	{}
};

static struct kunit_suite dwcp_reorder_suite = {
	.name = "dwcp_reorder_sched",
	.test_cases = dwcp_reorder_cases,
};

kunit_test_suite(dwcp_reorder_suite);
