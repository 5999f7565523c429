// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: generic netlink messages of dwcp.  Each message is built with the
 * module's fill function and parsed back with the reference policy, as a
 * userspace reader would.
 */
#include <kunit/test.h>
#include <net/genetlink.h>

#include "../dwcp.h"

/* An empty skb with exactly @room bytes of tailroom. */
static struct sk_buff *tight_skb(struct kunit *test, unsigned int room)
{
	struct sk_buff *skb = alloc_skb(room, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, skb_tailroom(skb) - room);
	KUNIT_ASSERT_EQ(test, skb_tailroom(skb), (int)room);
	return skb;
}

static struct sk_buff *new_msg(struct kunit *test, size_t size)
{
	struct sk_buff *skb = nlmsg_new(size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	return skb;
}

/* Validate @skb as one genl message of @cmd and parse its attributes. */
static void parse_msg(struct kunit *test, struct sk_buff *skb, u8 cmd,
		      struct nlattr **tb, int maxtype,
		      const struct nla_policy *policy)
{
	struct nlmsghdr *nlh = nlmsg_hdr(skb);
	struct netlink_ext_ack extack = {};
	struct genlmsghdr *gnlh;
	int err;

	KUNIT_ASSERT_TRUE(test, nlmsg_ok(nlh, skb->len));
	KUNIT_ASSERT_EQ(test, nlmsg_total_size(nlmsg_len(nlh)),
			(int)NLMSG_ALIGN(skb->len));
	gnlh = nlmsg_data(nlh);
	KUNIT_EXPECT_EQ(test, gnlh->cmd, cmd);
	KUNIT_EXPECT_EQ(test, gnlh->version, DWCP_GENL_VERSION);

	err = nlmsg_parse(nlh, GENL_HDRLEN, tb, maxtype, policy, &extack);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "%s (attribute offset %ld)",
			    extack._msg ?: "no message",
			    extack.bad_attr ? (long)((u8 *)extack.bad_attr -
						     (u8 *)nlh) : -1L);
}

static void info_reply_round_trip(struct kunit *test)
{
	/* Arrange */
	const struct dwcp_info info = {
		.version = "9.8.7-test",
		.family = 25,
		.features = DWCP_FEATURE_SOCKET | DWCP_FEATURE_HDE |
			    (1ULL << 40),
	};
	struct sk_buff *skb = new_msg(test, NLMSG_GOODSIZE);
	struct nlattr *tb[DWCP_A_INFO_MAX + 1];

	/* Act */
	int err = dwcp_nl_fill_info(skb, 1234, 77, &info);

	/* Assert */
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, nlmsg_hdr(skb)->nlmsg_pid, 1234U);
	KUNIT_EXPECT_EQ(test, nlmsg_hdr(skb)->nlmsg_seq, 77U);
	parse_msg(test, skb, DWCP_CMD_INFO_GET, tb, DWCP_A_INFO_MAX,
		  dwcp_info_reply_policy);
	KUNIT_ASSERT_NOT_NULL(test, tb[DWCP_A_INFO_VERSION]);
	KUNIT_ASSERT_NOT_NULL(test, tb[DWCP_A_INFO_FAMILY]);
	KUNIT_ASSERT_NOT_NULL(test, tb[DWCP_A_INFO_FEATURES]);
	KUNIT_EXPECT_STREQ(test, (char *)nla_data(tb[DWCP_A_INFO_VERSION]),
			   "9.8.7-test");
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DWCP_A_INFO_FAMILY]), 25U);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[DWCP_A_INFO_FEATURES]),
			info.features);
	kfree_skb(skb);
}

