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
 * reference that KUnit and userspace parsers check messages against.
 */
const struct nla_policy dwcp_info_reply_policy[DWCP_A_INFO_MAX + 1] = {
	[DWCP_A_INFO_VERSION] = { .type = NLA_NUL_STRING,
				  .len = DWCP_VERSION_LEN - 1 },
	[DWCP_A_INFO_FAMILY] = { .type = NLA_U32 },
	[DWCP_A_INFO_FEATURES] = { .type = NLA_U64 },
	[DWCP_A_INFO_PAD] = { .type = NLA_UNSPEC },
};

const struct nla_policy dwcp_session_policy[DWCP_A_SESSION_MAX + 1] = {
	[DWCP_A_SESSION_ID] = { .type = NLA_U64 },
	[DWCP_A_SESSION_SOCK_TYPE] = { .type = NLA_U32 },
	[DWCP_A_SESSION_PAD] = { .type = NLA_UNSPEC },
};

/*
 * info-get takes no attributes.  An all-NLA_UNSPEC policy makes strict
 * validation reject any attribute with an extack message instead of silently
 * ignoring it.
 */
static const struct nla_policy dwcp_info_get_policy[DWCP_A_INFO_MAX + 1] = {
};

static struct genl_family dwcp_genl_family;

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
	void *hdr;

	hdr = genlmsg_put(skb, 0, 0, &dwcp_genl_family, 0, ev->cmd);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_u64_64bit(skb, DWCP_A_SESSION_ID, ev->id,
			      DWCP_A_SESSION_PAD) ||
	    nla_put_u32(skb, DWCP_A_SESSION_SOCK_TYPE, ev->sock_type)) {
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
	struct sk_buff *skb;

	if (!genl_has_listeners(&dwcp_genl_family, net, DWCP_NLGRP_EVENTS))
		return;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;

	if (dwcp_nl_fill_session_event(skb, ev)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_multicast_netns(&dwcp_genl_family, net, skb, 0,
				DWCP_NLGRP_EVENTS, GFP_KERNEL);
}

static int dwcp_nl_info_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	const struct dwcp_info data = {
		.version = DWCP_MODULE_VERSION,
		.family = dwcp_family,
		.features = dwcp_features(),
	};
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	err = dwcp_nl_fill_info(msg, info->snd_portid, info->snd_seq, &data);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* Read-only commands carry no flags; state-changing ones GENL_ADMIN_PERM. */
static const struct genl_ops dwcp_genl_ops[] = {
	{
		.cmd = DWCP_CMD_INFO_GET,
		.doit = dwcp_nl_info_get_doit,
		.policy = dwcp_info_get_policy,
		.maxattr = DWCP_A_INFO_MAX,
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
