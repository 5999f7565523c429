// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
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

/*
 * A request and its answers: replies go to @parse, the transaction ends at
 * the ack (do) or NLMSG_DONE (dump); an error ack's errno and extack message
 * are kept.
 */
struct txn {
	struct dwcp_nl *nl;
	uint32_t seq;
	uint8_t cmd;
	int (*parse)(const struct nlattr *head, int len, void *arg,
		     char err[DWCP_ERRLEN]);
	void *arg;
	int err;
	int done;
	int interrupted;	/* the kernel flagged the dump NLM_F_DUMP_INTR */
	int replies;		/* messages of ours that came */
	char errmsg[DWCP_ERRLEN];
};

static int txn_valid(struct nl_msg *msg, void *arg)
{
	struct txn *t = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh;
	int r;

	if (nlh->nlmsg_type != t->nl->family_id || nlh->nlmsg_seq != t->seq)
		return NL_SKIP;
	if (!genlmsg_valid_hdr(nlh, 0) || genlmsg_hdr(nlh)->cmd != t->cmd) {
		t->err = -EBADMSG;
		snprintf(t->errmsg, sizeof(t->errmsg), "unexpected message");
		return NL_SKIP;
	}
	gh = genlmsg_hdr(nlh);
	t->replies++;
	if (!t->parse)
		return NL_OK;
	r = t->parse(genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0), t->arg,
		     t->errmsg);
	if (r && !t->err)
		t->err = r;
	return NL_OK;
}

static int txn_done(struct nl_msg *msg, void *arg)
{
	struct txn *t = arg;

	(void)msg;
	t->done = 1;
	return NL_STOP;
}

/*
 * The kernel's table changed between two parts of a dump: note it and read
 * on to NLMSG_DONE, so that the socket is left clean for a retry.
 */
static int txn_dump_intr(struct nl_msg *msg, void *arg)
{
	struct txn *t = arg;

	(void)msg;
	t->interrupted = 1;
	return NL_OK;
}

/* NETLINK_CAP_ACK is set: the TLVs follow the error's message header. */
static int txn_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct txn *t = arg;
	struct nlattr *a;
	int len, rem;

	(void)who;
	t->err = e->error;
	t->done = 1;
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || len <= 0)
		return NL_STOP;
	nla_for_each_attr(a, (struct nlattr *)(e + 1), len, rem) {
		const char *s = nla_data(a);

		if (nla_type(a) == NLMSGERR_ATTR_MSG && nla_len(a) > 0 &&
		    s[nla_len(a) - 1] == '\0')
			snprintf(t->errmsg, sizeof(t->errmsg), "%s", s);
	}
	return NL_STOP;
}

static int txn_run(struct dwcp_nl *nl, struct nl_msg *msg, struct txn *t,
		   char *errmsg)
{
	struct nl_cb *cb, *orig;
	int err, one = 1;

	t->nl = nl;
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	err = nl_send_auto(nl->sk, msg);
	t->seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (err < 0)
		return dwcp_nl_errno(err);
	orig = nl_socket_get_cb(nl->sk);
	cb = nl_cb_clone(orig);
	nl_cb_put(orig);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, txn_valid, t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, txn_done, t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, txn_done, t);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, txn_dump_intr, t);
	nl_cb_err(cb, NL_CB_CUSTOM, txn_error, t);
	err = 0;
	while (!t->done) {
		err = nl_recvmsgs(nl->sk, cb);
		if (err < 0)
			break;
	}
	nl_cb_put(cb);
	if (errmsg)
		snprintf(errmsg, DWCP_ERRLEN, "%s", t->errmsg);
	if (t->err)
		return t->err;
	return err < 0 ? dwcp_nl_errno(err) : 0;
}

/* A do that must bring one reply: -ENODATA when only the ack came. */
static int txn_get(struct dwcp_nl *nl, struct nl_msg *msg, struct txn *t,
		   char *errmsg)
{
	int err = txn_run(nl, msg, t, errmsg);

	if (!err && !t->replies)
		return -ENODATA;
	return err;
}