static void info_reply_too_small_leaves_skb_unchanged(struct kunit *test)
{
	/* Arrange: room for the headers but not for the attributes */
	const struct dwcp_info info = {
		.version = DWCP_MODULE_VERSION,
		.family = DWCP_FAMILY_DEFAULT,
	};
	struct sk_buff *skb = tight_skb(test, NLMSG_HDRLEN + GENL_HDRLEN + 8);
	unsigned int len = skb->len;

	/* Act */
	int err = dwcp_nl_fill_info(skb, 0, 0, &info);

	/* Assert */
	KUNIT_EXPECT_EQ(test, err, -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, skb->len, len);
	kfree_skb(skb);
}

static void info_version_fits_uapi_bound(struct kunit *test)
{
	/* The reader's bound in uapi must hold for what the module sends. */
	KUNIT_EXPECT_LT(test, strlen(DWCP_MODULE_VERSION),
			(size_t)DWCP_VERSION_LEN);
}

static void session_event_round_trip(struct kunit *test)
{
	static const u8 cmds[] = { DWCP_CMD_SESSION_CREATED,
				   DWCP_CMD_SESSION_CLOSED };
	int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		/* Arrange */
		const struct dwcp_session_event ev = {
			.cmd = cmds[i],
			.id = 0x1122334455667788ULL + i,
			.sock_type = SOCK_STREAM,
		};
		struct sk_buff *skb = new_msg(test, NLMSG_GOODSIZE);
		struct nlattr *tb[DWCP_A_SESSION_MAX + 1];

		/* Act */
		int err = dwcp_nl_fill_session_event(skb, &ev);

		/* Assert */
		KUNIT_ASSERT_EQ(test, err, 0);
		parse_msg(test, skb, cmds[i], tb, DWCP_A_SESSION_MAX,
			  dwcp_session_policy);
		KUNIT_ASSERT_NOT_NULL(test, tb[DWCP_A_SESSION_ID]);
		KUNIT_ASSERT_NOT_NULL(test, tb[DWCP_A_SESSION_SOCK_TYPE]);
		KUNIT_EXPECT_EQ(test, nla_get_u64(tb[DWCP_A_SESSION_ID]),
				ev.id);
		KUNIT_EXPECT_EQ(test,
				nla_get_u32(tb[DWCP_A_SESSION_SOCK_TYPE]),
				(u32)SOCK_STREAM);
		kfree_skb(skb);
	}
}

static void session_event_too_small(struct kunit *test)
{
	const struct dwcp_session_event ev = {
		.cmd = DWCP_CMD_SESSION_CREATED, .id = 1,
	};
	struct sk_buff *skb = tight_skb(test, NLMSG_HDRLEN + GENL_HDRLEN + 4);

	KUNIT_EXPECT_EQ(test, dwcp_nl_fill_session_event(skb, &ev), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, skb->len, 0U);
	kfree_skb(skb);
}

static void reply_policy_rejects_wrong_length(struct kunit *test)
{
	/* Arrange: a family attribute of 2 bytes instead of 4 */
	struct sk_buff *skb = new_msg(test, NLMSG_GOODSIZE);
	struct nlattr *tb[DWCP_A_INFO_MAX + 1];
	struct nlattr *head;
	int err;

	KUNIT_ASSERT_EQ(test, nla_put_u16(skb, DWCP_A_INFO_FAMILY, 19), 0);
	head = (struct nlattr *)skb->data;

	/* Act */
	err = nla_parse(tb, DWCP_A_INFO_MAX, head, skb->len,
			dwcp_info_reply_policy, NULL);

	/* Assert */
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	kfree_skb(skb);
}

static void fill_view(struct dwcp_session_view *v,
		      struct dwcp_stream_info *si, int n)
{
	int i;

