// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "dwcp": commands, replies and events.
 *
 * Message layouts live in uapi/linux/dwcp.h and
 * Documentation/netlink/specs/dwcp.yaml.  The fill functions take plain
 * structs so that KUnit can check them without a registered family.
 */
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "dwcp.h"

enum dwcp_nl_mcgrp {
	DWCP_NLGRP_EVENTS,
};

static const struct genl_multicast_group dwcp_mcgrps[] = {
	[DWCP_NLGRP_EVENTS] = { .name = DWCP_MCGRP_EVENTS },
};

/*
 * Reply and event layouts.  The kernel never parses these; they are the
 * reference that KUnit and userspace parsers check messages against.  PAD
 * is NLA_BINARY, not NLA_UNSPEC: where 64-bit attributes need alignment
 * (UML, 32-bit) nla_put_u64_64bit() emits it, and strict parsing refuses
 * NLA_UNSPEC.
 */
const struct nla_policy dwcp_info_reply_policy[DWCP_A_INFO_MAX + 1] = {
	[DWCP_A_INFO_VERSION] = { .type = NLA_NUL_STRING,
				  .len = DWCP_VERSION_LEN - 1 },
	[DWCP_A_INFO_FAMILY] = { .type = NLA_U32 },
	[DWCP_A_INFO_FEATURES] = { .type = NLA_U64 },
	[DWCP_A_INFO_PAD] = { .type = NLA_BINARY },
};

/* Limits beyond NLA_POLICY_MAX's s16. */
static struct netlink_range_validation dwcp_ppm_range = {
	.max = 1000000,
};

static struct netlink_range_validation dwcp_cooldown_range = {
	.max = DWCP_COOLDOWN_MAX_MS,
};

static struct netlink_range_validation dwcp_frame_range = {
	.min = DWCP_MIN_FRAME,
	.max = DWCP_MAX_FRAME,
};

const struct nla_policy dwcp_stream_policy[DWCP_A_STREAM_MAX + 1] = {
	[DWCP_A_STREAM_INDEX] = { .type = NLA_U32 },
	[DWCP_A_STREAM_UP] = NLA_POLICY_MAX(NLA_U8, 1),
	[DWCP_A_STREAM_RTT_US] = { .type = NLA_U32 },
	[DWCP_A_STREAM_MIN_RTT_US] = { .type = NLA_U32 },
	[DWCP_A_STREAM_CWND] = { .type = NLA_U32 },
	[DWCP_A_STREAM_RETRANS] = { .type = NLA_U32 },
	[DWCP_A_STREAM_DELIVERY_RATE] = { .type = NLA_U64 },
	[DWCP_A_STREAM_PACING_RATE] = { .type = NLA_U64 },
	[DWCP_A_STREAM_BYTES_SENT] = { .type = NLA_U64 },
	[DWCP_A_STREAM_BYTES_RECEIVED] = { .type = NLA_U64 },
	[DWCP_A_STREAM_CC] = { .type = NLA_NUL_STRING, .len = 15 },
	[DWCP_A_STREAM_PAD] = { .type = NLA_BINARY },
	[DWCP_A_STREAM_ERROR] = { .type = NLA_U32 },
};

const struct nla_policy dwcp_session_policy[DWCP_A_SESSION_MAX + 1] = {
	[DWCP_A_SESSION_ID] = { .type = NLA_U64 },
	[DWCP_A_SESSION_SOCK_TYPE] = { .type = NLA_U32 },
	[DWCP_A_SESSION_PAD] = { .type = NLA_BINARY },
	[DWCP_A_SESSION_STATE] = { .type = NLA_U32 },
	[DWCP_A_SESSION_LOCAL] = NLA_POLICY_EXACT_LEN(sizeof(struct sockaddr_dwcp)),
	[DWCP_A_SESSION_PEER] = NLA_POLICY_EXACT_LEN(sizeof(struct sockaddr_dwcp)),
	[DWCP_A_SESSION_STREAMS_UP] = { .type = NLA_U32 },
	[DWCP_A_SESSION_STREAMS_TOTAL] = { .type = NLA_U32 },
	[DWCP_A_SESSION_BYTES_SENT] = { .type = NLA_U64 },
	[DWCP_A_SESSION_BYTES_ACKED] = { .type = NLA_U64 },
	[DWCP_A_SESSION_BYTES_RECEIVED] = { .type = NLA_U64 },
	[DWCP_A_SESSION_FRAMES_RESENT] = { .type = NLA_U64 },
	[DWCP_A_SESSION_PACING_RATE] = { .type = NLA_U64 },
	[DWCP_A_SESSION_CODEC] = NLA_POLICY_RANGE(NLA_S32, -1, HDE_NR_OPTS - 1),
	[DWCP_A_SESSION_INFO] = { .type = NLA_BINARY },
	[DWCP_A_SESSION_STREAM] = NLA_POLICY_NESTED(dwcp_stream_policy),
	[DWCP_A_SESSION_MODE] = NLA_POLICY_MAX(NLA_U32, DWCP_MODE_MAX),
	[DWCP_A_SESSION_MODE_FORCED] = NLA_POLICY_MAX(NLA_U32, DWCP_MODE_MAX),
	[DWCP_A_SESSION_OLD_MODE] = NLA_POLICY_MAX(NLA_U32, DWCP_MODE_MAX),
	[DWCP_A_SESSION_MODE_REASON] =
		NLA_POLICY_RANGE(NLA_U32, DWCP_MODE_REASON_DETECTED,
				 DWCP_MODE_REASON_FORCED),
	[DWCP_A_SESSION_RTT_US] = { .type = NLA_U32 },
	[DWCP_A_SESSION_MIN_RTT_US] = { .type = NLA_U32 },
	[DWCP_A_SESSION_LOSS_PPM] = NLA_POLICY_FULL_RANGE(NLA_U32, &dwcp_ppm_range),
	[DWCP_A_SESSION_DELIVERY_RATE] = { .type = NLA_U64 },
	[DWCP_A_SESSION_TIME_NS] = { .type = NLA_U64 },
	[DWCP_A_SESSION_MODE_SCORES] =
		NLA_POLICY_EXACT_LEN(DWCP_NMODES * sizeof(u32)),
	[DWCP_A_SESSION_STREAMS_MAX] = { .type = NLA_U32 },
	[DWCP_A_SESSION_CONGESTION] = { .type = NLA_NUL_STRING,
					.len = TCP_CA_NAME_MAX - 1 },
	[DWCP_A_SESSION_FRAME_SIZE] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &dwcp_frame_range),
	[DWCP_A_SESSION_FRAME_SIZE_MAX] = { .type = NLA_U32 },
	[DWCP_A_SESSION_FALLBACK] = { .type = NLA_U32 },
};

