// SPDX-License-Identifier: GPL-2.0
/*
 * Frame payload buffers, and freed ones kept for reuse.
 *
 * Every data frame needs a payload buffer on both sides, a 64 KiB one at
 * the default frame size: order-4 pages from kmalloc (vmalloc if memory is
 * fragmented).  With init_on_alloc (a common distribution default) the page
 * allocator clears every such page first, which costs as much as copying
 * the payload once more.  A session keeps freed frame-sized buffers and
 * takes those first: steady bulk transfer then allocates nothing.
 *
 * How many: a sender blocked on a full send buffer wakes when half of it is
 * free, so buffers are freed and allocated in bursts of thousands of KiB.
 * The caller passes the room its buffer limit leaves (send or receive
 * buffer minus what is queued), so queued plus kept never exceeds what the
 * session may hold anyway.  Spares not reused for a tick are freed
 * (dwcp_bufcache_trim()): an idle session holds none.
 *
 * Sizes: a buffer for fewer than DWCP_SMALL_FRAME bytes holds
 * DWCP_SMALL_FRAME, so small writes and small received frames can be
 * coalesced into it; one for (DWCP_DEFAULT_FRAME / 2, DWCP_DEFAULT_FRAME]
 * bytes holds DWCP_DEFAULT_FRAME; others hold what was asked.  So the
 * length a buffer holds now tells its size (dwcp_buf_cap()), as long as
 * appends stay within it.  Only DWCP_DEFAULT_FRAME buffers are kept.
 *
 * A sent buffer may still be referenced by TCP (its pages go out by
 * reference, see dwcp_stream_send_frame()); it is kept only once TCP has
 * let go.
 */
#include <linux/mm.h>
#include <linux/slab.h>

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
	if (len < DWCP_SMALL_FRAME)
		return DWCP_SMALL_FRAME;
	return dwcp_buf_frame_sized(len) ? DWCP_DEFAULT_FRAME : len;
}

/**
 * dwcp_buf_alloc() - a payload buffer of at least @len bytes
 * @c: spare buffers to take from, or NULL
 * @len: bytes wanted, not 0
 *
 * Context: process context, may sleep; @c protected by its owner's lock.
 * Return: the buffer (free it with dwcp_buf_free() or kvfree()), or NULL
 * when memory is short.
 */
void *dwcp_buf_alloc(struct dwcp_bufcache *c, u32 len)
{
	struct dwcp_spare *s;

	if (!dwcp_buf_frame_sized(len))
		return kvmalloc(dwcp_buf_cap(len), GFP_KERNEL);
	if (c && c->head) {
		s = c->head;
		c->head = s->next;
		c->bytes -= DWCP_DEFAULT_FRAME;
		c->taken = true;
		return s;
	}
	return kvmalloc(DWCP_DEFAULT_FRAME, GFP_KERNEL);
}

/* Is @buf a buffer nobody but its owner references (TCP is done with it)? */
static bool dwcp_buf_unshared(const void *buf)
{
	return !is_vmalloc_addr(buf) &&
	       page_ref_count(virt_to_head_page(buf)) == 1;
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

	if (c && buf && dwcp_buf_frame_sized(len) &&
	    c->bytes + DWCP_DEFAULT_FRAME <= room && dwcp_buf_unshared(buf)) {
		s->next = c->head;
		c->head = s;
		c->bytes += DWCP_DEFAULT_FRAME;
		return;
	}
	kvfree(buf);
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
		kvfree(s);
	}
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
