/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dwcpd's policy core: measurement events in, session-set actions out.  A
 * pure step function over a fixed table of sessions (no I/O, no clock, no
 * allocation), so the daemon, the unit tests and the fuzzer drive the same
 * code.
 *
 * Per session, PBA (pba.h) predicts the delivery rate from the kernel's
 * once-a-second measurement events; in internet and hybrid mode the session
 * is paced at the decision's rate (0.95 x the conservative prediction) when
 * the prediction is confident and the change large enough to matter.  In
 * datacenter mode nothing is paced.  A paced session that runs at its pacing
 * rate measures our cap, not the path: such samples are not fed to the
 * predictor, and after probe_after_ns without a real sample the pacing is
 * lifted for a while so that the path shows itself again.  Only that probe
 * lifts a pacing: a conservative estimate that collapses to 0 keeps the
 * pacing in force.
 *
 * Streams: on a session whose count is the policy's (streams-max > 0, a
 * client that left DWCP_STREAMS to the kernel), outside datacenter mode,
 * the decision's stream count (from the predicted bandwidth-delay product,
 * clamped per mode and to streams-max) is pushed, with the pacing, when it
 * differs enough.
 *
 * Frames: on a session whose frame size is the policy's (frame-size-max >
 * 0, an application that left DWCP_FRAME_SIZE to the kernel), outside
 * datacenter mode, the decision's chunk size (the predicted bandwidth-delay
 * product / 8, 16..512 KiB; clamped to frame-size-max) is pushed as the
 * frame size when it is at least 25 % away from the size in force.
 */
#ifndef DWCP_POLICY_H
#define DWCP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "pba.h"

#define POLICY_MAX_SESSIONS 256

struct policy_config {
	bool apply;			/* false: decide and log, change nothing */
	double pacing_limited;		/* rate >= this x pacing: cap-limited */
	uint64_t probe_after_ns;	/* lift pacing after this long blind */
};

struct policy_session {
	bool used;
	uint64_t id;
	uint32_t mode;			/* enum dwcp_mode, from the events */
	struct pba_link link;
	struct pba_decision applied;	/* in force: pacing pushed, streams
					 * and frame size (chunk_bytes) seen
					 */
	uint32_t streams_max;		/* 0: the count is not ours */
	uint32_t frame_size_max;	/* 0: the frame size is not ours */
	uint64_t last_sample_ns;	/* last sample fed to the predictor */
	uint64_t samples;
	struct pba_estimate est;	/* after the last sample */
	uint64_t bytes_acked;		/* from the last event */
	uint64_t last_rate;		/* last delivery rate measured */
	bool seen;			/* listed by the resync dump */
};

struct policy {
	struct policy_config cfg;
	struct policy_session s[POLICY_MAX_SESSIONS];
	uint64_t dropped;		/* sessions not tracked: table full */
	uint64_t mode_changes;		/* mode-changed events seen */
	uint64_t pacing_pushes;		/* pacing changes applied */
	uint64_t streams_pushes;	/* stream-count changes applied */
	uint64_t frame_pushes;		/* frame-size changes applied */
};

/* What an action sets: none, or pacing, streams, frame size (a bit mask). */
enum policy_action_kind {
	POLICY_NONE = 0,
	POLICY_SET_PACING = 1,
	POLICY_SET_STREAMS = 2,
	POLICY_SET_FRAME = 4,
};

/* What the daemon should do, and why (for its log). */
struct policy_action {
	unsigned int kind;		/* enum policy_action_kind bits */
	uint64_t id;
	uint64_t pacing_bps;
	uint32_t streams;		/* POLICY_SET_STREAMS */
	uint32_t frame_bytes;		/* POLICY_SET_FRAME */
	struct pba_estimate est;
	const char *why;
};

void policy_config_default(struct policy_config *c);
void policy_init(struct policy *p, const struct policy_config *c);
/* A kernel event; fills @out (kind POLICY_NONE when nothing to do). */
void policy_step(struct policy *p, const struct dwcp_event *ev,
		 struct policy_action *out);
/* The daemon applied (or failed to apply, @ok false) @a. */
void policy_applied(struct policy *p, const struct policy_action *a, bool ok);
struct policy_session *policy_find(struct policy *p, uint64_t id);

/*
 * Resync from a session dump (at start, and after ENOBUFS lost events):
 * begin, one call per established session listed (its mode, the pacing,
 * streams and frame size in force, and the policy's limits: 0 where the
 * count or size is not the policy's), end.  Sessions the dump did not list
 * are forgotten.
 */
void policy_resync_begin(struct policy *p);
void policy_resync_session(struct policy *p, uint64_t id, uint32_t mode,
			   uint64_t pacing_bps, uint32_t streams,
			   uint32_t streams_max, uint32_t frame_size,
			   uint32_t frame_size_max);
void policy_resync_end(struct policy *p);
/* Sessions tracked now. */
size_t policy_tracked(const struct policy *p);

#endif