const struct nla_policy dwcp_defaults_policy[DWCP_A_DEFAULTS_MAX + 1] = {
	[DWCP_A_DEFAULTS_MODE] = NLA_POLICY_MAX(NLA_U32, DWCP_MODE_MAX),
	[DWCP_A_DEFAULTS_DC_RTT_US] = { .type = NLA_U32 },
	[DWCP_A_DEFAULTS_INET_RTT_US] = { .type = NLA_U32 },
	[DWCP_A_DEFAULTS_DC_BW] = { .type = NLA_U64 },
	[DWCP_A_DEFAULTS_INET_BW] = { .type = NLA_U64 },
	[DWCP_A_DEFAULTS_DC_LOSS_PPM] = NLA_POLICY_FULL_RANGE(NLA_U32, &dwcp_ppm_range),
	[DWCP_A_DEFAULTS_INET_LOSS_PPM] = NLA_POLICY_FULL_RANGE(NLA_U32, &dwcp_ppm_range),
	[DWCP_A_DEFAULTS_ENTER_PCT] = NLA_POLICY_RANGE(NLA_U32, 1, 100),
	[DWCP_A_DEFAULTS_LEAVE_PCT] = NLA_POLICY_RANGE(NLA_U32, 1, 100),
	[DWCP_A_DEFAULTS_COOLDOWN_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &dwcp_cooldown_range),
	[DWCP_A_DEFAULTS_PAD] = { .type = NLA_BINARY },
};

const struct nla_policy dwcp_stats_policy[DWCP_A_STATS_MAX + 1] = {
	[DWCP_A_STATS_PAD] = { .type = NLA_BINARY },
	[DWCP_A_STATS_SESSIONS_OPENED ... DWCP_A_STATS_MAX] = { .type = NLA_U64 },
};

const struct nla_policy dwcp_peer_policy[DWCP_A_PEER_MAX + 1] = {
	[DWCP_A_PEER_ADDR] = NLA_POLICY_EXACT_LEN(sizeof(struct sockaddr_dwcp)),
	[DWCP_A_PEER_PAD] = { .type = NLA_BINARY },
	[DWCP_A_PEER_MODE] = NLA_POLICY_MAX(NLA_U32, DWCP_MODE_MAX),
	[DWCP_A_PEER_RTT_US] = { .type = NLA_U32 },
	[DWCP_A_PEER_MIN_RTT_US] = { .type = NLA_U32 },
	[DWCP_A_PEER_LOSS_PPM] = { .type = NLA_U32 },
	[DWCP_A_PEER_DELIVERY_RATE] = { .type = NLA_U64 },
	[DWCP_A_PEER_MODE_SCORES] = NLA_POLICY_EXACT_LEN(DWCP_NMODES *
							 sizeof(u32)),
	[DWCP_A_PEER_AGE_MS] = { .type = NLA_U64 },
	[DWCP_A_PEER_REPORTS] = { .type = NLA_U64 },
	[DWCP_A_PEER_WARM_STARTS] = { .type = NLA_U64 },
	[DWCP_A_PEER_SAMPLES] = { .type = NLA_U64 },
	[DWCP_A_PEER_MODE_CHANGES] = { .type = NLA_U64 },
};

/* Requests: only what each command reads; strict validation refuses the rest. */
static const struct nla_policy dwcp_session_get_policy[DWCP_A_SESSION_MAX + 1] = {
	[DWCP_A_SESSION_ID] = { .type = NLA_U64 },
};

static const struct nla_policy dwcp_session_set_policy[DWCP_A_SESSION_MAX + 1] = {
	[DWCP_A_SESSION_ID] = { .type = NLA_U64 },
	[DWCP_A_SESSION_PACING_RATE] = { .type = NLA_U64 },
	[DWCP_A_SESSION_CODEC] = NLA_POLICY_RANGE(NLA_S32, -1, HDE_NR_OPTS - 1),
	[DWCP_A_SESSION_MODE] = NLA_POLICY_MAX(NLA_U32, DWCP_MODE_MAX),
	[DWCP_A_SESSION_STREAMS_TOTAL] =
		NLA_POLICY_RANGE(NLA_U32, 1, DWCP_MAX_STREAMS),
	[DWCP_A_SESSION_CONGESTION] = { .type = NLA_NUL_STRING,
					.len = TCP_CA_NAME_MAX - 1 },
	[DWCP_A_SESSION_FRAME_SIZE] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &dwcp_frame_range),
};

/* defaults-get and stats-get take nothing (see info-get below). */
static const struct nla_policy dwcp_defaults_get_policy[DWCP_A_DEFAULTS_MAX + 1] = {
};

static const struct nla_policy dwcp_stats_get_policy[DWCP_A_STATS_MAX + 1] = {
};

static const struct nla_policy dwcp_peer_get_policy[DWCP_A_PEER_MAX + 1] = {
};

/*
 * info-get takes no attributes.  An all-NLA_UNSPEC policy makes strict
 * validation reject any attribute with an extack message instead of silently
 * ignoring it.
 */
static const struct nla_policy dwcp_info_get_policy[DWCP_A_INFO_MAX + 1] = {
};

static struct genl_family dwcp_genl_family;

/*
 * The header of an event about session @id and the id itself; NULL when
 * @skb is too small (left as it was).
 */
static void *dwcp_nl_event_put(struct sk_buff *skb, u8 cmd, u64 id)
{
	void *hdr = genlmsg_put(skb, 0, 0, &dwcp_genl_family, 0, cmd);

	if (hdr && nla_put_u64_64bit(skb, DWCP_A_SESSION_ID, id,
				     DWCP_A_SESSION_PAD)) {
		genlmsg_cancel(skb, hdr);
		hdr = NULL;
	}
	return hdr;
}