	memset(v, 0, sizeof(*v));
	v->id = 42;
	v->sock_type = SOCK_SEQPACKET;
	v->has_peer = true;
	v->local.sdwcp_ip_family = AF_INET;
	v->local.sdwcp_port = htons(40000);
	v->peer.sdwcp_ip_family = AF_INET;
	v->peer.sdwcp_port = htons(5201);
	v->info.dwci_state = DWCP_STATE_ESTABLISHED;
	v->info.dwci_streams_up = n - 1;
	v->info.dwci_streams_total = n;
	v->info.dwci_bytes_sent = 1ULL << 40;
	v->info.dwci_pacing_rate = 1000000;
	v->info.dwci_hde_codec = -1;
	v->streams_max = 16;
	v->info.dwci_frame_size = 65536;
	v->frame_max = DWCP_MAX_FRAME;
	v->fallback = DWCP_FALLBACK_NO_RDMA;
	strscpy(v->cc, "cubic", sizeof(v->cc));
	for (i = 0; i < n; i++) {
		memset(&si[i], 0, sizeof(si[i]));
		si[i].dwsi_index = i;
		si[i].dwsi_state = i != 1;	/* stream 1 is down */
		si[i].dwsi_rtt_us = 100 + i;
		si[i].dwsi_bytes_sent = 1000 * i;
		strscpy(si[i].dwsi_cc, "bbr", sizeof(si[i].dwsi_cc));
	}
	v->streams = si;
	v->nstreams = n;
}

static void session_reply_round_trip(struct kunit *test)
{
	/* Arrange */
	struct dwcp_stream_info si[3];
	struct dwcp_session_view v;
	struct sk_buff *skb = new_msg(test, NLMSG_GOODSIZE);
	struct nlattr *tb[DWCP_A_SESSION_MAX + 1], *st[DWCP_A_STREAM_MAX + 1];
	struct nlattr *a;
	int rem, n = 0, err;

	fill_view(&v, si, 3);

	/* Act */
	err = dwcp_nl_fill_session(skb, 7, 8, NLM_F_MULTI, &v, true);

	/* Assert: every attribute valid under the reference policy */
	KUNIT_ASSERT_EQ(test, err, 0);
	parse_msg(test, skb, DWCP_CMD_SESSION_GET, tb, DWCP_A_SESSION_MAX,
		  dwcp_session_policy);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[DWCP_A_SESSION_ID]), 42ULL);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DWCP_A_SESSION_STATE]),
			(u32)DWCP_STATE_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[DWCP_A_SESSION_BYTES_SENT]),
			1ULL << 40);
	KUNIT_EXPECT_EQ(test, nla_get_s32(tb[DWCP_A_SESSION_CODEC]), -1);
	KUNIT_EXPECT_EQ(test, nla_len(tb[DWCP_A_SESSION_INFO]),
			(int)sizeof(struct dwcp_conn_info));
	KUNIT_ASSERT_NOT_NULL(test, tb[DWCP_A_SESSION_PEER]);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DWCP_A_SESSION_STREAMS_MAX]), 16U);
	KUNIT_ASSERT_NOT_NULL(test, tb[DWCP_A_SESSION_CONGESTION]);
	KUNIT_EXPECT_STREQ(test, (char *)nla_data(tb[DWCP_A_SESSION_CONGESTION]),
			   "cubic");
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DWCP_A_SESSION_FRAME_SIZE]), 65536U);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DWCP_A_SESSION_FRAME_SIZE_MAX]),
			(u32)DWCP_MAX_FRAME);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DWCP_A_SESSION_FALLBACK]),
			(u32)DWCP_FALLBACK_NO_RDMA);
	nlmsg_for_each_attr(a, nlmsg_hdr(skb), GENL_HDRLEN, rem) {
		if (nla_type(a) != DWCP_A_SESSION_STREAM)
			continue;
		KUNIT_ASSERT_EQ(test, nla_parse_nested(st, DWCP_A_STREAM_MAX, a,
						       dwcp_stream_policy,
						       NULL), 0);
		KUNIT_EXPECT_EQ(test, nla_get_u32(st[DWCP_A_STREAM_INDEX]),
				(u32)n);
		/* tcp_info figures only for a stream that is up */
		KUNIT_EXPECT_EQ(test, !!st[DWCP_A_STREAM_RTT_US], n != 1);
		KUNIT_EXPECT_EQ(test, !!st[DWCP_A_STREAM_CC], n != 1);
		KUNIT_EXPECT_EQ(test, nla_get_u64(st[DWCP_A_STREAM_BYTES_SENT]),
				1000ULL * n);
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, 3);
	kfree_skb(skb);
}

