// SPDX-License-Identifier: GPL-2.0
/*
 * Reorder buffer: data frames arrive on any stream in any order, and again
 * after a resend; the application must see each byte once, in order.
 *
 * Frames keep their boundaries when resent (the sender resends the same
 * frame), so a duplicate has the same sequence number as the original.  A
 * frame that overlaps another with different boundaries can only come from
 * a broken or hostile peer and is refused.
 */
#include <linux/highmem.h>
#include <linux/rbtree.h>
#include <linux/sizes.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "dwcp.h"

/**
 * dwcp_rxbuf_alloc_segs() - a receive buffer whose payload will stay in
 *	TCP's skbs (filled by dwcp_stream_recv_segs())
 * @seq: sequence number of the first byte
 * @len: payload length, not 0
 *
 * Return: the buffer, or NULL when memory is short.
 */
struct dwcp_rxbuf *dwcp_rxbuf_alloc_segs(u64 seq, u32 len)
{
	struct dwcp_rxbuf *rb = kmalloc(sizeof(*rb), GFP_KERNEL);

	if (!rb)
		return NULL;
	rb->data = NULL;
	rb->seq = seq;
	rb->len = len;
	rb->off = 0;
	__skb_queue_head_init(&rb->segs);
	rb->seg_cost = 0;
	rb->check = DWCP_RX_CHECKED;
	rb->pcrc = 0;
	return rb;
}

/**
 * dwcp_rxbuf_alloc() - a receive buffer for @len payload bytes at @seq
 * @c: spare payload buffers to take from (see buf.c), or NULL
 * @seq: sequence number of the first byte
 * @len: payload length, not 0
 *
 * Return: the buffer, or NULL when memory is short.
 */
struct dwcp_rxbuf *dwcp_rxbuf_alloc(struct dwcp_bufcache *c, u64 seq, u32 len)
{
	struct dwcp_rxbuf *rb = dwcp_rxbuf_alloc_segs(seq, len);

	if (!rb)
		return NULL;
	rb->data = dwcp_buf_alloc(c, len);
	if (!rb->data) {
		kfree(rb);
		return NULL;
	}
	return rb;
}

/**
 * dwcp_rxbuf_segs_full() - should a frame in skbs take no more of them?
 * @rb: the buffer, its payload in skbs
 *
 * Return: true once it holds its share of pieces (DWCP_RX_MAX_SEGS, or
 * one per 4 KiB of a larger frame): small skbs cost more than a copy saves.
 */
bool dwcp_rxbuf_segs_full(const struct dwcp_rxbuf *rb)
{
	u32 max_segs = max_t(u32, DWCP_RX_MAX_SEGS, rb->len / SZ_4K);

	return skb_queue_len(&rb->segs) >= max_segs;
}

/* Let go of the clones: delivered data, not a drop (drop_monitor). */
static void dwcp_segs_release(struct dwcp_rxbuf *rb)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&rb->segs)))
		consume_skb(skb);
	rb->seg_cost = 0;
}

/**
 * dwcp_rxbuf_linearize() - copy what a buffer's skbs hold into a buffer of
 *	its own, and let the skbs go
 * @c: spare payload buffers to take from
 * @rb: the buffer, its payload in skbs (any part of it received)
 *
 * Return: 0; -ENOMEM (@rb unchanged).
 */
int dwcp_rxbuf_linearize(struct dwcp_bufcache *c, struct dwcp_rxbuf *rb)
{
	struct sk_buff *skb;
	u32 at = 0;
	u8 *data = dwcp_buf_alloc(c, rb->len);

	if (!data)
		return -ENOMEM;
	skb_queue_walk(&rb->segs, skb) {
		struct dwcp_seg_cb *cb = dwcp_seg_cb(skb);

		/* cannot fail: the clone holds [off, off + len) */
		WARN_ON_ONCE(skb_copy_bits(skb, cb->off, data + at, cb->len));
		at += cb->len;
	}
	dwcp_segs_release(rb);
	rb->data = data;
	return 0;
}

