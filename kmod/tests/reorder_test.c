// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the reorder buffer and the stream scheduler.
 */
#include <kunit/test.h>
#include <linux/crc32.h>
#include <linux/prandom.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/uio.h>

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

/*
 * A buffer freed while someone else holds its pages (TCP, a receiver's
 * skbs) waits untouched, and is reused only once they let go.
 */
static void bufcache_keeps_busy_until_let_go(struct kunit *test)
{
	struct dwcp_bufcache c = {};
	u64 room = 4 * DWCP_DEFAULT_FRAME;
	struct page *held;
	void *a, *b;

	/* Arrange: a's pages held by "TCP" */
	a = dwcp_buf_alloc(&c, DWCP_DEFAULT_FRAME);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_FALSE(test, is_vmalloc_addr(a));	/* pages, not vmalloc */
	memset(a, 0x5a, DWCP_DEFAULT_FRAME);
	held = virt_to_head_page(a);
	get_page(held);

	/* Act */
	dwcp_buf_free(&c, a, DWCP_DEFAULT_FRAME, room);

	/* Assert: kept aside, its bytes untouched, not handed out */
	KUNIT_EXPECT_EQ(test, (int)c.busy_n, 1);
	KUNIT_EXPECT_EQ(test, c.bytes, (u64)DWCP_DEFAULT_FRAME);
	KUNIT_EXPECT_EQ(test, ((u8 *)a)[0], 0x5a);
	b = dwcp_buf_alloc(&c, DWCP_DEFAULT_FRAME);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_FALSE(test, is_vmalloc_addr(b));
	KUNIT_EXPECT_PTR_NE(test, b, a);

	/* once let go, it is reused */
	put_page(held);
	KUNIT_EXPECT_PTR_EQ(test, dwcp_buf_alloc(&c, DWCP_DEFAULT_FRAME), a);
	KUNIT_EXPECT_EQ(test, (int)c.busy_n, 0);
	KUNIT_EXPECT_EQ(test, c.bytes, 0ULL);

	/* no room: freed at once, held or not; drain frees what waits */
	get_page(held);
	dwcp_buf_free(&c, a, DWCP_DEFAULT_FRAME, 0);
	KUNIT_EXPECT_EQ(test, (int)c.busy_n, 0);
	put_page(held);
	get_page(virt_to_head_page(b));
	dwcp_buf_free(&c, b, DWCP_DEFAULT_FRAME, room);
	KUNIT_EXPECT_EQ(test, (int)c.busy_n, 1);
	dwcp_bufcache_drain(&c);
	KUNIT_EXPECT_EQ(test, (int)c.busy_n, 0);
	KUNIT_EXPECT_EQ(test, c.bytes, 0ULL);
	put_page(virt_to_head_page(b));	/* the last reference frees it */
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

/* An skb of @head linear bytes then @frag bytes in a page, from @src. */
static struct sk_buff *test_skb(struct kunit *test, const u8 *src, u32 head,
				u32 frag)
{
	struct sk_buff *skb = alloc_skb(head, GFP_KERNEL);
	struct page *page;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_put_data(skb, src, head);
	if (frag) {
		KUNIT_ASSERT_LE(test, frag, (u32)PAGE_SIZE);
		page = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, page);
		memcpy(page_address(page), src + head, frag);
		skb_fill_page_desc(skb, 0, page, 0, frag);
		skb->len += frag;
		skb->data_len += frag;
		skb->truesize += PAGE_SIZE;
	}
	return skb;
}

/* A clone of @skb's [@off, @off + @len) appended to @rb, as tcp.c does. */
static void test_seg(struct kunit *test, struct dwcp_rxbuf *rb,
		     struct sk_buff *skb, u32 off, u32 len)
{
	struct sk_buff *clone = skb_clone(skb, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, clone);
	dwcp_seg_cb(clone)->off = off;
	dwcp_seg_cb(clone)->len = len;
	__skb_queue_tail(&rb->segs, clone);
}