static void session_reply_without_streams(struct kunit *test)
{
	/* Arrange */
	struct dwcp_stream_info si[2];
	struct dwcp_session_view v;
	struct sk_buff *skb = new_msg(test, NLMSG_GOODSIZE);
	struct nlattr *tb[DWCP_A_SESSION_MAX + 1];

	fill_view(&v, si, 2);
	v.has_peer = false;

	/* Act */
	KUNIT_ASSERT_EQ(test, dwcp_nl_fill_session(skb, 0, 0, 0, &v, false), 0);

	/* Assert */
	parse_msg(test, skb, DWCP_CMD_SESSION_GET, tb, DWCP_A_SESSION_MAX,
		  dwcp_session_policy);
	KUNIT_EXPECT_NULL(test, tb[DWCP_A_SESSION_STREAM]);
	KUNIT_EXPECT_NULL(test, tb[DWCP_A_SESSION_PEER]);
	KUNIT_EXPECT_NOT_NULL(test, tb[DWCP_A_SESSION_LOCAL]);
	kfree_skb(skb);
}

static void session_reply_too_small_leaves_skb_unchanged(struct kunit *test)
{
	/* Arrange: room for the session but not for its streams */
	struct dwcp_stream_info si[8];
	struct dwcp_session_view v;
	struct sk_buff *skb = tight_skb(test, 900);

	fill_view(&v, si, 8);

	/* Act, Assert */
	KUNIT_EXPECT_EQ(test, dwcp_nl_fill_session(skb, 0, 0, 0, &v, true),
			-EMSGSIZE);
	KUNIT_EXPECT_EQ(test, skb->len, 0U);
	KUNIT_EXPECT_EQ(test, dwcp_nl_fill_session(skb, 0, 0, 0, &v, false), 0);
	kfree_skb(skb);
}

static void mode_event_round_trip(struct kunit *test)
{
	/* Arrange */
	const struct dwcp_mode_event ev = {
		.cmd = DWCP_CMD_MODE_CHANGED, .id = 9,
		.mode = DWCP_MODE_INTERNET, .old_mode = DWCP_MODE_DATACENTER,
		.reason = DWCP_MODE_REASON_DETECTED, .time_ns = 123,
		.sample = { .rtt_us = 80000, .min_rtt_us = 200,
			    .loss_ppm = 10000, .rate = 5000000 },
		.bytes_acked = 77, .scores = { 10, 900, 90 },
		.streams_total = 6, .streams_max = 16,
		.frame_size = 262144, .frame_max = 0,
	};
	struct sk_buff *skb = new_msg(test, NLMSG_GOODSIZE);
	struct nlattr *tb[DWCP_A_SESSION_MAX + 1];
	u32 scores[DWCP_NMODES];

	/* Act */
	KUNIT_ASSERT_EQ(test, dwcp_nl_fill_mode_event(skb, &ev), 0);

	/* Assert */
	parse_msg(test, skb, DWCP_CMD_MODE_CHANGED, tb, DWCP_A_SESSION_MAX,
		  dwcp_session_policy);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DWCP_A_SESSION_MODE]),
			(u32)DWCP_MODE_INTERNET);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DWCP_A_SESSION_OLD_MODE]),
			(u32)DWCP_MODE_DATACENTER);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DWCP_A_SESSION_RTT_US]), 80000U);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[DWCP_A_SESSION_TIME_NS]), 123ULL);
	nla_memcpy(scores, tb[DWCP_A_SESSION_MODE_SCORES], sizeof(scores));
	KUNIT_EXPECT_EQ(test, scores[1], 900U);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DWCP_A_SESSION_STREAMS_TOTAL]), 6U);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DWCP_A_SESSION_STREAMS_MAX]), 16U);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DWCP_A_SESSION_FRAME_SIZE]),
			262144U);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DWCP_A_SESSION_FRAME_SIZE_MAX]),
			0U);
	kfree_skb(skb);
}