/* Send @msg, filled with result @err, as the reply to @info. */
static int dwcp_nl_reply(struct sk_buff *msg, int err, struct genl_info *info)
{
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* A new event message, or NULL when nobody listens in @net (or no memory). */
static struct sk_buff *dwcp_nl_event_new(struct net *net)
{
	if (!genl_has_listeners(&dwcp_genl_family, net, DWCP_NLGRP_EVENTS))
		return NULL;
	return genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
}

/*
 * Multicast @skb, filled with result @err, to @net's listeners.  Events are
 * hints: one that cannot be built is dropped and listeners resync by dump.
 */
static void dwcp_nl_multicast(struct net *net, struct sk_buff *skb, int err)
{
	if (err) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_multicast_netns(&dwcp_genl_family, net, skb, 0,
				DWCP_NLGRP_EVENTS, GFP_KERNEL);
}

/**
 * dwcp_nl_fill_info() - put an info-get reply into @skb
 * @skb: message buffer
 * @portid: netlink port of the requester
 * @seq: sequence number of the request
 * @info: what to report
 *
 * Return: 0 on success; -EMSGSIZE if @skb is too small (@skb is left as it
 * was).
 */
int dwcp_nl_fill_info(struct sk_buff *skb, u32 portid, u32 seq,
		      const struct dwcp_info *info)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &dwcp_genl_family, 0,
			  DWCP_CMD_INFO_GET);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_string(skb, DWCP_A_INFO_VERSION, info->version) ||
	    nla_put_u32(skb, DWCP_A_INFO_FAMILY, info->family) ||
	    nla_put_u64_64bit(skb, DWCP_A_INFO_FEATURES, info->features,
			      DWCP_A_INFO_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/**
 * dwcp_nl_fill_session_event() - put a session event into @skb
 * @skb: message buffer
 * @ev: the event; @ev->cmd is the event's command
 *
 * Return: 0 on success; -EMSGSIZE if @skb is too small (@skb is left as it
 * was).
 */
int dwcp_nl_fill_session_event(struct sk_buff *skb,
			       const struct dwcp_session_event *ev)
{
	void *hdr = dwcp_nl_event_put(skb, ev->cmd, ev->id);

	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, DWCP_A_SESSION_SOCK_TYPE, ev->sock_type)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/**
 * dwcp_nl_notify_session() - multicast a session event to @net's listeners
 * @net: network namespace of the session
 * @ev: the event
 *
 * Events are hints (see the uapi header): when memory is short the event is
 * dropped, listeners resync with a dump.  Must be called in process context.
 */
void dwcp_nl_notify_session(struct net *net,
			    const struct dwcp_session_event *ev)
{
	struct sk_buff *skb = dwcp_nl_event_new(net);

	if (skb)
		dwcp_nl_multicast(net, skb, dwcp_nl_fill_session_event(skb, ev));
}

static int dwcp_nl_info_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	const struct dwcp_info data = {
		.version = DWCP_MODULE_VERSION,
		.family = dwcp_family,
		.features = dwcp_features(),
	};
	struct sk_buff *msg;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	return dwcp_nl_reply(msg, dwcp_nl_fill_info(msg, info->snd_portid,
						    info->snd_seq, &data),
			     info);
}

static int dwcp_nl_put_stream(struct sk_buff *skb,
			      const struct dwcp_stream_info *si)
{
	struct nlattr *nest = nla_nest_start(skb, DWCP_A_SESSION_STREAM);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, DWCP_A_STREAM_INDEX, si->dwsi_index) ||
	    nla_put_u8(skb, DWCP_A_STREAM_UP, !!si->dwsi_state) ||
	    nla_put_u64_64bit(skb, DWCP_A_STREAM_BYTES_SENT,
			      si->dwsi_bytes_sent, DWCP_A_STREAM_PAD) ||
	    nla_put_u64_64bit(skb, DWCP_A_STREAM_BYTES_RECEIVED,
			      si->dwsi_bytes_received, DWCP_A_STREAM_PAD))
		goto cancel;
	if (si->dwsi_state &&
	    (nla_put_u32(skb, DWCP_A_STREAM_RTT_US, si->dwsi_rtt_us) ||
	     nla_put_u32(skb, DWCP_A_STREAM_MIN_RTT_US, si->dwsi_min_rtt_us) ||
	     nla_put_u32(skb, DWCP_A_STREAM_CWND, si->dwsi_cwnd) ||
	     nla_put_u32(skb, DWCP_A_STREAM_RETRANS, si->dwsi_total_retrans) ||
	     nla_put_u64_64bit(skb, DWCP_A_STREAM_DELIVERY_RATE,
			       si->dwsi_delivery_rate, DWCP_A_STREAM_PAD) ||
	     nla_put_u64_64bit(skb, DWCP_A_STREAM_PACING_RATE,
			       si->dwsi_pacing_rate, DWCP_A_STREAM_PAD) ||
	     nla_put_string(skb, DWCP_A_STREAM_CC, si->dwsi_cc)))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int dwcp_nl_put_session(struct sk_buff *skb,
			       const struct dwcp_session_view *v,
			       bool streams)
{
	const struct dwcp_conn_info *ci = &v->info;
	int i;

	if (nla_put_u64_64bit(skb, DWCP_A_SESSION_ID, v->id,
			      DWCP_A_SESSION_PAD) ||
	    nla_put_u32(skb, DWCP_A_SESSION_SOCK_TYPE, v->sock_type) ||
	    nla_put_u32(skb, DWCP_A_SESSION_STATE, ci->dwci_state) ||
	    nla_put(skb, DWCP_A_SESSION_LOCAL, sizeof(v->local), &v->local) ||
	    (v->has_peer &&
	     nla_put(skb, DWCP_A_SESSION_PEER, sizeof(v->peer), &v->peer)) ||
	    nla_put_u32(skb, DWCP_A_SESSION_STREAMS_UP, ci->dwci_streams_up) ||
	    nla_put_u32(skb, DWCP_A_SESSION_STREAMS_TOTAL,
			ci->dwci_streams_total) ||
	    nla_put_u64_64bit(skb, DWCP_A_SESSION_BYTES_SENT,
			      ci->dwci_bytes_sent, DWCP_A_SESSION_PAD) ||
	    nla_put_u64_64bit(skb, DWCP_A_SESSION_BYTES_ACKED,
			      ci->dwci_bytes_acked, DWCP_A_SESSION_PAD) ||
	    nla_put_u64_64bit(skb, DWCP_A_SESSION_BYTES_RECEIVED,
			      ci->dwci_bytes_received, DWCP_A_SESSION_PAD) ||
	    nla_put_u64_64bit(skb, DWCP_A_SESSION_FRAMES_RESENT,
			      ci->dwci_frames_resent, DWCP_A_SESSION_PAD) ||
	    nla_put_u64_64bit(skb, DWCP_A_SESSION_PACING_RATE,
			      ci->dwci_pacing_rate, DWCP_A_SESSION_PAD) ||
	    nla_put_s32(skb, DWCP_A_SESSION_CODEC, ci->dwci_hde_codec) ||
	    nla_put(skb, DWCP_A_SESSION_INFO, sizeof(*ci), ci) ||
	    nla_put_u32(skb, DWCP_A_SESSION_MODE, ci->dwci_mode) ||
	    nla_put_u32(skb, DWCP_A_SESSION_MODE_FORCED, v->forced) ||
	    nla_put_u32(skb, DWCP_A_SESSION_RTT_US, ci->dwci_rtt_us) ||
	    nla_put_u32(skb, DWCP_A_SESSION_MIN_RTT_US, ci->dwci_min_rtt_us) ||
	    nla_put_u32(skb, DWCP_A_SESSION_LOSS_PPM, ci->dwci_loss_ppm) ||
	    nla_put_u64_64bit(skb, DWCP_A_SESSION_DELIVERY_RATE,
			      ci->dwci_delivery_rate, DWCP_A_SESSION_PAD) ||
	    nla_put(skb, DWCP_A_SESSION_MODE_SCORES,
		    sizeof(ci->dwci_mode_score), ci->dwci_mode_score) ||
	    nla_put_u32(skb, DWCP_A_SESSION_STREAMS_MAX, v->streams_max) ||
	    nla_put_string(skb, DWCP_A_SESSION_CONGESTION, v->cc) ||
	    nla_put_u32(skb, DWCP_A_SESSION_FRAME_SIZE, ci->dwci_frame_size) ||
	    nla_put_u32(skb, DWCP_A_SESSION_FRAME_SIZE_MAX, v->frame_max) ||
	    nla_put_u32(skb, DWCP_A_SESSION_FALLBACK, v->fallback))
		return -EMSGSIZE;
	for (i = 0; streams && i < v->nstreams; i++)
		if (dwcp_nl_put_stream(skb, &v->streams[i]))
			return -EMSGSIZE;
	return 0;
}