/*
 * A frame of 10000 bytes in three skbs (the first starts with 1000 bytes
 * of the frame before, the second has a page fragment, the third goes on
 * with the next frame), as a stream's receive queue holds them.
 */
static struct dwcp_rxbuf *test_seg_frame(struct kunit *test, u8 *payload,
					 struct dwcp_frame_hdr *h,
					 struct sk_buff *skbs[3])
{
	struct dwcp_rxbuf *rb = dwcp_rxbuf_alloc_segs(7000, 10000);
	u8 *wire = kunit_kzalloc(test, 1000 + 10000 + 2000, GFP_KERNEL);
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, rb);
	KUNIT_ASSERT_NOT_NULL(test, wire);
	for (i = 0; i < 13000; i++)
		wire[i] = (u8)(i * 7 + i / 251);
	memcpy(payload, wire + 1000, 10000);
	dwcp_frame_build(h, DWCP_FRAME_DATA, 10000, 7000, 0, payload);
	skbs[0] = test_skb(test, wire, 3000, 0);
	skbs[1] = test_skb(test, wire + 3000, 500, 3500);
	skbs[2] = test_skb(test, wire + 7000, 6000, 0);
	test_seg(test, rb, skbs[0], 1000, 2000);
	test_seg(test, rb, skbs[1], 0, 4000);
	test_seg(test, rb, skbs[2], 0, 4000);
	return rb;
}

static void test_skbs_free(struct sk_buff *skbs[3])
{
	int i;

	for (i = 0; i < 3; i++)
		kfree_skb(skbs[i]);
}

/* The CRC over skb pieces is the CRC over the bytes; a flipped byte fails. */
static void segs_crc_covers_every_piece(struct kunit *test)
{
	u8 *payload = kunit_kzalloc(test, 10000, GFP_KERNEL);
	struct dwcp_frame_hdr h;
	struct sk_buff *skbs[3];
	struct dwcp_rxbuf *rb;
	u8 *frag;

	KUNIT_ASSERT_NOT_NULL(test, payload);
	rb = test_seg_frame(test, payload, &h, skbs);
	frag = skb_frag_address(&skb_shinfo(skbs[1])->frags[0]);

	KUNIT_EXPECT_EQ(test, dwcp_rxbuf_check_crc(&h, rb, false), 0);
	frag[100] ^= 1;
	KUNIT_EXPECT_EQ(test, dwcp_rxbuf_check_crc(&h, rb, false), -EBADMSG);
	frag[100] ^= 1;
	skbs[2]->data[4000] ^= 1;	/* the next frame's byte: not covered */
	KUNIT_EXPECT_EQ(test, dwcp_rxbuf_check_crc(&h, rb, false), 0);

	dwcp_rxbuf_free(rb);
	test_skbs_free(skbs);
}

/*
 * A DWCP_FRAME_F_PCRC frame: on arrival only its header is checked when the
 * check is deferred; the reader's copy then gives the payload and its CRC
 * in one pass, and a flipped byte in any piece shows there.
 */