static void fallback_event_round_trip(struct kunit *test)
{
	/* Arrange: a session that entered datacenter mode without RDMA */
	const struct dwcp_fallback_event ev = {
		.id = 11, .time_ns = 456, .mode = DWCP_MODE_DATACENTER,
		.reason = DWCP_FALLBACK_NO_RDMA,
	};
	struct sk_buff *skb = new_msg(test, NLMSG_GOODSIZE);
	struct nlattr *tb[DWCP_A_SESSION_MAX + 1];

	/* Act */
	KUNIT_ASSERT_EQ(test, dwcp_nl_fill_fallback_event(skb, &ev), 0);

	/* Assert: the event's attributes, valid under the reference policy,
	 * and nothing a mode event carries
	 */
	parse_msg(test, skb, DWCP_CMD_FALLBACK, tb, DWCP_A_SESSION_MAX,
		  dwcp_session_policy);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[DWCP_A_SESSION_ID]), 11ULL);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[DWCP_A_SESSION_TIME_NS]), 456ULL);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DWCP_A_SESSION_MODE]),
			(u32)DWCP_MODE_DATACENTER);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DWCP_A_SESSION_FALLBACK]),
			(u32)DWCP_FALLBACK_NO_RDMA);
	KUNIT_EXPECT_NULL(test, tb[DWCP_A_SESSION_RTT_US]);
	kfree_skb(skb);
}

static void fallback_event_too_small(struct kunit *test)
{
	/* Arrange: room for the header and the id only */
	const struct dwcp_fallback_event ev = { .id = 11 };
	struct sk_buff *skb = tight_skb(test, 40);

	/* Act + Assert: refused, the buffer left as it was */
	KUNIT_EXPECT_EQ(test, dwcp_nl_fill_fallback_event(skb, &ev), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, skb->len, 0U);
	kfree_skb(skb);
}

static void measurement_event_has_no_old_mode(struct kunit *test)
{
	const struct dwcp_mode_event ev = {
		.cmd = DWCP_CMD_MEASUREMENT, .id = 9, .mode = DWCP_MODE_HYBRID,
		.frame_size = DWCP_DEFAULT_FRAME,
	};
	struct sk_buff *skb = new_msg(test, NLMSG_GOODSIZE);
	struct nlattr *tb[DWCP_A_SESSION_MAX + 1];

	KUNIT_ASSERT_EQ(test, dwcp_nl_fill_mode_event(skb, &ev), 0);

	parse_msg(test, skb, DWCP_CMD_MEASUREMENT, tb, DWCP_A_SESSION_MAX,
		  dwcp_session_policy);
	KUNIT_EXPECT_NULL(test, tb[DWCP_A_SESSION_OLD_MODE]);
	KUNIT_EXPECT_NULL(test, tb[DWCP_A_SESSION_MODE_REASON]);
	KUNIT_EXPECT_NOT_NULL(test, tb[DWCP_A_SESSION_BYTES_ACKED]);
	kfree_skb(skb);
}

