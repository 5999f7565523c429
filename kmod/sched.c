// SPDX-License-Identifier: GPL-2.0
/*
 * Stream scheduler: which stream gets the next frame.
 *
 * MPTCP's default idea: the stream that would deliver the frame soonest,
 * estimated as (bytes already queued on it + the frame) / its rate.  A pure
 * function over a snapshot, so KUnit can feed it fake rates.
 */
#include <linux/math64.h>

#include "dwcp.h"

/* Streams with no rate estimate yet are assumed this fast (bytes/s). */
#define DWCP_SCHED_DEFAULT_RATE	BIT_ULL(20)

static u64 dwcp_sched_cost_ns(const struct dwcp_sched_cand *c, u32 len)
{
	u64 rate = c->rate ? c->rate : DWCP_SCHED_DEFAULT_RATE;

	/* (queued + len) < 2^33 and NSEC_PER_SEC < 2^30: no overflow. */
	return div64_u64(((u64)c->queued + len) * NSEC_PER_SEC, rate);
}

/**
 * dwcp_sched_pick() - choose the stream for a frame of @len bytes
 * @c: candidate streams
 * @n: number of candidates
 * @len: frame length
 * @start: index to start from, so ties rotate instead of piling on stream 0
 *
 * Return: index into @c of the usable candidate with the smallest expected
 * delivery time, or -EAGAIN if none is usable.
 */
int dwcp_sched_pick(const struct dwcp_sched_cand *c, int n, u32 len,
		    int start)
{
	u64 best_cost = U64_MAX;
	int best = -EAGAIN, k;

	for (k = 0; k < n; k++) {
		int i = (start + k) % n;
		u64 cost;

		if (!c[i].usable)
			continue;
		cost = dwcp_sched_cost_ns(&c[i], len);
		if (cost < best_cost) {
			best_cost = cost;
			best = i;
		}
	}
	return best;
}