static void segs_pcrc_checked_in_the_copy(struct kunit *test)
{
	u8 *payload = kunit_kzalloc(test, 10000, GFP_KERNEL);
	u8 *out = kunit_kzalloc(test, 10000, GFP_KERNEL);
	struct kvec kv = { .iov_base = out, .iov_len = 10000 };
	struct dwcp_frame_hdr h;
	struct sk_buff *skbs[3];
	struct dwcp_rxbuf *rb;
	struct iov_iter it;
	u8 *frag;
	u32 crc;

	/* Arrange */
	KUNIT_ASSERT_NOT_NULL(test, payload);
	KUNIT_ASSERT_NOT_NULL(test, out);
	rb = test_seg_frame(test, payload, &h, skbs);
	h.flags = cpu_to_be16(DWCP_FRAME_F_PCRC);
	h.aux = cpu_to_be32(~__crc32c_le(~0U, payload, 10000));
	h.crc = cpu_to_be32(~dwcp_frame_crc_hdr(&h));
	frag = skb_frag_address(&skb_shinfo(skbs[1])->frags[0]);
	frag[100] ^= 1;

	/* Act: arrival, the header alone checked */
	KUNIT_EXPECT_EQ(test, dwcp_rxbuf_check_crc(&h, rb, true), 0);
	KUNIT_EXPECT_EQ(test, rb->check, DWCP_RX_UNCHECKED);
	/* Assert: the copy's CRC shows the flipped byte, the check too */
	iov_iter_kvec(&it, READ, &kv, 1, 10000);
	KUNIT_ASSERT_EQ(test, dwcp_rxbuf_copy_crc(rb, &it, &crc), 0);
	KUNIT_EXPECT_NE(test, ~crc, rb->pcrc);
	KUNIT_EXPECT_EQ(test, dwcp_rxbuf_check_payload(rb), -EBADMSG);
	KUNIT_EXPECT_EQ(test, dwcp_rxbuf_check_crc(&h, rb, false), -EBADMSG);

	/* Act: the byte as sent */
	frag[100] ^= 1;
	memset(out, 0, 10000);
	iov_iter_kvec(&it, READ, &kv, 1, 10000);
	KUNIT_ASSERT_EQ(test, dwcp_rxbuf_copy_crc(rb, &it, &crc), 0);

	/* Assert */
	KUNIT_EXPECT_EQ(test, ~crc, rb->pcrc);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&it), (size_t)0);
	KUNIT_EXPECT_EQ(test, memcmp(out, payload, 10000), 0);
	KUNIT_EXPECT_EQ(test, dwcp_rxbuf_check_payload(rb), 0);
	KUNIT_EXPECT_EQ(test, rb->check, DWCP_RX_CHECKED);

	/* A header changed in flight fails on arrival, deferred or not. */
	h.seq = cpu_to_be64(7001);
	KUNIT_EXPECT_EQ(test, dwcp_rxbuf_check_crc(&h, rb, true), -EBADMSG);

	/* Too little room: nothing taken. */
	iov_iter_kvec(&it, READ, &kv, 1, 9999);
	KUNIT_EXPECT_EQ(test, dwcp_rxbuf_copy_crc(rb, &it, &crc), -EFAULT);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&it), (size_t)9999);

	dwcp_rxbuf_free(rb);
	test_skbs_free(skbs);
}

/* Copies out of skb pieces give the payload at any start and length. */
static void segs_copy_at_any_split(struct kunit *test)
{
	static const u32 from[] = { 0, 1, 1999, 2000, 2001, 4500, 5999, 6000,
				    9999 };
	u8 *payload = kunit_kzalloc(test, 10000, GFP_KERNEL);
	u8 *out = kunit_kzalloc(test, 10000, GFP_KERNEL);
	struct dwcp_frame_hdr h;
	struct sk_buff *skbs[3];
	struct dwcp_rxbuf *rb;
	unsigned int i, n;

	KUNIT_ASSERT_NOT_NULL(test, payload);
	KUNIT_ASSERT_NOT_NULL(test, out);
	rb = test_seg_frame(test, payload, &h, skbs);

	for (i = 0; i < ARRAY_SIZE(from); i++) {
		for (n = 1; from[i] + n <= 10000; n = n * 3 + 1) {
			struct kvec kv = { .iov_base = out, .iov_len = n };
			struct iov_iter it;

			memset(out, 0, 10000);
			iov_iter_kvec(&it, READ, &kv, 1, n);
			KUNIT_ASSERT_EQ(test, dwcp_rxbuf_copy(rb, from[i], n, &it),
					0);
			KUNIT_EXPECT_EQ(test, iov_iter_count(&it), (size_t)0);
			KUNIT_EXPECT_EQ(test, memcmp(out, payload + from[i], n),
					0);
		}
	}

	dwcp_rxbuf_free(rb);
	test_skbs_free(skbs);
}