/* CRC32C update over @len bytes of @skb from @off, wherever they lie. */
static u32 dwcp_skb_crc32c(u32 crc, struct sk_buff *skb, u32 off, u32 len)
{
	struct skb_seq_state st;
	const u8 *p;
	u32 done = 0, n;

	skb_prepare_seq_read(skb, off, off + len, &st);
	while (done < len && (n = skb_seq_read(done, &p, &st))) {
		n = min(n, len - done);	/* a block may run past @len */
		crc = dwcp_crc32c(crc, p, n);
		done += n;
	}
	skb_abort_seq_read(&st);
	return crc;
}

/* CRC32C update over a payload that is in skbs. */
static u32 dwcp_segs_crc32c(const struct dwcp_rxbuf *rb, u32 crc)
{
	struct sk_buff *skb;

	skb_queue_walk(&rb->segs, skb)
		crc = dwcp_skb_crc32c(crc, skb, dwcp_seg_cb(skb)->off,
				      dwcp_seg_cb(skb)->len);
	return crc;
}

/**
 * dwcp_rxbuf_check_crc() - does a frame's CRC cover its header and payload?
 * @hdr: the frame's header
 * @rb: its payload, whole (NULL for none)
 * @defer: of a DWCP_FRAME_F_PCRC frame in skbs check the header only, and
 *	leave the payload's check to dwcp_rxbuf_copy_crc() or
 *	dwcp_rxbuf_check_payload() (@rb->check DWCP_RX_UNCHECKED)
 *
 * Return: 0 if it matches, -EBADMSG otherwise.
 */
int dwcp_rxbuf_check_crc(const struct dwcp_frame_hdr *hdr,
			 struct dwcp_rxbuf *rb, bool defer)
{
	if (!rb || rb->data)
		return dwcp_frame_check_crc(hdr, rb ? rb->data : NULL);
	if (!dwcp_frame_pcrc(hdr))
		return dwcp_frame_crc_verify(hdr, dwcp_segs_crc32c(rb,
						dwcp_frame_crc_hdr(hdr)));
	if (dwcp_frame_crc_verify(hdr, dwcp_frame_crc_hdr(hdr)))
		return -EBADMSG;
	rb->pcrc = be32_to_cpu(hdr->aux);
	rb->check = DWCP_RX_UNCHECKED;
	return defer ? 0 : dwcp_rxbuf_check_payload(rb);
}

/**
 * dwcp_rxbuf_check_payload() - check a payload left unchecked on arrival
 * @rb: the buffer, its payload in skbs, DWCP_RX_UNCHECKED; DWCP_RX_CHECKED
 *	if it matches
 *
 * Return: 0 if it matches, -EBADMSG otherwise.
 */
int dwcp_rxbuf_check_payload(struct dwcp_rxbuf *rb)
{
	if (~dwcp_segs_crc32c(rb, ~0U) != rb->pcrc)
		return -EBADMSG;
	rb->check = DWCP_RX_CHECKED;
	return 0;
}

/* @len bytes of @page (a compound page's head) from @off, with the CRC. */
static bool dwcp_page_copy_crc(struct page *page, u32 off, u32 len,
			       struct iov_iter *to, u32 *crc)
{
	page += off / PAGE_SIZE;
	off %= PAGE_SIZE;
	while (len) {
		u32 n = min_t(u32, len, PAGE_SIZE - off);
		void *va = kmap_local_page(page);
		bool ok = dwcp_copy_to_iter_crc32c(va + off, n, to, crc);

		kunmap_local(va);
		if (!ok)
			return false;
		len -= n;
		off = 0;
		page++;
	}
	return true;
}

/*
 * @len bytes of @skb from @off, with the CRC: its head, page fragments
 * and fragment list, as skb_copy_datagram_iter() walks them (not with
 * skb_seq_read(), whose atomic mappings allow no fault on the user page).
 */
