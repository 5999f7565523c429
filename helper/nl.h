/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The helper's netlink layer: one generic netlink socket on libnl-genl-3,
 * bound to the dwcp family.  Functions return 0 or a negative errno.
 */
#ifndef DWCP_NL_H
#define DWCP_NL_H

#include <stdint.h>

#include "msg.h"

struct nl_sock;

struct dwcp_nl {
	struct nl_sock *sk;
	int family_id;
	uint32_t version;	/* family version the kernel reports */
};

/*
 * Connect and resolve the family.  -ENOENT: the module is not loaded;
 * -EPROTO: the family version is not DWCP_GENL_VERSION (nl->version says
 * which it is).
 */
int dwcp_nl_open(struct dwcp_nl *nl);
void dwcp_nl_close(struct dwcp_nl *nl);

int dwcp_nl_info_get(struct dwcp_nl *nl, struct dwcp_info *info);

/*
 * Join the events group; then dwcp_nl_fd() becomes readable on events.  The
 * socket becomes non-blocking: use another dwcp_nl for requests.
 */
int dwcp_nl_events_subscribe(struct dwcp_nl *nl);
int dwcp_nl_fd(const struct dwcp_nl *nl);

typedef void (*dwcp_event_cb)(const struct dwcp_event *ev, void *arg);
/*
 * Read the events waiting on the socket and call @cb for each.
 * -ENOBUFS: events were lost (the caller should resync by dumps).
 */
int dwcp_nl_events_read(struct dwcp_nl *nl, dwcp_event_cb cb, void *arg);

typedef void (*dwcp_session_cb)(const struct dwcp_session *s, void *arg);
/* Dump every session of the netns, calling @cb for each. */
int dwcp_nl_session_dump(struct dwcp_nl *nl, dwcp_session_cb cb, void *arg);
/*
 * One session by id.  Errors as the kernel gives them (-ENOENT: no such
 * session); @errmsg gets the kernel's extack message, if any.
 */
int dwcp_nl_session_get(struct dwcp_nl *nl, uint64_t id,
			struct dwcp_session *out, char errmsg[DWCP_ERRLEN]);

typedef void (*dwcp_peer_cb)(const struct dwcp_peer *p, void *arg);
/*
 * Dump every peer of the netns, calling @cb for each.  The kernel flags a
 * dump during which its peer table changed (NLM_F_DUMP_INTR): such a dump is
 * taken again, a few times, before @cb sees any peer.  -EAGAIN: every try
 * was interrupted; @cb has seen the last one, which may miss a peer or list
 * one twice.  -EOPNOTSUPP: the module has no peer-get (older than us).
 */
int dwcp_nl_peer_dump(struct dwcp_nl *nl, dwcp_peer_cb cb, void *arg);

/* What session-set changes. */
struct dwcp_session_change {
	uint64_t id;
	int set_pacing, set_codec, set_mode, set_streams, set_frame_size;
	uint64_t pacing_rate;
	int32_t codec;
	uint32_t mode;			/* enum dwcp_mode; AUTO lifts a force */
	uint32_t streams;		/* 1..granted, connecting side only */
	uint32_t frame_size;		/* DWCP_MIN_FRAME..DWCP_MAX_FRAME */
	int set_cc;
	char cc[16];			/* "" hands it back to the mode */
};
/* -EPERM without CAP_NET_ADMIN; -ENOENT; -EINVAL/-ERANGE (see @errmsg). */
int dwcp_nl_session_set(struct dwcp_nl *nl, const struct dwcp_session_change *c,
			char errmsg[DWCP_ERRLEN]);

/* stats-get: the counters of our netns. */
int dwcp_nl_stats_get(struct dwcp_nl *nl, struct dwcp_stats *out,
		      char errmsg[DWCP_ERRLEN]);
int dwcp_nl_defaults_get(struct dwcp_nl *nl, struct dwcp_defaults *out,
			 char errmsg[DWCP_ERRLEN]);

/* What defaults-set changes: each DWCP_A_DEFAULTS_* with its bit in @set. */
struct dwcp_defaults_change {
	uint32_t set;			/* 1u << DWCP_A_DEFAULTS_* */
	struct dwcp_defaults v;
};
/* -EPERM without CAP_NET_ADMIN; -EINVAL/-ERANGE (see @errmsg). */
int dwcp_nl_defaults_set(struct dwcp_nl *nl,
			 const struct dwcp_defaults_change *c,
			 char errmsg[DWCP_ERRLEN]);

/* libnl error (NLE_*) to errno. */
int dwcp_nl_errno(int nlerr);

#endif /* DWCP_NL_H */