/* Linearized, the frame is the same bytes in a buffer of its own. */
static void segs_linearize_keeps_bytes(struct kunit *test)
{
	u8 *payload = kunit_kzalloc(test, 10000, GFP_KERNEL);
	struct dwcp_frame_hdr h;
	struct sk_buff *skbs[3];
	struct dwcp_rxbuf *rb;

	KUNIT_ASSERT_NOT_NULL(test, payload);
	rb = test_seg_frame(test, payload, &h, skbs);

	KUNIT_ASSERT_EQ(test, dwcp_rxbuf_linearize(NULL, rb), 0);
	test_skbs_free(skbs);		/* the frame no longer needs them */

	KUNIT_ASSERT_NOT_NULL(test, rb->data);
	KUNIT_EXPECT_TRUE(test, skb_queue_empty(&rb->segs));
	KUNIT_EXPECT_EQ(test, memcmp(rb->data, payload, 10000), 0);
	KUNIT_EXPECT_EQ(test, dwcp_rxbuf_check_crc(&h, rb, false), 0);
	dwcp_rxbuf_free(rb);
}

/* Too many pieces (more for a larger frame): copy. */
static void segs_full_by_count(struct kunit *test)
{
	u8 src[64] = {};
	struct sk_buff *skb = test_skb(test, src, 64, 0);
	struct dwcp_rxbuf *rb = dwcp_rxbuf_alloc_segs(0, 65536);
	struct dwcp_rxbuf *big = dwcp_rxbuf_alloc_segs(0, 1 << 20);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, rb);
	KUNIT_ASSERT_NOT_NULL(test, big);
	for (i = 0; i < DWCP_RX_MAX_SEGS - 1; i++) {
		test_seg(test, rb, skb, 0, 64);
		test_seg(test, big, skb, 0, 64);
	}
	KUNIT_EXPECT_FALSE(test, dwcp_rxbuf_segs_full(rb));
	test_seg(test, rb, skb, 0, 64);
	test_seg(test, big, skb, 0, 64);
	KUNIT_EXPECT_TRUE(test, dwcp_rxbuf_segs_full(rb));
	/* 1 MiB: one piece per 4 KiB, 256 */
	KUNIT_EXPECT_FALSE(test, dwcp_rxbuf_segs_full(big));
	for (i = DWCP_RX_MAX_SEGS; i < 256; i++)
		test_seg(test, big, skb, 0, 64);
	KUNIT_EXPECT_TRUE(test, dwcp_rxbuf_segs_full(big));

	dwcp_rxbuf_free(rb);
	dwcp_rxbuf_free(big);
	kfree_skb(skb);
}

static struct kunit_case dwcp_reorder_cases[] = {
	KUNIT_CASE(random_order_with_duplicates),
	KUNIT_CASE(gap_holds_later_frames),
	KUNIT_CASE(old_and_overlapping_frames),
	KUNIT_CASE(small_frames_counted_while_waiting),
	KUNIT_CASE(buf_capacity_classes),
	KUNIT_CASE(bufcache_reuses_within_room),
	KUNIT_CASE(bufcache_keeps_busy_until_let_go),
	KUNIT_CASE(sched_prefers_least_delay),
	KUNIT_CASE(sched_rotates_ties_and_handles_unknown_rate),
	KUNIT_CASE(sched_spreads_by_rate),
	KUNIT_CASE(segs_crc_covers_every_piece),
	KUNIT_CASE(segs_pcrc_checked_in_the_copy),
	KUNIT_CASE(segs_copy_at_any_split),
	KUNIT_CASE(segs_linearize_keeps_bytes),
	KUNIT_CASE(segs_full_by_count),
	{}
};

static struct kunit_suite dwcp_reorder_suite = {
	.name = "dwcp_reorder_sched",
	.test_cases = dwcp_reorder_cases,
};

kunit_test_suite(dwcp_reorder_suite);