static void defaults_round_trip_and_validation(struct kunit *test)
{
	/* Arrange: the defaults as a reply, parsed as a defaults-set */
	struct sk_buff *skb = new_msg(test, NLMSG_GOODSIZE);
	struct nlattr *tb[DWCP_A_DEFAULTS_MAX + 1];
	struct netlink_ext_ack extack = {};
	struct dwcp_detect_cfg c, got;

	dwcp_detect_cfg_default(&c);
	c.cooldown_ms = 1500;
	KUNIT_ASSERT_EQ(test, dwcp_nl_fill_defaults(skb, 1, 2, &c), 0);
	parse_msg(test, skb, DWCP_CMD_DEFAULTS_GET, tb, DWCP_A_DEFAULTS_MAX,
		  dwcp_defaults_policy);

	/* Act + Assert: applied over zeroes, every value comes back */
	memset(&got, 0, sizeof(got));
	KUNIT_EXPECT_EQ(test, dwcp_nl_parse_defaults(tb, &got, &extack), 0);
	KUNIT_EXPECT_EQ(test, got.forced, c.forced);
	KUNIT_EXPECT_EQ(test, got.dc_rtt_us, c.dc_rtt_us);
	KUNIT_EXPECT_EQ(test, got.inet_rtt_us, c.inet_rtt_us);
	KUNIT_EXPECT_EQ(test, got.dc_bw, c.dc_bw);
	KUNIT_EXPECT_EQ(test, got.inet_bw, c.inet_bw);
	KUNIT_EXPECT_EQ(test, got.dc_loss_ppm, c.dc_loss_ppm);
	KUNIT_EXPECT_EQ(test, got.inet_loss_ppm, c.inet_loss_ppm);
	KUNIT_EXPECT_EQ(test, got.enter_pct, c.enter_pct);
	KUNIT_EXPECT_EQ(test, got.leave_pct, c.leave_pct);
	KUNIT_EXPECT_EQ(test, got.cooldown_ms, 1500U);

	/* without the RTT attributes, a stored dc above inet is refused */
	tb[DWCP_A_DEFAULTS_INET_RTT_US] = NULL;
	tb[DWCP_A_DEFAULTS_DC_RTT_US] = NULL;
	dwcp_detect_cfg_default(&got);
	got.dc_rtt_us = 60000;
	KUNIT_EXPECT_EQ(test, dwcp_nl_parse_defaults(tb, &got, &extack),
			-EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	KUNIT_EXPECT_EQ(test, got.dc_rtt_us, 60000U);	/* @c as it was */
	kfree_skb(skb);
}

static void stats_reply_carries_every_counter(struct kunit *test)
{
	/* Arrange: counter i holds 1000 + i, the last one a 64-bit value */
	struct sk_buff *skb = new_msg(test, NLMSG_GOODSIZE);
	struct nlattr *tb[DWCP_A_STATS_MAX + 1];
	u64 mib[DWCP_MIB_MAX];
	int i;

	for (i = 0; i < DWCP_MIB_MAX; i++)
		mib[i] = 1000 + i;
	mib[DWCP_MIB_MODE_CHANGES] = 1ULL << 40;

	/* Act */
	KUNIT_ASSERT_EQ(test, dwcp_nl_fill_stats(skb, 1, 2, mib), 0);

	/* Assert: each counter under its own uapi attribute */
	parse_msg(test, skb, DWCP_CMD_STATS_GET, tb, DWCP_A_STATS_MAX,
		  dwcp_stats_policy);
	for (i = 0; i < DWCP_MIB_MAX; i++) {
		KUNIT_ASSERT_NOT_NULL(test, tb[DWCP_MIB_ATTR(i)]);
		KUNIT_EXPECT_EQ(test, nla_get_u64(tb[DWCP_MIB_ATTR(i)]), mib[i]);
	}
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[DWCP_A_STATS_SESSIONS_OPENED]),
			1000ULL);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[DWCP_A_STATS_REFUSED_BAD_PROOF]),
			1000ULL + DWCP_MIB_REFUSED_BAD_PROOF);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[DWCP_A_STATS_MODE_CHANGES]),
			1ULL << 40);
	KUNIT_EXPECT_EQ(test, DWCP_MIB_ATTR(DWCP_MIB_MAX - 1),
			DWCP_A_STATS_MAX);
	kfree_skb(skb);
}

