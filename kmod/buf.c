// SPDX-License-Identifier: GPL-2.0
/*
 * Frame payload buffers, and freed ones kept for reuse.
 *
 * Every data frame needs a payload buffer on both sides, a 64 KiB one at
 * the default frame size: an order-4 block from the page allocator (vmalloc
 * if memory is fragmented).  With init_on_alloc (a common distribution default) the page
 * allocator clears every such page first, which costs as much as copying
 * the payload once more.  A session keeps freed frame-sized buffers and
 * takes those first: steady bulk transfer then allocates nothing.
 *
 * How many: a sender blocked on a full send buffer wakes when half of it is
 * free, so buffers are freed and allocated in bursts of thousands of KiB.
 * The caller passes the room its buffer limit leaves (send or receive
 * buffer minus what is queued), so queued plus kept stays within what the
 * session may hold anyway (about: SO_SNDBUF may shrink meanwhile).  Spares
 * not reused for a tick are freed (dwcp_bufcache_trim()), and all when the
 * session ends: an idle or finished session holds none.
 *
 * Sizes: a buffer for at most DWCP_SMALL_FRAME bytes comes from kmalloc and
 * holds DWCP_SMALL_FRAME, so small writes and small received frames can be
 * coalesced into it.  A bigger one is whole pages from the page allocator
 * (vmalloc if memory is fragmented), holding DWCP_DEFAULT_FRAME bytes for
 * (DWCP_DEFAULT_FRAME / 2, DWCP_DEFAULT_FRAME], what was asked otherwise.
 * So the length a buffer holds now tells its size (dwcp_buf_cap()) and its
 * allocator, as long as appends stay within it.
 *
 * Page-allocator buffers may go to TCP by reference (dwcp_buf_pages(),
 * dwcp_stream_send_frame()); TCP then holds its own page references, and
 * freeing ours (dwcp_buf_release()) leaves the pages to TCP until it is
 * done.  Only DWCP_DEFAULT_FRAME buffers are kept for reuse, and only once
 * TCP has let go.  A buffer freed before that (the session's ack can come
 * first: over veth the receiving session holds the sender's very pages in
 * its skbs until its reader copies them out) waits in a short FIFO,
 * untouched, and is reused once the others let go; a fresh one would come
 * cleared (init_on_alloc), which costs as much as a copy.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "dwcp.h"

/* A kept buffer links to the next through its first bytes. */
struct dwcp_spare {
	struct dwcp_spare *next;
};

static bool dwcp_buf_frame_sized(u32 len)
{
	return len > DWCP_DEFAULT_FRAME / 2 && len <= DWCP_DEFAULT_FRAME;
}

/**
 * dwcp_buf_cap() - the size of a buffer dwcp_buf_alloc() gave for @len bytes
 * @len: the bytes it was asked for, or holds now
 *
 * Return: how many bytes it can hold.
 */
u32 dwcp_buf_cap(u32 len)
{
	if (len <= DWCP_SMALL_FRAME)
		return DWCP_SMALL_FRAME;
	return dwcp_buf_frame_sized(len) ? DWCP_DEFAULT_FRAME : len;
}

/**
 * dwcp_buf_pages() - may a buffer of @len bytes go to TCP by reference?
 * @buf: the buffer, from dwcp_buf_alloc()
 * @len: the bytes it holds
 *
 * Return: true if it is pages of the page allocator (physically contiguous
 * from its first byte; see buf.c).
 */
bool dwcp_buf_pages(const void *buf, u32 len)
{
	return len > DWCP_SMALL_FRAME && !is_vmalloc_addr(buf);
}

/* Is @buf a buffer nobody but its owner references (TCP is done with it)? */
static bool dwcp_buf_unshared(const void *buf)
{
	return !is_vmalloc_addr(buf) &&
	       page_ref_count(virt_to_head_page(buf)) == 1;
}

static void *dwcp_busy_pop(struct dwcp_bufcache *c)
{
	void *buf = c->busy[c->busy_first];

	c->busy_first = (c->busy_first + 1) % DWCP_BUF_BUSY;
	c->busy_n--;
	return buf;
}