/**
 * dwcp_nl_fill_session() - put a session-get reply into @skb
 * @skb: message buffer
 * @portid: netlink port of the requester
 * @seq: sequence number of the request
 * @flags: netlink message flags (NLM_F_MULTI in dumps)
 * @v: the session's figures
 * @streams: include the per-stream nests
 *
 * Return: 0 on success; -EMSGSIZE if @skb is too small (@skb is left as it
 * was).
 */
int dwcp_nl_fill_session(struct sk_buff *skb, u32 portid, u32 seq, int flags,
			 const struct dwcp_session_view *v, bool streams)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &dwcp_genl_family, flags,
			  DWCP_CMD_SESSION_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (dwcp_nl_put_session(skb, v, streams)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * The session of @net with the smallest id above @after (@exact: the one
 * with id @after), with a reference held; NULL if none.
 */
static struct dwcp_sock *dwcp_nl_session_find(struct net *net, u64 after,
					      bool exact)
{
	struct dwcp_net *dn = dwcp_pernet(net);
	struct dwcp_sock *dsk, *found = NULL;

	spin_lock_bh(&dn->socks_lock);
	list_for_each_entry(dsk, &dn->socks, netns_node) {
		if (exact ? dsk->id != after : dsk->id <= after)
			continue;
		if (found && found->id < dsk->id)
			continue;
		if (!refcount_inc_not_zero(&dsk->sk.sk_refcnt))
			continue;
		if (found)
			sock_put(&found->sk);
		found = dsk;
	}
	spin_unlock_bh(&dn->socks_lock);
	return found;
}

/* Figures of @dsk for a reply; v->streams is kvmalloc'ed (kvfree it). */
static int dwcp_nl_session_view(struct dwcp_sock *dsk,
				struct dwcp_session_view *v)
{
	memset(v, 0, sizeof(*v));
	lock_sock(&dsk->sk);
	if (dsk->nstreams && dsk->streams) {
		v->streams = kvcalloc(dsk->nstreams, sizeof(*v->streams),
				      GFP_KERNEL);
		if (!v->streams) {
			release_sock(&dsk->sk);
			return -ENOMEM;
		}
	}
	v->nstreams = dwcp_session_snapshot(dsk, &v->info, v->streams,
					    v->streams ? dsk->nstreams : 0);
	v->id = dsk->id;
	v->sock_type = dsk->sk.sk_type;
	v->forced = dsk->det.forced;
	v->streams_max = dwcp_session_streams_max(dsk);
	v->frame_max = dwcp_session_frame_max(dsk);
	v->fallback = dsk->fallback;
	strscpy(v->cc, dsk->cc, sizeof(v->cc));
	if (!v->forced) {
		struct dwcp_detect_cfg c;

		dwcp_defaults_get(sock_net(&dsk->sk), &c);
		v->forced = c.forced;
	}
	v->has_peer = dsk->peer.ss_family != AF_UNSPEC;
	dwcp_addr_to_user(&dsk->local, (struct sockaddr *)&v->local);
	dwcp_addr_to_user(&dsk->peer, (struct sockaddr *)&v->peer);
	release_sock(&dsk->sk);
	return 0;
}

static size_t dwcp_nl_session_size(const struct dwcp_session_view *v)
{
	return NLMSG_ALIGN(GENL_HDRLEN) + 1024 + sizeof(v->info) +
	       v->nstreams * 160;
}

static struct dwcp_sock *dwcp_nl_session_of(struct genl_info *info)
{
	struct dwcp_sock *dsk;

	if (GENL_REQ_ATTR_CHECK(info, DWCP_A_SESSION_ID))
		return ERR_PTR(-EINVAL);
	dsk = dwcp_nl_session_find(genl_info_net(info),
				   nla_get_u64(info->attrs[DWCP_A_SESSION_ID]),
				   true);
	if (!dsk) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[DWCP_A_SESSION_ID],
				    "no session with this id in this netns");
		return ERR_PTR(-ENOENT);
	}
	return dsk;
}

static int dwcp_nl_session_get_doit(struct sk_buff *skb,
				    struct genl_info *info)
{
	struct dwcp_session_view v;
	struct dwcp_sock *dsk;
	struct sk_buff *msg;
	int err;

