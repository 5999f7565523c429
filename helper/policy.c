// SPDX-License-Identifier: GPL-2.0
/*
 * dwcpd's policy core; see policy.h.
 */
#include <math.h>
#include <string.h>

#include "policy.h"

void policy_config_default(struct policy_config *c)
{
	c->apply = true;
	c->pacing_limited = 0.9;
	c->probe_after_ns = 10ULL * 1000000000ULL;
}

void policy_init(struct policy *p, const struct policy_config *c)
{
	memset(p, 0, sizeof(*p));
	p->cfg = *c;
}

struct policy_session *policy_find(struct policy *p, uint64_t id)
{
	size_t i;

	for (i = 0; i < POLICY_MAX_SESSIONS; i++)
		if (p->s[i].used && p->s[i].id == id)
			return &p->s[i];
	return NULL;
}

/* The session's slot, a new one if it has none; NULL when the table is full. */
static struct policy_session *track(struct policy *p, uint64_t id)
{
	struct policy_session *s = policy_find(p, id);
	size_t i;

	if (s)
		return s;
	for (i = 0; i < POLICY_MAX_SESSIONS; i++) {
		s = &p->s[i];
		if (s->used)
			continue;
		memset(s, 0, sizeof(*s));
		s->used = true;
		s->id = id;
		pba_init(&s->link);
		return s;
	}
	p->dropped++;
	return NULL;
}

static enum pba_mode pba_mode_of(uint32_t mode)
{
	if (mode == DWCP_MODE_DATACENTER)
		return PBA_MODE_DATACENTER;
	if (mode == DWCP_MODE_HYBRID)
		return PBA_MODE_HYBRID;
	return PBA_MODE_INTERNET;
}

static void set_pacing(struct policy_action *out, const struct policy_session *s,
		       uint64_t rate, const char *why)
{
	out->kind |= POLICY_SET_PACING;
	out->id = s->id;
	out->pacing_bps = rate;
	out->why = why;
}

static void set_streams(struct policy_action *out,
			const struct policy_session *s, uint32_t n,
			const char *why)
{
	out->kind |= POLICY_SET_STREAMS;
	out->id = s->id;
	out->streams = n;
	out->why = why;
}

static void set_frame(struct policy_action *out, const struct policy_session *s,
		      uint32_t bytes, const char *why)
{
	out->kind |= POLICY_SET_FRAME;
	out->id = s->id;
	out->frame_bytes = bytes;
	out->why = why;
}

/* The stream count for a decision: the one in force unless it is ours. */
static uint32_t streams_for(const struct policy_session *s, uint32_t n)
{
	if (!s->streams_max || !s->applied.streams)
		return s->applied.streams;
	return n < s->streams_max ? n : s->streams_max;
}

/*
 * The frame size for a chunk decision: the one in force unless it is ours.
 * A limit below what session-set accepts leaves nothing to change (a push
 * would be capped back to it, and asked for again on every sample).
 */
static uint32_t frame_for(const struct policy_session *s, uint32_t chunk)
{
	if (s->frame_size_max < DWCP_MIN_FRAME || !s->applied.chunk_bytes)
		return s->applied.chunk_bytes;
	if (chunk < DWCP_MIN_FRAME)
		return DWCP_MIN_FRAME;
	return chunk < s->frame_size_max ? chunk : s->frame_size_max;
}

/* Relative change from @cur to @next is below @frac (never when one is 0). */
static bool close_to(uint64_t cur, uint64_t next, double frac)
{
	if (!cur || !next)
		return cur == next;
	return fabs((double)next - (double)cur) < frac * (double)cur;
}

static void on_measurement(struct policy *p, struct policy_session *s,
			   const struct dwcp_event *ev,
			   struct policy_action *out)
{
	const uint64_t rate = ev->m.delivery_rate;
	const uint64_t paced = s->applied.pacing_bps;
	struct pba_decision next;
	struct pba_estimate e;
	struct pba_path path;