static void stats_reply_too_small_leaves_skb_unchanged(struct kunit *test)
{
	/* Arrange: room for the headers and a few counters only */
	struct sk_buff *skb = tight_skb(test, NLMSG_HDRLEN + GENL_HDRLEN + 40);
	u64 mib[DWCP_MIB_MAX] = {};

	/* Act + Assert */
	KUNIT_EXPECT_EQ(test, dwcp_nl_fill_stats(skb, 1, 2, mib), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, skb->len, 0U);
	kfree_skb(skb);
}

static void stream_events_round_trip(struct kunit *test)
{
	/* Arrange */
	struct dwcp_stream_event ev = {
		.cmd = DWCP_CMD_STREAM_DOWN, .id = 42, .index = 7,
		.error = ECONNRESET, .time_ns = 99,
	};
	struct nlattr *tb[DWCP_A_SESSION_MAX + 1];
	struct nlattr *st[DWCP_A_STREAM_MAX + 1];
	struct sk_buff *skb = new_msg(test, NLMSG_GOODSIZE);
	struct sk_buff *up = new_msg(test, NLMSG_GOODSIZE);

	/* Act */
	KUNIT_ASSERT_EQ(test, dwcp_nl_fill_stream_event(skb, &ev), 0);
	ev.cmd = DWCP_CMD_STREAM_UP;
	KUNIT_ASSERT_EQ(test, dwcp_nl_fill_stream_event(up, &ev), 0);

	/* Assert: down names the stream and its error */
	parse_msg(test, skb, DWCP_CMD_STREAM_DOWN, tb, DWCP_A_SESSION_MAX,
		  dwcp_session_policy);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[DWCP_A_SESSION_ID]), 42ULL);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[DWCP_A_SESSION_TIME_NS]), 99ULL);
	KUNIT_ASSERT_NOT_NULL(test, tb[DWCP_A_SESSION_STREAM]);
	KUNIT_ASSERT_EQ(test, nla_parse_nested(st, DWCP_A_STREAM_MAX,
					       tb[DWCP_A_SESSION_STREAM],
					       dwcp_stream_policy, NULL), 0);
	KUNIT_EXPECT_EQ(test, nla_get_u32(st[DWCP_A_STREAM_INDEX]), 7U);
	KUNIT_ASSERT_NOT_NULL(test, st[DWCP_A_STREAM_ERROR]);
	KUNIT_EXPECT_EQ(test, nla_get_u32(st[DWCP_A_STREAM_ERROR]),
			(u32)ECONNRESET);

	/* ... and up carries no error */
	parse_msg(test, up, DWCP_CMD_STREAM_UP, tb, DWCP_A_SESSION_MAX,
		  dwcp_session_policy);
	KUNIT_ASSERT_EQ(test, nla_parse_nested(st, DWCP_A_STREAM_MAX,
					       tb[DWCP_A_SESSION_STREAM],
					       dwcp_stream_policy, NULL), 0);
	KUNIT_EXPECT_EQ(test, nla_get_u32(st[DWCP_A_STREAM_INDEX]), 7U);
	KUNIT_EXPECT_NULL(test, st[DWCP_A_STREAM_ERROR]);
	kfree_skb(skb);
	kfree_skb(up);
}