	dsk = dwcp_nl_session_of(info);
	if (IS_ERR(dsk))
		return PTR_ERR(dsk);
	err = dwcp_nl_session_view(dsk, &v);
	sock_put(&dsk->sk);
	if (err)
		return err;
	msg = genlmsg_new(dwcp_nl_session_size(&v), GFP_KERNEL);
	if (!msg) {
		kvfree(v.streams);
		return -ENOMEM;
	}
	err = dwcp_nl_fill_session(msg, info->snd_portid, info->snd_seq, 0,
				   &v, true);
	kvfree(v.streams);
	return dwcp_nl_reply(msg, err, info);
}

/*
 * One message per session, by increasing id; cb->args[0] is the last id
 * sent.  A session whose streams do not fit in a dump message is sent
 * without the stream nests (session-get of its id returns them).
 */
static int dwcp_nl_session_get_dumpit(struct sk_buff *skb,
				      struct netlink_callback *cb)
{
	struct dwcp_session_view v;
	struct dwcp_sock *dsk;
	u32 portid = NETLINK_CB(cb->skb).portid;
	u32 seq = cb->nlh->nlmsg_seq;
	int err, sent = 0;

	while ((dsk = dwcp_nl_session_find(sock_net(skb->sk), cb->args[0],
					   false))) {
		err = dwcp_nl_session_view(dsk, &v);
		sock_put(&dsk->sk);
		if (err)
			return sent ? skb->len : err;
		err = dwcp_nl_fill_session(skb, portid, seq, NLM_F_MULTI, &v,
					   true);
		if (err && !sent)
			err = dwcp_nl_fill_session(skb, portid, seq,
						   NLM_F_MULTI, &v, false);
		kvfree(v.streams);
		if (err)
			break;
		cb->args[0] = v.id;
		sent++;
	}
	return skb->len;
}

/* Say why streams-total was refused (dwcp_session_set_streams' errors). */
static void dwcp_nl_streams_error(struct netlink_ext_ack *extack,
				  const struct nlattr *attr, int err)
{
	switch (err) {
	case 0:
		break;
	case -EOPNOTSUPP:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "only the connecting side opens streams");
		break;
	case -ENOTCONN:
		NL_SET_ERR_MSG_ATTR(extack, attr, "the session is not connected");
		break;
	default:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "above the streams the peer granted (stream nests of session-get)");
		break;
	}
}

static int dwcp_nl_session_set_doit(struct sk_buff *skb,
				    struct genl_info *info)
{
	struct nlattr *pacing = info->attrs[DWCP_A_SESSION_PACING_RATE];
	struct nlattr *codec = info->attrs[DWCP_A_SESSION_CODEC];
	struct nlattr *mode = info->attrs[DWCP_A_SESSION_MODE];
	struct nlattr *streams = info->attrs[DWCP_A_SESSION_STREAMS_TOTAL];
	struct nlattr *cc = info->attrs[DWCP_A_SESSION_CONGESTION];
	struct nlattr *frame = info->attrs[DWCP_A_SESSION_FRAME_SIZE];
	struct dwcp_sock *dsk;
	int err = 0;

	if (!pacing && !codec && !mode && !streams && !cc && !frame) {
		NL_SET_ERR_MSG(info->extack,
			       "nothing to set: give pacing-rate, codec, mode, streams-total, congestion or frame-size");
		return -EINVAL;
	}
	/* in the caller's context: its rights decide, as for TCP_CONGESTION */
	if (cc && nla_len(cc) > 1) {
		err = dwcp_check_congestion(genl_info_net(info), nla_data(cc));
		if (err) {
			NL_SET_ERR_MSG_ATTR(info->extack, cc,
					    "congestion control not available");
			return err;
		}
	}
	dsk = dwcp_nl_session_of(info);
	if (IS_ERR(dsk))
		return PTR_ERR(dsk);
	lock_sock(&dsk->sk);
	/* streams first: the one that can be refused for the session's role */
	if (streams) {
		err = dwcp_session_set_streams(dsk, nla_get_u32(streams));
		dwcp_nl_streams_error(info->extack, streams, err);
		/* the policy's count from now on, not the kernel's choice */
		dsk->policy_streams |= !err;
	}
	if (!err && codec) {
		err = dwcp_session_set_codec(dsk, nla_get_s32(codec));
		if (err)
			NL_SET_ERR_MSG_ATTR(info->extack, codec,
					    "codec out of range");
	}
	if (!err && pacing)
		dwcp_session_set_pacing(dsk, nla_get_u64(pacing));
	if (!err && mode)
		err = dwcp_mode_force(dsk, nla_get_u32(mode));
	if (!err && cc)
		dwcp_session_set_cc(dsk, nla_data(cc));
	/* in range by the policy: cannot fail */
	if (!err && frame)
		dwcp_session_set_frame_size(dsk, nla_get_u32(frame));
	release_sock(&dsk->sk);
	sock_put(&dsk->sk);
	return err;
}

/**
 * dwcp_nl_fill_mode_event() - put a mode-changed or measurement event into
 * @skb
 * @skb: message buffer
 * @ev: the event; @ev->cmd is its command
 *
 * Return: 0 on success; -EMSGSIZE if @skb is too small (@skb is left as it
 * was).
 */
int dwcp_nl_fill_mode_event(struct sk_buff *skb,
			    const struct dwcp_mode_event *ev)
{
	void *hdr = dwcp_nl_event_put(skb, ev->cmd, ev->id);

	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, DWCP_A_SESSION_MODE, ev->mode) ||
	    nla_put_u64_64bit(skb, DWCP_A_SESSION_TIME_NS, ev->time_ns,
			      DWCP_A_SESSION_PAD) ||
	    nla_put_u32(skb, DWCP_A_SESSION_RTT_US, ev->sample.rtt_us) ||
	    nla_put_u32(skb, DWCP_A_SESSION_MIN_RTT_US,
			ev->sample.min_rtt_us) ||
	    nla_put_u32(skb, DWCP_A_SESSION_LOSS_PPM, ev->sample.loss_ppm) ||
	    nla_put_u64_64bit(skb, DWCP_A_SESSION_DELIVERY_RATE,
			      ev->sample.rate, DWCP_A_SESSION_PAD) ||
	    nla_put_u64_64bit(skb, DWCP_A_SESSION_BYTES_ACKED,
			      ev->bytes_acked, DWCP_A_SESSION_PAD) ||
	    nla_put(skb, DWCP_A_SESSION_MODE_SCORES, sizeof(ev->scores),
		    ev->scores) ||
	    nla_put_u32(skb, DWCP_A_SESSION_STREAMS_TOTAL, ev->streams_total) ||
	    nla_put_u32(skb, DWCP_A_SESSION_STREAMS_MAX, ev->streams_max) ||
	    nla_put_u32(skb, DWCP_A_SESSION_FRAME_SIZE, ev->frame_size) ||
	    nla_put_u32(skb, DWCP_A_SESSION_FRAME_SIZE_MAX, ev->frame_max))
		goto cancel;
	if (ev->cmd == DWCP_CMD_MODE_CHANGED &&
	    (nla_put_u32(skb, DWCP_A_SESSION_OLD_MODE, ev->old_mode) ||
	     nla_put_u32(skb, DWCP_A_SESSION_MODE_REASON, ev->reason)))
		goto cancel;
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/**
 * dwcp_nl_notify_measurement() - multicast a mode-changed or measurement
 * event of @dsk
 * @dsk: the session
 * @cmd: DWCP_CMD_MODE_CHANGED or DWCP_CMD_MEASUREMENT
 * @sample: the measurements to report
 *
 * Context: process, the socket lock held.
 */