	if (!rate)
		return;		/* not backlogged: the application, not the path */
	if (paced && (double)rate >= p->cfg.pacing_limited * (double)paced) {
		/* our own cap; look past it now and then */
		if (ev->time_ns - s->last_sample_ns >= p->cfg.probe_after_ns)
			set_pacing(out, s, 0, "probe: capped by its pacing too long");
		return;
	}
	pba_observe(&s->link, (double)rate);
	s->last_sample_ns = ev->time_ns;
	s->samples++;
	pba_estimate(&s->link, &e);
	s->est = e;
	path.mode = pba_mode_of(s->mode);
	path.min_rtt_us = ev->m.min_rtt_us;
	path.loss = ev->m.loss_ppm / 1e6;
	pba_decide(&e, &path, &next);
	/*
	 * A conservative estimate of nothing is no reason to lift the pacing
	 * (0 means unpaced): keep what is in force; the probe lifts it.
	 */
	if (!next.pacing_bps)
		next.pacing_bps = paced;
	/* counts and sizes that are not ours stay as they are */
	next.streams = streams_for(s, next.streams);
	next.chunk_bytes = frame_for(s, next.chunk_bytes);
	if (!pba_worth_applying(&e, &s->applied, &next))
		return;
	if (!close_to(paced, next.pacing_bps, 0.10))
		set_pacing(out, s, next.pacing_bps, "prediction");
	if (pba_streams_differ(s->applied.streams, next.streams))
		set_streams(out, s, next.streams, "prediction");
	if (pba_frame_differs(s->applied.chunk_bytes, next.chunk_bytes))
		set_frame(out, s, next.chunk_bytes, "prediction");
	out->est = e;
}

void policy_step(struct policy *p, const struct dwcp_event *ev,
		 struct policy_action *out)
{
	struct policy_session *s;

	memset(out, 0, sizeof(*out));
	out->kind = POLICY_NONE;
	if (ev->kind == DWCP_EVENT_SESSION_CLOSED) {
		s = policy_find(p, ev->session_id);
		if (s)
			s->used = false;
		return;
	}
	if (ev->kind != DWCP_EVENT_MODE_CHANGED &&
	    ev->kind != DWCP_EVENT_MEASUREMENT)
		return;
	s = track(p, ev->session_id);
	if (!s)
		return;
	s->mode = ev->m.mode;
	s->bytes_acked = ev->bytes_acked;
	s->applied.streams = ev->streams_total;
	s->streams_max = ev->streams_max;
	s->applied.chunk_bytes = ev->frame_size;
	s->frame_size_max = ev->frame_size_max;
	if (ev->m.delivery_rate)
		s->last_rate = ev->m.delivery_rate;
	if (ev->kind == DWCP_EVENT_MODE_CHANGED)
		p->mode_changes++;
	if (s->mode == DWCP_MODE_DATACENTER) {
		if (s->applied.pacing_bps)
			set_pacing(out, s, 0, "datacenter mode: not paced");
		return;
	}
	if (ev->kind == DWCP_EVENT_MEASUREMENT)
		on_measurement(p, s, ev, out);
}

void policy_applied(struct policy *p, const struct policy_action *a, bool ok)
{
	struct policy_session *s;

	if (a->kind == POLICY_NONE || !ok)
		return;
	s = policy_find(p, a->id);
	if (!s)
		return;
	if (a->kind & POLICY_SET_STREAMS) {
		s->applied.streams = a->streams;
		p->streams_pushes++;
	}
	if (a->kind & POLICY_SET_FRAME) {
		s->applied.chunk_bytes = a->frame_bytes;
		p->frame_pushes++;
	}
	if (!(a->kind & POLICY_SET_PACING))
		return;
	s->applied.pacing_bps = a->pacing_bps;
	p->pacing_pushes++;
	if (!a->pacing_bps)
		s->last_sample_ns = 0;	/* the probe: next sample is real */
}

void policy_resync_begin(struct policy *p)
{
	size_t i;

	for (i = 0; i < POLICY_MAX_SESSIONS; i++)
		p->s[i].seen = false;
}

void policy_resync_session(struct policy *p, uint64_t id, uint32_t mode,
			   uint64_t pacing_bps, uint32_t streams,
			   uint32_t streams_max, uint32_t frame_size,
			   uint32_t frame_size_max)
{
	struct policy_session *s = track(p, id);

	if (!s)
		return;
	s->seen = true;
	s->mode = mode;
	/* the pacing in force, whoever set it: capped samples stay out */
	s->applied.pacing_bps = pacing_bps;
	s->applied.streams = streams;
	s->streams_max = streams_max;
	s->applied.chunk_bytes = frame_size;
	s->frame_size_max = frame_size_max;
}

void policy_resync_end(struct policy *p)
{
	size_t i;

	for (i = 0; i < POLICY_MAX_SESSIONS; i++)
		if (p->s[i].used && !p->s[i].seen)
			p->s[i].used = false;
}

size_t policy_tracked(const struct policy *p)
{
	size_t i, n = 0;

	for (i = 0; i < POLICY_MAX_SESSIONS; i++)
		n += p->s[i].used;
	return n;
}