static bool dwcp_skb_copy_crc(const struct sk_buff *skb, u32 off, u32 len,
			      struct iov_iter *to, u32 *crc)
{
	u32 start = skb_headlen(skb), end, n;
	struct sk_buff *frag_iter;
	int i;

	if (off < start) {
		n = min(start - off, len);
		if (!dwcp_copy_to_iter_crc32c(skb->data + off, n, to, crc))
			return false;
		off += n;
		len -= n;
	}
	for (i = 0; i < skb_shinfo(skb)->nr_frags && len; i++) {
		const skb_frag_t *frag = &skb_shinfo(skb)->frags[i];

		end = start + skb_frag_size(frag);
		if (off < end) {
			n = min(end - off, len);
			if (!dwcp_page_copy_crc(skb_frag_page(frag),
						skb_frag_off(frag) + off - start,
						n, to, crc))
				return false;
			off += n;
			len -= n;
		}
		start = end;
	}
	skb_walk_frags(skb, frag_iter) {
		end = start + frag_iter->len;
		if (len && off < end) {
			n = min(end - off, len);
			if (!dwcp_skb_copy_crc(frag_iter, off - start, n, to,
					       crc))
				return false;
			off += n;
			len -= n;
		}
		start = end;
	}
	return !len;
}

/**
 * dwcp_rxbuf_copy_crc() - copy a whole payload out, its CRC32C in the same
 *	pass (started at ~0, as a DWCP_FRAME_F_PCRC frame's aux has it)
 * @rb: the buffer, its payload in skbs (only such a payload's check is
 *	left to the copy), none of it consumed
 * @to: destination, room for @rb->len bytes
 * @crc: set to the running CRC
 *
 * Return: 0; -EFAULT (@to as it was; bytes past it may have been written).
 */
int dwcp_rxbuf_copy_crc(const struct dwcp_rxbuf *rb, struct iov_iter *to,
			u32 *crc)
{
	size_t room = iov_iter_count(to);
	struct sk_buff *skb;

	*crc = ~0U;
	skb_queue_walk(&rb->segs, skb) {
		struct dwcp_seg_cb *cb = dwcp_seg_cb(skb);

		if (!dwcp_skb_copy_crc(skb, cb->off, cb->len, to, crc)) {
			iov_iter_revert(to, room - iov_iter_count(to));
			return -EFAULT;
		}
	}
	return 0;
}

/**
 * dwcp_rxbuf_drop_payload() - let a payload go, the buffer kept (its bytes
 *	to come again)
 * @rb: the buffer
 */
void dwcp_rxbuf_drop_payload(struct dwcp_rxbuf *rb)
{
	dwcp_buf_release(rb->data, rb->len);
	rb->data = NULL;
	dwcp_segs_release(rb);
}

/**
 * dwcp_rxbuf_copy() - copy payload bytes out of a receive buffer
 * @rb: the buffer
 * @from: payload offset of the first byte
 * @n: bytes, @from + @n at most @rb->len
 * @to: destination
 *
 * Return: 0; -EFAULT if not all of them could be copied (@to may have
 * advanced by some).
 */
int dwcp_rxbuf_copy(const struct dwcp_rxbuf *rb, u32 from, u32 n,
		    struct iov_iter *to)
{
	struct sk_buff *skb;

	if (rb->data)
		return copy_to_iter(rb->data + from, n, to) == n ? 0 : -EFAULT;
	skb_queue_walk(&rb->segs, skb) {
		struct dwcp_seg_cb *cb = dwcp_seg_cb(skb);
		u32 part;

		if (from >= cb->len) {
			from -= cb->len;
			continue;
		}
		part = min(cb->len - from, n);
		if (skb_copy_datagram_iter(skb, cb->off + from, to, part))
			return -EFAULT;
		n -= part;
		from = 0;
		if (!n)
			break;
	}
	return n ? -EFAULT : 0;
}

/**
 * dwcp_rxbuf_free() - free a receive buffer (NULL is fine)
 * @rb: the buffer
 */