void dwcp_nl_notify_measurement(struct dwcp_sock *dsk, u8 cmd,
				const struct dwcp_sample *sample)
{
	struct net *net = sock_net(&dsk->sk);
	struct dwcp_mode_event ev = {
		.cmd = cmd,
		.id = dsk->id,
		.mode = dsk->det.mode,
		.old_mode = dsk->det.old_mode,
		.reason = dsk->det.reason,
		.time_ns = ktime_get_real_ns(),
		.sample = *sample,
		.bytes_acked = dsk->st.dwci_bytes_acked,
		.streams_total = dsk->active,
		.streams_max = dwcp_session_streams_max(dsk),
		.frame_size = dwcp_session_frame_size(dsk),
		.frame_max = dwcp_session_frame_max(dsk),
	};
	struct sk_buff *skb = dwcp_nl_event_new(net);
	int i;

	if (!skb)
		return;
	for (i = 0; i < DWCP_NMODES; i++)
		ev.scores[i] = dsk->det.score[i];
	dwcp_nl_multicast(net, skb, dwcp_nl_fill_mode_event(skb, &ev));
}

/**
 * dwcp_nl_fill_fallback_event() - put a fallback event into @skb
 * @skb: message buffer
 * @ev: the event
 *
 * Return: 0 on success; -EMSGSIZE if @skb is too small (@skb is left as it
 * was).
 */
int dwcp_nl_fill_fallback_event(struct sk_buff *skb,
				const struct dwcp_fallback_event *ev)
{
	void *hdr = dwcp_nl_event_put(skb, DWCP_CMD_FALLBACK, ev->id);

	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, DWCP_A_SESSION_TIME_NS, ev->time_ns,
			      DWCP_A_SESSION_PAD) ||
	    nla_put_u32(skb, DWCP_A_SESSION_MODE, ev->mode) ||
	    nla_put_u32(skb, DWCP_A_SESSION_FALLBACK, ev->reason)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/**
 * dwcp_nl_notify_fallback() - multicast the fallback event of @dsk
 * @dsk: the session; @dsk->fallback set
 *
 * Context: process, the socket lock held.
 */
void dwcp_nl_notify_fallback(struct dwcp_sock *dsk)
{
	struct net *net = sock_net(&dsk->sk);
	struct dwcp_fallback_event ev = {
		.id = dsk->id,
		.time_ns = ktime_get_real_ns(),
		.mode = dsk->det.mode,
		.reason = dsk->fallback,
	};
	struct sk_buff *skb = dwcp_nl_event_new(net);

	if (skb)
		dwcp_nl_multicast(net, skb,
				  dwcp_nl_fill_fallback_event(skb, &ev));
}

/**
 * dwcp_nl_fill_defaults() - put a defaults-get reply into @skb
 * @skb: message buffer
 * @portid: netlink port of the requester
 * @seq: sequence number of the request
 * @c: the netns's detector configuration
 *
 * Return: 0 on success; -EMSGSIZE if @skb is too small (@skb is left as it
 * was).
 */
int dwcp_nl_fill_defaults(struct sk_buff *skb, u32 portid, u32 seq,
			  const struct dwcp_detect_cfg *c)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &dwcp_genl_family, 0,
			  DWCP_CMD_DEFAULTS_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, DWCP_A_DEFAULTS_MODE, c->forced) ||
	    nla_put_u32(skb, DWCP_A_DEFAULTS_DC_RTT_US, c->dc_rtt_us) ||
	    nla_put_u32(skb, DWCP_A_DEFAULTS_INET_RTT_US, c->inet_rtt_us) ||
	    nla_put_u64_64bit(skb, DWCP_A_DEFAULTS_DC_BW, c->dc_bw,
			      DWCP_A_DEFAULTS_PAD) ||
	    nla_put_u64_64bit(skb, DWCP_A_DEFAULTS_INET_BW, c->inet_bw,
			      DWCP_A_DEFAULTS_PAD) ||
	    nla_put_u32(skb, DWCP_A_DEFAULTS_DC_LOSS_PPM, c->dc_loss_ppm) ||
	    nla_put_u32(skb, DWCP_A_DEFAULTS_INET_LOSS_PPM,
			c->inet_loss_ppm) ||
	    nla_put_u32(skb, DWCP_A_DEFAULTS_ENTER_PCT, c->enter_pct) ||
	    nla_put_u32(skb, DWCP_A_DEFAULTS_LEAVE_PCT, c->leave_pct) ||
	    nla_put_u32(skb, DWCP_A_DEFAULTS_COOLDOWN_MS, c->cooldown_ms)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static void dwcp_nl_get_u32(struct nlattr **tb, int type, u32 *v)
{
	if (tb[type])
		*v = nla_get_u32(tb[type]);
}

/**
 * dwcp_nl_parse_defaults() - apply the attributes of a defaults-set to @c
 * @tb: the validated attributes (dwcp_defaults_policy)
 * @c: the configuration to update; untouched attributes keep their values
 * @extack: for the message naming what is wrong
 *
 * Return: 0, or -EINVAL when the result is inconsistent (dc above inet).
 */
