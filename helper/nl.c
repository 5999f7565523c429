// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "nl.h"

int dwcp_nl_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_PROTO_MISMATCH:
	case NLE_PARSE_ERR:
		return -EPROTO;
	default:
		return -EIO;
	}
}

static int resolve_family(struct dwcp_nl *nl)
{
	struct nl_cache *cache = NULL;
	struct genl_family *fam;
	int err;

	err = genl_ctrl_alloc_cache(nl->sk, &cache);
	if (err < 0)
		return dwcp_nl_errno(err);
	fam = genl_ctrl_search_by_name(cache, DWCP_GENL_NAME);
	if (!fam) {
		nl_cache_free(cache);
		return -ENOENT;
	}
	nl->family_id = genl_family_get_id(fam);
	nl->version = genl_family_get_version(fam);
	genl_family_put(fam);
	nl_cache_free(cache);
	return nl->version == DWCP_GENL_VERSION ? 0 : -EPROTO;
}

int dwcp_nl_open(struct dwcp_nl *nl)
{
	int err, one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -ENOMEM;
	err = genl_connect(nl->sk);
	if (err < 0) {
		err = dwcp_nl_errno(err);
		goto fail;
	}
	/* Ask for extended acks so that the kernel names bad attributes. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	err = resolve_family(nl);
	if (err && err != -EPROTO)
		goto fail;
	return err;
fail:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return err;
}

void dwcp_nl_close(struct dwcp_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

struct info_ctx {
	struct dwcp_info *info;
	int family_id;
	uint32_t seq;
	int err;
	int done;
	char errmsg[DWCP_ERRLEN];
};

static int info_cb(struct nl_msg *msg, void *arg)
{
	struct info_ctx *ctx = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh;

	/* Only our reply: a socket may also carry events. */
	if (nlh->nlmsg_type != ctx->family_id || nlh->nlmsg_seq != ctx->seq)
		return NL_SKIP;
	if (!genlmsg_valid_hdr(nlh, 0) ||
	    genlmsg_hdr(nlh)->cmd != DWCP_CMD_INFO_GET) {
		ctx->err = -EBADMSG;
		snprintf(ctx->errmsg, sizeof(ctx->errmsg), "short message");
		return NL_SKIP;
	}
	gh = genlmsg_hdr(nlh);
	ctx->err = dwcp_info_parse(genlmsg_attrdata(gh, 0),
				   genlmsg_attrlen(gh, 0), ctx->info,
				   ctx->errmsg);
	return NL_OK;
}

static int ack_cb(struct nl_msg *msg, void *arg)
{
	struct info_ctx *ctx = arg;

	(void)msg;
	ctx->done = 1;
	return NL_STOP;
}

int dwcp_nl_info_get(struct dwcp_nl *nl, struct dwcp_info *info)
{
	struct info_ctx ctx = { .info = info, .err = -ENODATA,
				.family_id = nl->family_id };
	struct nl_cb *cb, *orig;
	struct nl_msg *msg;
	int err;

	msg = nlmsg_alloc();
	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family_id, 0, 0,
			 DWCP_CMD_INFO_GET, DWCP_GENL_VERSION)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	err = nl_send_auto(nl->sk, msg);
	ctx.seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (err < 0)
		return dwcp_nl_errno(err);

	orig = nl_socket_get_cb(nl->sk);
	cb = nl_cb_clone(orig);
	nl_cb_put(orig);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, info_cb, &ctx);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, &ctx);
	/* The reply, then the ack; an error ack ends it with an error. */
	while (!ctx.done) {
		err = nl_recvmsgs(nl->sk, cb);
		if (err < 0)
			break;
	}
	nl_cb_put(cb);
	if (err < 0)
		return dwcp_nl_errno(err);
	if (ctx.err == -EBADMSG)
		fprintf(stderr, "dwcp: bad info-get reply: %s\n", ctx.errmsg);
	return ctx.err;
}

int dwcp_nl_events_subscribe(struct dwcp_nl *nl)
{
	int grp, err;

	grp = genl_ctrl_resolve_grp(nl->sk, DWCP_GENL_NAME, DWCP_MCGRP_EVENTS);
	if (grp < 0)
		return dwcp_nl_errno(grp);
	/* Events are not answers: they carry no sequence number of ours. */
	nl_socket_disable_seq_check(nl->sk);
	err = nl_socket_add_membership(nl->sk, grp);
	if (err < 0)
		return dwcp_nl_errno(err);
	err = nl_socket_set_nonblocking(nl->sk);
	return err < 0 ? dwcp_nl_errno(err) : 0;
}

int dwcp_nl_fd(const struct dwcp_nl *nl)
{
	return nl_socket_get_fd(nl->sk);
}

struct event_ctx {
	struct dwcp_nl *nl;
	dwcp_event_cb cb;
	void *arg;
};

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct event_ctx *ctx = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	char errmsg[DWCP_ERRLEN];
	struct dwcp_event ev;
	struct genlmsghdr *gh;

	if (nlh->nlmsg_type != ctx->nl->family_id ||
	    !genlmsg_valid_hdr(nlh, 0))
		return NL_SKIP;
	gh = genlmsg_hdr(nlh);
	if (dwcp_event_parse(gh->cmd, genlmsg_attrdata(gh, 0),
			     genlmsg_attrlen(gh, 0), &ev, errmsg)) {
		fprintf(stderr, "dwcp: malformed event cmd=%u: %s\n", gh->cmd,
			errmsg);
		return NL_SKIP;
	}
	ctx->cb(&ev, ctx->arg);
	return NL_OK;
}

int dwcp_nl_events_read(struct dwcp_nl *nl, dwcp_event_cb cb, void *arg)
{
	struct event_ctx ctx = { .nl = nl, .cb = cb, .arg = arg };
	int err;

	nl_socket_modify_cb(nl->sk, NL_CB_VALID, NL_CB_CUSTOM, event_cb, &ctx);
	errno = 0;
	err = nl_recvmsgs_default(nl->sk);
	/* libnl folds ENOBUFS (events lost) and ENOMEM into NLE_NOMEM. */
	if (err == -NLE_NOMEM && errno == ENOBUFS)
		err = -ENOBUFS;
	nl_socket_modify_cb(nl->sk, NL_CB_VALID, NL_CB_DEFAULT, NULL, NULL);
	if (err == -NLE_AGAIN)
		return 0;
	if (err == -ENOBUFS)
		return err;
	return err < 0 ? dwcp_nl_errno(err) : 0;
}