static struct nl_msg *dwcp_msg(struct dwcp_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family_id,
				0, flags, cmd, DWCP_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int info_parse_cb(const struct nlattr *head, int len, void *arg,
			 char err[DWCP_ERRLEN])
{
	return dwcp_info_parse(head, len, arg, err);
}

int dwcp_nl_info_get(struct dwcp_nl *nl, struct dwcp_info *info)
{
	struct txn t = { .cmd = DWCP_CMD_INFO_GET, .parse = info_parse_cb,
			 .arg = info };
	struct nl_msg *msg = dwcp_msg(nl, DWCP_CMD_INFO_GET, 0);
	int err;

	if (!msg)
		return -ENOMEM;
	err = txn_get(nl, msg, &t, NULL);
	if (err == -EBADMSG)
		fprintf(stderr, "dwcp: bad info-get reply: %s\n", t.errmsg);
	return err;
}

struct session_cb_ctx {
	dwcp_session_cb cb;
	void *arg;
	struct dwcp_session *s;
};

static int session_parse_cb(const struct nlattr *head, int len, void *arg,
			    char err[DWCP_ERRLEN])
{
	struct session_cb_ctx *ctx = arg;
	int r = dwcp_session_parse(head, len, ctx->s, err);

	if (!r && ctx->cb)
		ctx->cb(ctx->s, ctx->arg);
	return r;
}

int dwcp_nl_session_dump(struct dwcp_nl *nl, dwcp_session_cb cb, void *arg)
{
	struct session_cb_ctx ctx = { .cb = cb, .arg = arg };
	struct txn t = { .cmd = DWCP_CMD_SESSION_GET, .parse = session_parse_cb,
			 .arg = &ctx };
	struct nl_msg *msg;
	int err;

	ctx.s = malloc(sizeof(*ctx.s));
	if (!ctx.s)
		return -ENOMEM;
	msg = dwcp_msg(nl, DWCP_CMD_SESSION_GET, NLM_F_DUMP);
	err = msg ? txn_run(nl, msg, &t, NULL) : -ENOMEM;
	if (err == -EBADMSG)
		fprintf(stderr, "dwcp: bad session-get reply: %s\n", t.errmsg);
	free(ctx.s);
	return err;
}

/*
 * Peers of one dump, kept until the dump is known to be whole: callbacks
 * must not see a list that will be taken again.
 */
struct peer_list {
	struct dwcp_peer *v;
	size_t n, cap;
};

static int peer_parse_cb(const struct nlattr *head, int len, void *arg,
			 char err[DWCP_ERRLEN])
{
	struct peer_list *l = arg;
	struct dwcp_peer *grown;
	int r;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;

		grown = realloc(l->v, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		l->v = grown;
		l->cap = cap;
	}
	r = dwcp_peer_parse(head, len, &l->v[l->n], err);
	if (!r)
		l->n++;
	return r;
}

/* One peer-get dump into @l (emptied first); *@interrupted as flagged. */
static int peer_dump_once(struct dwcp_nl *nl, struct peer_list *l,
			  int *interrupted)
{
	struct txn t = { .cmd = DWCP_CMD_PEER_GET, .parse = peer_parse_cb,
			 .arg = l };
	struct nl_msg *msg = dwcp_msg(nl, DWCP_CMD_PEER_GET, NLM_F_DUMP);
	int err;

	l->n = 0;
	if (!msg)
		return -ENOMEM;
	err = txn_run(nl, msg, &t, NULL);
	if (err == -EBADMSG)
		fprintf(stderr, "dwcp: bad peer-get reply: %s\n", t.errmsg);
	*interrupted = t.interrupted;
	return err;
}

/* The table changes as peers come and go: a few tries find a quiet moment. */
#define PEER_DUMP_TRIES 3

int dwcp_nl_peer_dump(struct dwcp_nl *nl, dwcp_peer_cb cb, void *arg)
{
	struct peer_list l = { 0 };
	int err, interrupted = 0, tries = 0;
	size_t i;

	do
		err = peer_dump_once(nl, &l, &interrupted);
	while (!err && interrupted && ++tries < PEER_DUMP_TRIES);
	for (i = 0; !err && i < l.n; i++)
		cb(&l.v[i], arg);
	free(l.v);
	if (!err && interrupted)
		return -EAGAIN;
	return err;
}

int dwcp_nl_session_get(struct dwcp_nl *nl, uint64_t id,
			struct dwcp_session *out, char errmsg[DWCP_ERRLEN])
{
	struct session_cb_ctx ctx = { .s = out };
	struct txn t = { .cmd = DWCP_CMD_SESSION_GET, .parse = session_parse_cb,
			 .arg = &ctx, .err = 0 };
	struct nl_msg *msg = dwcp_msg(nl, DWCP_CMD_SESSION_GET, 0);

	if (!msg || nla_put_u64(msg, DWCP_A_SESSION_ID, id)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return txn_get(nl, msg, &t, errmsg);
}

int dwcp_nl_session_set(struct dwcp_nl *nl, const struct dwcp_session_change *c,
			char errmsg[DWCP_ERRLEN])
{
	struct txn t = { .cmd = DWCP_CMD_SESSION_SET };
	struct nl_msg *msg = dwcp_msg(nl, DWCP_CMD_SESSION_SET, 0);

	if (!msg || nla_put_u64(msg, DWCP_A_SESSION_ID, c->id) ||
	    (c->set_pacing &&
	     nla_put_u64(msg, DWCP_A_SESSION_PACING_RATE, c->pacing_rate)) ||
	    (c->set_codec &&
	     nla_put_s32(msg, DWCP_A_SESSION_CODEC, c->codec)) ||
	    (c->set_mode && nla_put_u32(msg, DWCP_A_SESSION_MODE, c->mode)) ||
	    (c->set_streams &&
	     nla_put_u32(msg, DWCP_A_SESSION_STREAMS_TOTAL, c->streams)) ||
	    (c->set_frame_size &&
	     nla_put_u32(msg, DWCP_A_SESSION_FRAME_SIZE, c->frame_size)) ||
	    (c->set_cc && nla_put_string(msg, DWCP_A_SESSION_CONGESTION, c->cc))) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return txn_run(nl, msg, &t, errmsg);
}

static int stats_parse_cb(const struct nlattr *head, int len, void *arg,
			  char err[DWCP_ERRLEN])
{
	return dwcp_stats_parse(head, len, arg, err);
}

int dwcp_nl_stats_get(struct dwcp_nl *nl, struct dwcp_stats *out,
		      char errmsg[DWCP_ERRLEN])
{
	struct txn t = { .cmd = DWCP_CMD_STATS_GET, .parse = stats_parse_cb,
			 .arg = out };
	struct nl_msg *msg = dwcp_msg(nl, DWCP_CMD_STATS_GET, 0);

	if (!msg)
		return -ENOMEM;
	return txn_get(nl, msg, &t, errmsg);
}

static int defaults_parse_cb(const struct nlattr *head, int len, void *arg,
			     char err[DWCP_ERRLEN])
{
	return dwcp_defaults_parse(head, len, arg, err);
}

int dwcp_nl_defaults_get(struct dwcp_nl *nl, struct dwcp_defaults *out,
			 char errmsg[DWCP_ERRLEN])
{
	struct txn t = { .cmd = DWCP_CMD_DEFAULTS_GET,
			 .parse = defaults_parse_cb, .arg = out };
	struct nl_msg *msg = dwcp_msg(nl, DWCP_CMD_DEFAULTS_GET, 0);

	if (!msg)
		return -ENOMEM;
	return txn_get(nl, msg, &t, errmsg);
}

int dwcp_nl_defaults_set(struct dwcp_nl *nl,
			 const struct dwcp_defaults_change *c,
			 char errmsg[DWCP_ERRLEN])
{
	const char *base = (const char *)&c->v;
	struct txn t = { .cmd = DWCP_CMD_DEFAULTS_SET };
	struct nl_msg *msg = dwcp_msg(nl, DWCP_CMD_DEFAULTS_SET, 0);
	struct dwcp_defaults_key k;
	uint64_t v64;
	uint32_t v32;
	size_t i;
	int err = !msg;

	for (i = 0; !err && !dwcp_defaults_key(i, &k); i++) {
		if (!(c->set & (1u << k.attr)))
			continue;
		if (k.is64) {
			memcpy(&v64, base + k.offset, sizeof(v64));
			err = nla_put_u64(msg, k.attr, v64);
		} else {
			memcpy(&v32, base + k.offset, sizeof(v32));
			err = nla_put_u32(msg, k.attr, v32);
		}
	}
	if (err) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return txn_run(nl, msg, &t, errmsg);
}