int dwcp_nl_parse_defaults(struct nlattr **tb, struct dwcp_detect_cfg *c,
			   struct netlink_ext_ack *extack)
{
	dwcp_nl_get_u32(tb, DWCP_A_DEFAULTS_MODE, &c->forced);
	dwcp_nl_get_u32(tb, DWCP_A_DEFAULTS_DC_RTT_US, &c->dc_rtt_us);
	dwcp_nl_get_u32(tb, DWCP_A_DEFAULTS_INET_RTT_US, &c->inet_rtt_us);
	if (tb[DWCP_A_DEFAULTS_DC_BW])
		c->dc_bw = nla_get_u64(tb[DWCP_A_DEFAULTS_DC_BW]);
	if (tb[DWCP_A_DEFAULTS_INET_BW])
		c->inet_bw = nla_get_u64(tb[DWCP_A_DEFAULTS_INET_BW]);
	dwcp_nl_get_u32(tb, DWCP_A_DEFAULTS_DC_LOSS_PPM, &c->dc_loss_ppm);
	dwcp_nl_get_u32(tb, DWCP_A_DEFAULTS_INET_LOSS_PPM, &c->inet_loss_ppm);
	dwcp_nl_get_u32(tb, DWCP_A_DEFAULTS_ENTER_PCT, &c->enter_pct);
	dwcp_nl_get_u32(tb, DWCP_A_DEFAULTS_LEAVE_PCT, &c->leave_pct);
	dwcp_nl_get_u32(tb, DWCP_A_DEFAULTS_COOLDOWN_MS, &c->cooldown_ms);
	switch (dwcp_detect_cfg_check(c)) {
	case DWCP_CFG_OK:
		return 0;
	case DWCP_CFG_BAD_RTT:
		NL_SET_ERR_MSG_ATTR(extack, tb[DWCP_A_DEFAULTS_DC_RTT_US] ?:
				    tb[DWCP_A_DEFAULTS_INET_RTT_US],
				    "dc-rtt-us must not exceed inet-rtt-us");
		break;
	case DWCP_CFG_BAD_LOSS:
		NL_SET_ERR_MSG_ATTR(extack, tb[DWCP_A_DEFAULTS_DC_LOSS_PPM] ?:
				    tb[DWCP_A_DEFAULTS_INET_LOSS_PPM],
				    "dc-loss-ppm must not exceed inet-loss-ppm");
		break;
	default:	/* the policy's ranges catch the rest */
		NL_SET_ERR_MSG(extack, "inconsistent defaults");
		break;
	}
	return -EINVAL;
}

static int dwcp_nl_defaults_get_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct dwcp_detect_cfg c;
	struct sk_buff *msg;

	dwcp_defaults_get(genl_info_net(info), &c);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	return dwcp_nl_reply(msg, dwcp_nl_fill_defaults(msg, info->snd_portid,
							info->snd_seq, &c),
			     info);
}

static int dwcp_nl_defaults_set_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct dwcp_detect_cfg c;
	int err;

	/* genl_mutex serialises setters: get, update, set is atomic */
	dwcp_defaults_get(net, &c);
	err = dwcp_nl_parse_defaults(info->attrs, &c, info->extack);
	if (!err)
		dwcp_defaults_set(net, &c);
	return err;
}

/**
 * dwcp_nl_fill_stats() - put a stats-get reply into @skb
 * @skb: message buffer
 * @portid: netlink port of the requester
 * @seq: sequence number of the request
 * @mib: DWCP_MIB_MAX counter values
 *
 * Return: 0 on success; -EMSGSIZE if @skb is too small (@skb is left as it
 * was).
 */