void dwcp_rxbuf_free(struct dwcp_rxbuf *rb)
{
	if (!rb)
		return;
	dwcp_buf_release(rb->data, rb->len);
	dwcp_segs_release(rb);
	kfree(rb);
}

/**
 * dwcp_rxbuf_recycle() - free a receive buffer, its payload buffer kept for
 *	reuse if dwcp_buf_free() keeps it (default frame size, room left)
 * @c: where to keep it
 * @rb: the buffer, not NULL, consumed
 * @room: bytes @c may hold at most
 *
 * Context: as dwcp_buf_free().
 */
void dwcp_rxbuf_recycle(struct dwcp_bufcache *c, struct dwcp_rxbuf *rb,
			u64 room)
{
	dwcp_buf_free(c, rb->data, rb->len, room);
	dwcp_segs_release(rb);
	kfree(rb);
}

/**
 * dwcp_reorder_init() - empty reorder buffer expecting @rcv_nxt next
 * @r: the buffer
 * @rcv_nxt: sequence number of the next byte for the application
 */
void dwcp_reorder_init(struct dwcp_reorder *r, u64 rcv_nxt)
{
	r->root = RB_ROOT;
	r->rcv_nxt = rcv_nxt;
	r->bytes = 0;
	r->frames = 0;
	r->small = 0;
}

/**
 * dwcp_reorder_add() - file a received data frame
 * @r: the buffer
 * @f: the frame; on success the buffer owns it
 *
 * Return: 0 if filed; -EEXIST if it is a duplicate (already delivered or
 * already waiting: the caller frees it); -EPROTO if it overlaps a frame with
 * other boundaries (the caller keeps it).
 */
int dwcp_reorder_add(struct dwcp_reorder *r, struct dwcp_rxbuf *f)
{
	struct rb_node **link = &r->root.rb_node, *parent = NULL;
	u64 end = f->seq + f->len;

	if (end <= r->rcv_nxt)
		return -EEXIST;
	if (f->seq < r->rcv_nxt)
		return -EPROTO;

	while (*link) {
		struct dwcp_rxbuf *o = rb_entry(*link, struct dwcp_rxbuf, node);

		parent = *link;
		if (f->seq == o->seq)
			return f->len == o->len ? -EEXIST : -EPROTO;
		if (end <= o->seq)
			link = &parent->rb_left;
		else if (f->seq >= o->seq + o->len)
			link = &parent->rb_right;
		else
			return -EPROTO;
	}
	rb_link_node(&f->node, parent, link);
	rb_insert_color(&f->node, &r->root);
	r->bytes += f->len;
	r->frames++;
	r->small += f->len < DWCP_SMALL_FRAME;
	return 0;
}

/**
 * dwcp_reorder_pop() - take the next in-order frame, if it has arrived
 * @r: the buffer
 *
 * Return: the frame starting at the expected sequence number (now owned by
 * the caller; the expected number moves past it), or NULL.
 */
struct dwcp_rxbuf *dwcp_reorder_pop(struct dwcp_reorder *r)
{
	struct rb_node *first = rb_first(&r->root);
	struct dwcp_rxbuf *f;

	if (!first)
		return NULL;
	f = rb_entry(first, struct dwcp_rxbuf, node);
	if (f->seq != r->rcv_nxt)
		return NULL;
	rb_erase(first, &r->root);
	r->rcv_nxt += f->len;
	r->bytes -= f->len;
	r->frames--;
	r->small -= f->len < DWCP_SMALL_FRAME;
	return f;
}

/**
 * dwcp_reorder_purge() - free every waiting frame
 * @r: the buffer
 */
void dwcp_reorder_purge(struct dwcp_reorder *r)
{
	struct dwcp_rxbuf *f, *tmp;

	rbtree_postorder_for_each_entry_safe(f, tmp, &r->root, node)
		dwcp_rxbuf_free(f);
	r->root = RB_ROOT;
	r->bytes = 0;
	r->frames = 0;
	r->small = 0;
}