static void peer_attributes_round_trip(struct kunit *test)
{
	/* Arrange: an IPv4 peer in datacenter mode */
	struct dwcp_peer_view v = {
		.mode = DWCP_MODE_DATACENTER, .score = { 950, 0, 50 },
		.sample = { .rtt_us = 180, .min_rtt_us = 90, .loss_ppm = 7,
			    .rate = 1ULL << 33 },
		.age_ms = 1200, .reports = 12, .warm_starts = 3,
		.samples = 4000, .changes = 2,
	};
	struct sockaddr_in *in = (struct sockaddr_in *)&v.addr;
	struct sk_buff *skb = new_msg(test, NLMSG_GOODSIZE);
	struct nlattr *tb[DWCP_A_PEER_MAX + 1];
	struct sockaddr_dwcp addr;
	u32 scores[DWCP_NMODES];

	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(0x0a000002);

	/* Act */
	KUNIT_ASSERT_EQ(test, dwcp_nl_put_peer(skb, &v), 0);

	/* Assert: every attribute, valid under the reference policy */
	KUNIT_ASSERT_EQ(test, nla_parse(tb, DWCP_A_PEER_MAX,
					(struct nlattr *)skb->data, skb->len,
					dwcp_peer_policy, NULL), 0);
	nla_memcpy(&addr, tb[DWCP_A_PEER_ADDR], sizeof(addr));
	KUNIT_EXPECT_EQ(test, addr.sdwcp_ip_family, AF_INET);
	KUNIT_EXPECT_EQ(test, addr.sdwcp_port, 0);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DWCP_A_PEER_MODE]),
			(u32)DWCP_MODE_DATACENTER);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DWCP_A_PEER_RTT_US]), 180U);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DWCP_A_PEER_MIN_RTT_US]), 90U);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DWCP_A_PEER_LOSS_PPM]), 7U);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[DWCP_A_PEER_DELIVERY_RATE]),
			1ULL << 33);
	nla_memcpy(scores, tb[DWCP_A_PEER_MODE_SCORES], sizeof(scores));
	KUNIT_EXPECT_EQ(test, scores[0], 950U);
	KUNIT_EXPECT_EQ(test, scores[2], 50U);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[DWCP_A_PEER_AGE_MS]), 1200ULL);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[DWCP_A_PEER_REPORTS]), 12ULL);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[DWCP_A_PEER_WARM_STARTS]), 3ULL);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[DWCP_A_PEER_SAMPLES]), 4000ULL);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[DWCP_A_PEER_MODE_CHANGES]), 2ULL);
	kfree_skb(skb);
}

static void peer_attributes_too_small(struct kunit *test)
{
	/* Arrange: room for the address and a little more */
	struct sk_buff *skb = tight_skb(test, 64);
	struct dwcp_peer_view v = {};

	/* Act + Assert */
	KUNIT_EXPECT_EQ(test, dwcp_nl_put_peer(skb, &v), -EMSGSIZE);
	kfree_skb(skb);
}

static struct kunit_case dwcp_netlink_cases[] = {
	KUNIT_CASE(info_reply_round_trip),
	KUNIT_CASE(info_reply_too_small_leaves_skb_unchanged),
	KUNIT_CASE(info_version_fits_uapi_bound),
	KUNIT_CASE(session_event_round_trip),
	KUNIT_CASE(session_event_too_small),
	KUNIT_CASE(reply_policy_rejects_wrong_length),
	KUNIT_CASE(session_reply_round_trip),
	KUNIT_CASE(session_reply_without_streams),
	KUNIT_CASE(session_reply_too_small_leaves_skb_unchanged),
	KUNIT_CASE(mode_event_round_trip),
	KUNIT_CASE(fallback_event_round_trip),
	KUNIT_CASE(fallback_event_too_small),
	KUNIT_CASE(measurement_event_has_no_old_mode),
	KUNIT_CASE(defaults_round_trip_and_validation),
	KUNIT_CASE(stats_reply_carries_every_counter),
	KUNIT_CASE(stats_reply_too_small_leaves_skb_unchanged),
	KUNIT_CASE(stream_events_round_trip),
	KUNIT_CASE(peer_attributes_round_trip),
	KUNIT_CASE(peer_attributes_too_small),
	{}
};

static struct kunit_suite dwcp_netlink_suite = {
	.name = "dwcp_netlink",
	.test_cases = dwcp_netlink_cases,
};

kunit_test_suite(dwcp_netlink_suite);