int dwcp_nl_fill_stats(struct sk_buff *skb, u32 portid, u32 seq,
		       const u64 *mib)
{
	void *hdr;
	int i;

	hdr = genlmsg_put(skb, portid, seq, &dwcp_genl_family, 0,
			  DWCP_CMD_STATS_GET);
	if (!hdr)
		return -EMSGSIZE;
	for (i = 0; i < DWCP_MIB_MAX; i++) {
		if (nla_put_u64_64bit(skb, DWCP_MIB_ATTR(i), mib[i],
				      DWCP_A_STATS_PAD)) {
			genlmsg_cancel(skb, hdr);
			return -EMSGSIZE;
		}
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int dwcp_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	u64 mib[DWCP_MIB_MAX];
	struct sk_buff *msg;

	dwcp_stats_read(genl_info_net(info), mib);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	return dwcp_nl_reply(msg, dwcp_nl_fill_stats(msg, info->snd_portid,
						     info->snd_seq, mib),
			     info);
}

/**
 * dwcp_nl_put_peer() - put the attributes of one peer into @skb
 * @skb: message buffer, a peer-get message header already in it
 * @v: the peer
 *
 * Return: 0 on success; -EMSGSIZE if @skb is too small (the caller cancels
 * the message).
 */
int dwcp_nl_put_peer(struct sk_buff *skb, const struct dwcp_peer_view *v)
{
	struct sockaddr_dwcp addr = {};
	u32 scores[DWCP_NMODES];
	int i;

	dwcp_addr_to_user(&v->addr, (struct sockaddr *)&addr);
	for (i = 0; i < DWCP_NMODES; i++)
		scores[i] = v->score[i];
	if (nla_put(skb, DWCP_A_PEER_ADDR, sizeof(addr), &addr) ||
	    nla_put_u32(skb, DWCP_A_PEER_MODE, v->mode) ||
	    nla_put_u32(skb, DWCP_A_PEER_RTT_US, v->sample.rtt_us) ||
	    nla_put_u32(skb, DWCP_A_PEER_MIN_RTT_US, v->sample.min_rtt_us) ||
	    nla_put_u32(skb, DWCP_A_PEER_LOSS_PPM, v->sample.loss_ppm) ||
	    nla_put_u64_64bit(skb, DWCP_A_PEER_DELIVERY_RATE, v->sample.rate,
			      DWCP_A_PEER_PAD) ||
	    nla_put(skb, DWCP_A_PEER_MODE_SCORES, sizeof(scores), scores) ||
	    nla_put_u64_64bit(skb, DWCP_A_PEER_AGE_MS, v->age_ms,
			      DWCP_A_PEER_PAD) ||
	    nla_put_u64_64bit(skb, DWCP_A_PEER_REPORTS, v->reports,
			      DWCP_A_PEER_PAD) ||
	    nla_put_u64_64bit(skb, DWCP_A_PEER_WARM_STARTS, v->warm_starts,
			      DWCP_A_PEER_PAD) ||
	    nla_put_u64_64bit(skb, DWCP_A_PEER_SAMPLES, v->samples,
			      DWCP_A_PEER_PAD) ||
	    nla_put_u64_64bit(skb, DWCP_A_PEER_MODE_CHANGES, v->changes,
			      DWCP_A_PEER_PAD))
		return -EMSGSIZE;
	return 0;
}

#define DWCP_PEER_BATCH	16

/* One peer-get dump message; -EMSGSIZE when @skb is full. */
static int dwcp_nl_peer_msg(struct sk_buff *skb, struct netlink_callback *cb,
			    const struct dwcp_peer_view *v)
{
	void *hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, &dwcp_genl_family,
				NLM_F_MULTI, DWCP_CMD_PEER_GET);

	if (!hdr)
		return -EMSGSIZE;
	if (dwcp_nl_put_peer(skb, v)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	/* only on a message that stays: the check moves cb->prev_seq */
	genl_dump_check_consistent(cb, hdr);
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * Peers are copied out of the table in batches (dwcp_peers_read(), under
 * its lock) and put into messages outside it; cb->args[0] is the position
 * of the next one.  The table's generation is the dump's sequence, so a
 * dump that spans a peer coming or going says NLM_F_DUMP_INTR.
 */
static int dwcp_nl_peer_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct dwcp_peer_view *v;
	unsigned long pos;
	int n, i, err = 0;
	u32 gen;

	v = kmalloc_array(DWCP_PEER_BATCH, sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	do {
		pos = cb->args[0];
		n = dwcp_peers_read(sock_net(skb->sk), &pos, v,
				    DWCP_PEER_BATCH, &gen);
		cb->seq = gen;
		for (i = 0; i < n && !err; i++) {
			err = dwcp_nl_peer_msg(skb, cb, &v[i]);
			if (!err)
				cb->args[0]++;
		}
	} while (!err && n == DWCP_PEER_BATCH);
	kfree(v);
	return skb->len;
}

/**
 * dwcp_nl_fill_stream_event() - put a stream-up or stream-down event into
 * @skb
 * @skb: message buffer
 * @ev: the event; @ev->cmd is the event's command
 *
 * Return: 0 on success; -EMSGSIZE if @skb is too small (@skb is left as it
 * was).
 */
int dwcp_nl_fill_stream_event(struct sk_buff *skb,
			      const struct dwcp_stream_event *ev)
{
	void *hdr = dwcp_nl_event_put(skb, ev->cmd, ev->id);
	struct nlattr *nest;

	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, DWCP_A_SESSION_TIME_NS, ev->time_ns,
			      DWCP_A_SESSION_PAD))
		goto cancel;
	nest = nla_nest_start(skb, DWCP_A_SESSION_STREAM);
	if (!nest || nla_put_u32(skb, DWCP_A_STREAM_INDEX, ev->index) ||
	    (ev->cmd == DWCP_CMD_STREAM_DOWN &&
	     nla_put_u32(skb, DWCP_A_STREAM_ERROR, ev->error)))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/**
 * dwcp_nl_notify_stream() - multicast a stream-up or stream-down event
 * @st: the stream
 * @cmd: DWCP_CMD_STREAM_UP or DWCP_CMD_STREAM_DOWN
 * @err: stream-down: why, a negative errno, 0 when retired
 *
 * Context: process, the session's socket lock held.
 */
void dwcp_nl_notify_stream(struct dwcp_stream *st, u8 cmd, int err)
{
	struct net *net = sock_net(&st->dsk->sk);
	const struct dwcp_stream_event ev = {
		.cmd = cmd,
		.id = st->dsk->id,
		.index = st->index,
		.error = -err,
		.time_ns = ktime_get_real_ns(),
	};
	struct sk_buff *skb = dwcp_nl_event_new(net);

	if (skb)
		dwcp_nl_multicast(net, skb, dwcp_nl_fill_stream_event(skb, &ev));
}

/*
 * Read-only commands carry no flags; state-changing ones need CAP_NET_ADMIN
 * in the user namespace that owns the netns (GENL_UNS_ADMIN_PERM), so a
 * container's admin steers its own sessions and nobody else's.
 */
static const struct genl_ops dwcp_genl_ops[] = {
	{
		.cmd = DWCP_CMD_INFO_GET,
		.doit = dwcp_nl_info_get_doit,
		.policy = dwcp_info_get_policy,
		.maxattr = DWCP_A_INFO_MAX,
	},
	{
		.cmd = DWCP_CMD_SESSION_GET,
		.doit = dwcp_nl_session_get_doit,
		.dumpit = dwcp_nl_session_get_dumpit,
		.policy = dwcp_session_get_policy,
		.maxattr = DWCP_A_SESSION_MAX,
	},
	{
		.cmd = DWCP_CMD_SESSION_SET,
		.doit = dwcp_nl_session_set_doit,
		.policy = dwcp_session_set_policy,
		.maxattr = DWCP_A_SESSION_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = DWCP_CMD_DEFAULTS_GET,
		.doit = dwcp_nl_defaults_get_doit,
		.policy = dwcp_defaults_get_policy,
		.maxattr = DWCP_A_DEFAULTS_MAX,
	},
	{
		.cmd = DWCP_CMD_DEFAULTS_SET,
		.doit = dwcp_nl_defaults_set_doit,
		.policy = dwcp_defaults_policy,
		.maxattr = DWCP_A_DEFAULTS_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = DWCP_CMD_STATS_GET,
		.doit = dwcp_nl_stats_get_doit,
		.policy = dwcp_stats_get_policy,
		.maxattr = DWCP_A_STATS_MAX,
	},
	{
		.cmd = DWCP_CMD_PEER_GET,
		.dumpit = dwcp_nl_peer_get_dumpit,
		.policy = dwcp_peer_get_policy,
		.maxattr = DWCP_A_PEER_MAX,
	},
};

static struct genl_family dwcp_genl_family __ro_after_init = {
	.name = DWCP_GENL_NAME,
	.version = DWCP_GENL_VERSION,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = dwcp_genl_ops,
	.n_ops = ARRAY_SIZE(dwcp_genl_ops),
	.mcgrps = dwcp_mcgrps,
	.n_mcgrps = ARRAY_SIZE(dwcp_mcgrps),
};

/**
 * dwcp_genl_init() - register the generic netlink family
 *
 * Return: 0 on success; -EEXIST if a family named "dwcp" exists; -ENOMEM;
 * -EINVAL if the family definition is malformed.
 */
int dwcp_genl_init(void)
{
	return genl_register_family(&dwcp_genl_family);
}

/**
 * dwcp_genl_exit() - unregister the generic netlink family
 */
void dwcp_genl_exit(void)
{
	genl_unregister_family(&dwcp_genl_family);
}
