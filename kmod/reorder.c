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
#include <linux/rbtree.h>
#include <linux/slab.h>

#include "dwcp.h"

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
	struct dwcp_rxbuf *rb = kmalloc(sizeof(*rb), GFP_KERNEL);

	if (!rb)
		return NULL;
	rb->data = dwcp_buf_alloc(c, len);
	if (!rb->data) {
		kfree(rb);
		return NULL;
	}
	rb->seq = seq;
	rb->len = len;
	rb->off = 0;
	return rb;
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