static void *dwcp_buf_new(u32 len)
{
	u32 cap = dwcp_buf_cap(len);
	struct page *page;

	if (len <= DWCP_SMALL_FRAME)
		return kmalloc(cap, GFP_KERNEL);
	page = alloc_pages(GFP_KERNEL | __GFP_COMP | __GFP_NOWARN |
			   __GFP_NORETRY, get_order(cap));
	return page ? page_address(page) : vmalloc(cap);
}

/**
 * dwcp_buf_release() - free a buffer from dwcp_buf_alloc() now
 * @buf: the buffer (NULL is fine)
 * @len: the bytes it holds
 *
 * Pages TCP still references stay until TCP lets go.
 */
void dwcp_buf_release(void *buf, u32 len)
{
	if (!buf)
		return;
	if (len <= DWCP_SMALL_FRAME)
		kfree(buf);
	else if (is_vmalloc_addr(buf))
		vfree(buf);
	else
		put_page(virt_to_page(buf));
}

/**
 * dwcp_buf_alloc() - a payload buffer of at least @len bytes
 * @c: spare buffers to take from, or NULL
 * @len: bytes wanted, not 0
 *
 * Context: process context, may sleep; @c protected by its owner's lock.
 * Return: the buffer (free it with dwcp_buf_free() or dwcp_buf_release(),
 * giving the length it holds then), or NULL when memory is short.
 */
void *dwcp_buf_alloc(struct dwcp_bufcache *c, u32 len)
{
	void *buf;

	if (!c || !dwcp_buf_frame_sized(len))
		return dwcp_buf_new(len);
	if (c->head) {
		struct dwcp_spare *s = c->head;

		c->head = s->next;
		buf = s;
	} else if (c->busy_n && dwcp_buf_unshared(c->busy[c->busy_first])) {
		buf = dwcp_busy_pop(c);
	} else {
		return dwcp_buf_new(len);
	}
	c->bytes -= DWCP_DEFAULT_FRAME;
	c->taken = true;
	return buf;
}

/**
 * dwcp_buf_free() - give back a buffer from dwcp_buf_alloc()
 * @c: where to keep it for reuse, or NULL to free it
 * @buf: the buffer (NULL is fine)
 * @len: the length it holds
 * @room: bytes the cache may hold at most
 *
 * Context: as dwcp_buf_alloc().
 */
void dwcp_buf_free(struct dwcp_bufcache *c, void *buf, u32 len, u64 room)
{
	struct dwcp_spare *s = buf;

	if (!c || !buf || !dwcp_buf_frame_sized(len) ||
	    c->bytes + DWCP_DEFAULT_FRAME > room) {
		dwcp_buf_release(buf, len);
		return;
	}
	if (dwcp_buf_unshared(buf)) {
		s->next = c->head;
		c->head = s;
	} else if (!is_vmalloc_addr(buf) && c->busy_n < DWCP_BUF_BUSY) {
		c->busy[(c->busy_first + c->busy_n) % DWCP_BUF_BUSY] = buf;
		c->busy_n++;
	} else {
		dwcp_buf_release(buf, len);
		return;
	}
	c->bytes += DWCP_DEFAULT_FRAME;
}

/**
 * dwcp_bufcache_drain() - free the kept buffers
 * @c: the cache, empty afterwards
 */
void dwcp_bufcache_drain(struct dwcp_bufcache *c)
{
	while (c->head) {
		struct dwcp_spare *s = c->head;

		c->head = s->next;
		dwcp_buf_release(s, DWCP_DEFAULT_FRAME);
	}
	while (c->busy_n)
		dwcp_buf_release(dwcp_busy_pop(c), DWCP_DEFAULT_FRAME);
	c->bytes = 0;
}

/**
 * dwcp_bufcache_trim() - free the kept buffers unless some were reused lately
 * @c: the cache
 *
 * Called every tick: spares survive while the session moves data.
 */
void dwcp_bufcache_trim(struct dwcp_bufcache *c)
{
	if (!c->taken)
		dwcp_bufcache_drain(c);
	c->taken = false;
}
