// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of helper/msg.c: parsing info-get replies and events as they
 * come from the kernel (or from a hostile or newer one), and formatting.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <netlink/msg.h>

#include "../../helper/msg.h"

/* A scratch buffer of attributes built by hand, so tests can forge any. */
struct attrbuf {
	unsigned char data[512];
	int len;
};

static void put(struct attrbuf *b, uint16_t type, const void *p, int len)
{
	struct nlattr *a = (struct nlattr *)(b->data + b->len);

	assert_true(b->len + NLA_ALIGN(NLA_HDRLEN + len) <= (int)sizeof(b->data));
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((unsigned char *)a + NLA_HDRLEN, p, len);
	b->len += NLA_ALIGN(NLA_HDRLEN + len);
}

static void put_u32(struct attrbuf *b, uint16_t type, uint32_t v)
{
	put(b, type, &v, sizeof(v));
}

static void put_u64(struct attrbuf *b, uint16_t type, uint64_t v)
{
	put(b, type, &v, sizeof(v));
}

static void put_str(struct attrbuf *b, uint16_t type, const char *s)
{
	put(b, type, s, (int)strlen(s) + 1);
}

static void valid_info(struct attrbuf *b)
{
	memset(b, 0, sizeof(*b));
	put_str(b, DWCP_A_INFO_VERSION, "0.1.0");
	put_u32(b, DWCP_A_INFO_FAMILY, 19);
	put_u64(b, DWCP_A_INFO_FEATURES, DWCP_FEATURE_SOCKET | DWCP_FEATURE_EVENTS);
}

static int parse_info(struct attrbuf *b, struct dwcp_info *info, char *err)
{
	return dwcp_info_parse((struct nlattr *)b->data, b->len, info, err);
}

static void info_valid(void **state)
{
	struct dwcp_info info;
	char err[DWCP_ERRLEN] = "";
	struct attrbuf b;

	(void)state;
	valid_info(&b);
	assert_int_equal(parse_info(&b, &info, err), 0);
	assert_string_equal(info.version, "0.1.0");
	assert_int_equal(info.family, 19);
	assert_int_equal(info.features, 3);
}

static void info_unknown_attribute_ignored(void **state)
{
	struct dwcp_info info;
	char err[DWCP_ERRLEN];
	struct attrbuf b;

	(void)state;
	valid_info(&b);
	put_u32(&b, 200, 7);		/* from a newer module */
	assert_int_equal(parse_info(&b, &info, err), 0);
	assert_int_equal(info.family, 19);
}

static void info_missing_each_attribute(void **state)
{
	static const char *const want[] = { "version", "family", "features" };
	struct dwcp_info info;
	char err[DWCP_ERRLEN];
	struct attrbuf b;
	int skip;

	(void)state;
	for (skip = 0; skip < 3; skip++) {
		memset(&b, 0, sizeof(b));
		if (skip != 0)
			put_str(&b, DWCP_A_INFO_VERSION, "0.1.0");
		if (skip != 1)
			put_u32(&b, DWCP_A_INFO_FAMILY, 19);
		if (skip != 2)
			put_u64(&b, DWCP_A_INFO_FEATURES, 1);
		assert_int_equal(parse_info(&b, &info, err), -EBADMSG);
		assert_non_null(strstr(err, want[skip]));
		assert_non_null(strstr(err, "missing"));
	}
}

static void info_wrong_lengths(void **state)
{
	uint16_t small = 19;
	uint32_t mid = 1;
	struct dwcp_info info;
	char err[DWCP_ERRLEN];
	struct attrbuf b;

	(void)state;
	memset(&b, 0, sizeof(b));
	put_str(&b, DWCP_A_INFO_VERSION, "0.1.0");
	put(&b, DWCP_A_INFO_FAMILY, &small, sizeof(small));
	put_u64(&b, DWCP_A_INFO_FEATURES, 1);
	assert_int_equal(parse_info(&b, &info, err), -EBADMSG);
	assert_non_null(strstr(err, "family"));

	memset(&b, 0, sizeof(b));
	put_str(&b, DWCP_A_INFO_VERSION, "0.1.0");
	put_u32(&b, DWCP_A_INFO_FAMILY, 19);
	put(&b, DWCP_A_INFO_FEATURES, &mid, sizeof(mid));
	assert_int_equal(parse_info(&b, &info, err), -EBADMSG);
	assert_non_null(strstr(err, "features"));
}

static void info_version_unterminated_or_too_long(void **state)
{
	char longv[DWCP_VERSION_LEN + 1];
	struct dwcp_info info;
	char err[DWCP_ERRLEN];
	struct attrbuf b;

	(void)state;
	memset(&b, 0, sizeof(b));
	put(&b, DWCP_A_INFO_VERSION, "0.1.0", 5);	/* no NUL */
	put_u32(&b, DWCP_A_INFO_FAMILY, 19);
	put_u64(&b, DWCP_A_INFO_FEATURES, 1);
	assert_int_equal(parse_info(&b, &info, err), -EBADMSG);
	assert_non_null(strstr(err, "NUL"));

	memset(longv, 'v', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';	/* DWCP_VERSION_LEN + 1 bytes */
	memset(&b, 0, sizeof(b));
	put_str(&b, DWCP_A_INFO_VERSION, longv);
	put_u32(&b, DWCP_A_INFO_FAMILY, 19);
	put_u64(&b, DWCP_A_INFO_FEATURES, 1);
	assert_int_equal(parse_info(&b, &info, err), -EBADMSG);
	assert_non_null(strstr(err, "version"));

	/* The longest allowed version still parses. */
	longv[DWCP_VERSION_LEN - 1] = '\0';
	memset(&b, 0, sizeof(b));
	put_str(&b, DWCP_A_INFO_VERSION, longv);
	put_u32(&b, DWCP_A_INFO_FAMILY, 19);
	put_u64(&b, DWCP_A_INFO_FEATURES, 1);
	assert_int_equal(parse_info(&b, &info, err), 0);
	assert_int_equal(strlen(info.version), DWCP_VERSION_LEN - 1);
}

static void info_truncated_attribute(void **state)
{
	struct dwcp_info info;
	char err[DWCP_ERRLEN];
	struct attrbuf b;

	(void)state;
	valid_info(&b);
	/* Cut the last attribute in the middle of its payload. */
	b.len -= 6;
	assert_int_equal(parse_info(&b, &info, err), -EBADMSG);
}

static void info_attribute_length_beyond_buffer(void **state)
{
	struct dwcp_info info;
	char err[DWCP_ERRLEN];
	struct attrbuf b;

	(void)state;
	valid_info(&b);
	/* A header claiming more bytes than the message holds. */
	((struct nlattr *)b.data)->nla_len = 400;
	assert_int_equal(parse_info(&b, &info, err), -EBADMSG);
}

static void event_session_created_and_closed(void **state)
{
	static const uint8_t cmds[] = { DWCP_CMD_SESSION_CREATED,
					DWCP_CMD_SESSION_CLOSED };
	static const enum dwcp_event_kind kinds[] = {
		DWCP_EVENT_SESSION_CREATED, DWCP_EVENT_SESSION_CLOSED };
	char err[DWCP_ERRLEN], line[160];
	struct dwcp_event ev;
	struct attrbuf b;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		memset(&b, 0, sizeof(b));
		put_u64(&b, DWCP_A_SESSION_ID, 42);
		put_u32(&b, DWCP_A_SESSION_SOCK_TYPE, SOCK_STREAM);
		assert_int_equal(dwcp_event_parse(cmds[i], (struct nlattr *)b.data,
						  b.len, &ev, err), 0);
		assert_int_equal(ev.kind, kinds[i]);
		assert_int_equal(ev.session_id, 42);
		dwcp_event_format(line, sizeof(line), &ev);
		assert_string_equal(line, i ? "event session-closed id=42 type=stream"
					    : "event session-created id=42 type=stream");
	}
}

static void event_without_id_rejected(void **state)
{
	char err[DWCP_ERRLEN];
	struct dwcp_event ev;
	struct attrbuf b;

	(void)state;
	memset(&b, 0, sizeof(b));
	put_u32(&b, DWCP_A_SESSION_SOCK_TYPE, SOCK_STREAM);
	assert_int_equal(dwcp_event_parse(DWCP_CMD_SESSION_CREATED,
					  (struct nlattr *)b.data, b.len, &ev,
					  err), -EBADMSG);
	assert_non_null(strstr(err, "id"));
}

static void event_unknown_command_tolerated(void **state)
{
	char err[DWCP_ERRLEN], line[160];
	struct dwcp_event ev;

	(void)state;
	assert_int_equal(dwcp_event_parse(99, NULL, 0, &ev, err), 0);
	assert_int_equal(ev.kind, DWCP_EVENT_UNKNOWN);
	dwcp_event_format(line, sizeof(line), &ev);
	assert_non_null(strstr(line, "cmd=99"));
}

/* Run a printer into a memory buffer. */
static char *capture(void (*print)(FILE *, const struct dwcp_info *),
		     const struct dwcp_info *info)
{
	static char buf[512];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	assert_non_null(f);
	print(f, info);
	fclose(f);
	return buf;
}

static void info_json_and_text(void **state)
{
	struct dwcp_info info = { .family = 19,
				  .features = DWCP_FEATURE_SOCKET | (1ULL << 40) };

	(void)state;
	strcpy(info.version, "1.2\"x\\\n");
	assert_string_equal(capture(dwcp_info_print_json, &info),
			    "{\"version\":\"1.2\\\"x\\\\\\u000a\",\"family\":19,"
			    "\"feature_bits\":1099511627777,"
			    "\"features\":[\"socket\",\"bit40\"]}\n");
	strcpy(info.version, "0.1.0");
	assert_string_equal(capture(dwcp_info_print_text, &info),
			    "version:  0.1.0\nfamily:   19\nfeatures: socket bit40\n");
	info.features = 0;
	assert_non_null(strstr(capture(dwcp_info_print_text, &info),
			       "features: none\n"));
}

static void feature_names_match_uapi(void **state)
{
	(void)state;
	assert_string_equal(dwcp_feature_name(0), "socket");
	assert_int_equal(1u << 1, DWCP_FEATURE_EVENTS);
	assert_string_equal(dwcp_feature_name(1), "events");
	assert_string_equal(dwcp_feature_name(6), "mode-detect");
	assert_int_equal(1u << 6, DWCP_FEATURE_MODE_DETECT);
	assert_null(dwcp_feature_name(7));
	assert_null(dwcp_feature_name(63));
}

static void mode_event(struct attrbuf *b, int with_mode)
{
	uint32_t scores[3] = { 262, 738, 0 };

	memset(b, 0, sizeof(*b));
	put_u64(b, DWCP_A_SESSION_ID, 7);
	if (with_mode)
		put_u32(b, DWCP_A_SESSION_MODE, DWCP_MODE_INTERNET);
	put_u32(b, DWCP_A_SESSION_OLD_MODE, DWCP_MODE_DATACENTER);
	put_u32(b, DWCP_A_SESSION_MODE_REASON, DWCP_MODE_REASON_DETECTED);
	put_u64(b, DWCP_A_SESSION_TIME_NS, 1000000000ULL);
	put_u32(b, DWCP_A_SESSION_RTT_US, 80400);
	put_u32(b, DWCP_A_SESSION_MIN_RTT_US, 150);
	put_u32(b, DWCP_A_SESSION_LOSS_PPM, 9000);
	put_u64(b, DWCP_A_SESSION_DELIVERY_RATE, 0);
	put_u64(b, DWCP_A_SESSION_BYTES_ACKED, 12345);
	put(b, DWCP_A_SESSION_MODE_SCORES, scores, sizeof(scores));
	put_u32(b, DWCP_A_SESSION_STREAMS_TOTAL, 10);
	put_u32(b, DWCP_A_SESSION_STREAMS_MAX, 16);
	put_u32(b, DWCP_A_SESSION_FRAME_SIZE, 131072);
	put_u32(b, DWCP_A_SESSION_FRAME_SIZE_MAX, 1048576);
}

static void event_mode_changed_with_measurements(void **state)
{
	char err[DWCP_ERRLEN], line[320];
	struct dwcp_event ev;
	struct attrbuf b;

	(void)state;
	mode_event(&b, 1);

	assert_int_equal(dwcp_event_parse(DWCP_CMD_MODE_CHANGED,
					  (struct nlattr *)b.data, b.len, &ev,
					  err), 0);

	assert_int_equal(ev.kind, DWCP_EVENT_MODE_CHANGED);
	assert_int_equal(ev.m.mode, DWCP_MODE_INTERNET);
	assert_int_equal(ev.old_mode, DWCP_MODE_DATACENTER);
	assert_int_equal(ev.m.rtt_us, 80400);
	assert_int_equal(ev.m.scores[1], 738);
	assert_int_equal(ev.streams_total, 10);
	assert_int_equal(ev.streams_max, 16);
	assert_int_equal(ev.frame_size, 131072);
	assert_int_equal(ev.frame_size_max, 1048576);
	dwcp_event_format(line, sizeof(line), &ev);
	assert_string_equal(line,
			    "event mode-changed id=7 datacenter->internet reason=detected"
			    " rtt=80400us min_rtt=150us loss=9000ppm rate=0B/s"
			    " scores=262/738/0 time=1000000000");

	/* a session that followed its peer's detector, then a reason from
	 * a newer kernel
	 */
	ev.reason = DWCP_MODE_REASON_PEER;
	dwcp_event_format(line, sizeof(line), &ev);
	assert_non_null(strstr(line, "internet reason=peer rtt="));
	ev.reason = 99;
	dwcp_event_format(line, sizeof(line), &ev);
	assert_non_null(strstr(line, "internet reason=? rtt="));
}

static void event_mode_without_mode_or_bad_scores_rejected(void **state)
{
	char err[DWCP_ERRLEN];
	struct dwcp_event ev;
	struct attrbuf b;

	(void)state;
	mode_event(&b, 0);
	assert_int_equal(dwcp_event_parse(DWCP_CMD_MEASUREMENT,
					  (struct nlattr *)b.data, b.len, &ev,
					  err), -EBADMSG);
	assert_non_null(strstr(err, "mode missing"));

	mode_event(&b, 1);
	put(&b, DWCP_A_SESSION_MODE_SCORES, "abc", 3);	/* wrong length */
	assert_int_equal(dwcp_event_parse(DWCP_CMD_MEASUREMENT,
					  (struct nlattr *)b.data, b.len, &ev,
					  err), -EBADMSG);
	assert_non_null(strstr(err, "mode-scores"));
}

/* Run @print over @obj into a memory buffer (a session, an event). */
static char *capture_obj(void (*print)(FILE *, const void *), const void *obj)
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	assert_non_null(f);
	print(f, obj);
	fclose(f);
	return buf;
}

static void print_event_json(FILE *f, const void *ev)
{
	dwcp_event_print_json(f, ev);
}

static void print_session_text(FILE *f, const void *s)
{
	dwcp_session_print_text(f, s, 0);
}

static void print_session_json(FILE *f, const void *s)
{
	dwcp_session_print_json(f, s);
}

static void event_frame_size_parsed_absent_is_zero(void **state)
{
	char err[DWCP_ERRLEN];
	struct dwcp_event ev;
	struct attrbuf b;

	(void)state;
	mode_event(&b, 1);
	assert_int_equal(dwcp_event_parse(DWCP_CMD_MEASUREMENT,
					  (struct nlattr *)b.data, b.len, &ev,
					  err), 0);
	assert_non_null(strstr(capture_obj(print_event_json, &ev),
			       ",\"streams_total\":10,\"streams_max\":16"
			       ",\"frame_size\":131072,\"frame_size_max\":1048576"));

	/* an older module sends neither */
	memset(&b, 0, sizeof(b));
	put_u64(&b, DWCP_A_SESSION_ID, 7);
	put_u32(&b, DWCP_A_SESSION_MODE, DWCP_MODE_INTERNET);
	put_u64(&b, DWCP_A_SESSION_TIME_NS, 1);
	assert_int_equal(dwcp_event_parse(DWCP_CMD_MEASUREMENT,
					  (struct nlattr *)b.data, b.len, &ev,
					  err), 0);
	assert_int_equal(ev.frame_size, 0);
	assert_int_equal(ev.frame_size_max, 0);

	/* a wrong length is named */
	put_u64(&b, DWCP_A_SESSION_FRAME_SIZE, 65536);
	assert_int_equal(dwcp_event_parse(DWCP_CMD_MODE_CHANGED,
					  (struct nlattr *)b.data, b.len, &ev,
					  err), -EBADMSG);
	assert_non_null(strstr(err, "frame-size"));
}

static void session_reply_frame_size(void **state)
{
	struct dwcp_session *s = malloc(sizeof(*s));
	char err[DWCP_ERRLEN];
	struct attrbuf b;

	(void)state;
	assert_non_null(s);
	memset(&b, 0, sizeof(b));
	put_u64(&b, DWCP_A_SESSION_ID, 12);
	put_u32(&b, DWCP_A_SESSION_STATE, DWCP_STATE_ESTABLISHED);
	put_u32(&b, DWCP_A_SESSION_STREAMS_TOTAL, 4);
	put_u32(&b, DWCP_A_SESSION_FRAME_SIZE, 131072);
	put_u32(&b, DWCP_A_SESSION_FRAME_SIZE_MAX, 1048576);

	assert_int_equal(dwcp_session_parse((struct nlattr *)b.data, b.len, s,
					    err), 0);

	assert_int_equal(s->frame_size, 131072);
	assert_int_equal(s->frame_size_max, 1048576);
	assert_non_null(strstr(capture_obj(print_session_text, s),
			       " codec 0 frame 131072\n"));
	assert_non_null(strstr(capture_obj(print_session_json, s),
			       ",\"codec\":0,\"frame_size\":131072"
			       ",\"frame_size_max\":1048576,"));

	/* an older module sends neither */
	b.len = NLA_ALIGN(NLA_HDRLEN + 8);
	assert_int_equal(dwcp_session_parse((struct nlattr *)b.data, b.len, s,
					    err), 0);
	assert_int_equal(s->id, 12);
	assert_int_equal(s->frame_size, 0);
	assert_int_equal(s->frame_size_max, 0);
	free(s);
}

static void defaults_reply_and_mode_names(void **state)
{
	char err[DWCP_ERRLEN];
	struct dwcp_defaults d;
	struct attrbuf b;
	int t;

	(void)state;
	memset(&b, 0, sizeof(b));
	for (t = DWCP_A_DEFAULTS_MODE; t < DWCP_A_DEFAULTS_PAD; t++) {
		if (t == DWCP_A_DEFAULTS_DC_BW || t == DWCP_A_DEFAULTS_INET_BW)
			put_u64(&b, (uint16_t)t, 125000000);
		else
			put_u32(&b, (uint16_t)t, (uint32_t)t);
	}
	assert_int_equal(dwcp_defaults_parse((struct nlattr *)b.data, b.len, &d,
					     err), 0);
	assert_int_equal(d.mode, 1);
	assert_int_equal(d.cooldown_ms, DWCP_A_DEFAULTS_COOLDOWN_MS);
	assert_int_equal(d.inet_bw, 125000000);
	/* one missing: named */
	b.len -= NLA_ALIGN(NLA_HDRLEN + 4);
	assert_int_equal(dwcp_defaults_parse((struct nlattr *)b.data, b.len, &d,
					     err), -EBADMSG);
	assert_non_null(strstr(err, "cooldown-ms"));

	/* the key table dwcpctl and defaults-set share */
	{
		struct dwcp_defaults_key k;
		size_t i;

		assert_int_equal(dwcp_defaults_key_find("dc-bw", &k), 0);
		assert_int_equal(k.attr, DWCP_A_DEFAULTS_DC_BW);
		assert_true(k.is64);
		assert_int_equal(k.offset, offsetof(struct dwcp_defaults, dc_bw));
		assert_int_equal(dwcp_defaults_key_find("cooldown-ms", &k), 0);
		assert_false(k.is64);
		assert_int_equal(dwcp_defaults_key_find("cooldown", &k), -1);
		for (i = 0; !dwcp_defaults_key(i, &k); i++)
			assert_int_equal(k.attr, (int)i + DWCP_A_DEFAULTS_MODE);
		assert_int_equal(i, DWCP_A_DEFAULTS_PAD - 1);
	}

	assert_string_equal(dwcp_mode_name(DWCP_MODE_HYBRID), "hybrid");
	assert_null(dwcp_mode_name(DWCP_MODE_MAX + 1));
	assert_int_equal(dwcp_mode_parse("datacenter"), DWCP_MODE_DATACENTER);
	assert_int_equal(dwcp_mode_parse("dc"), DWCP_MODE_DATACENTER);
	assert_int_equal(dwcp_mode_parse("0"), DWCP_MODE_AUTO);
	assert_int_equal(dwcp_mode_parse("4"), -1);
	assert_int_equal(dwcp_mode_parse("internets"), -1);
	assert_int_equal(dwcp_mode_parse(""), -1);
}

static void stats_reply_every_counter_named(void **state)
{
	char err[DWCP_ERRLEN], *text = NULL;
	struct dwcp_stats st;
	struct attrbuf b;
	size_t size = 0;
	FILE *f;
	int t;

	(void)state;
	memset(&b, 0, sizeof(b));
	for (t = DWCP_A_STATS_SESSIONS_OPENED; t <= DWCP_A_STATS_MAX; t++) {
		assert_non_null(dwcp_stat_name((unsigned int)t));
		put_u64(&b, (uint16_t)t, 100 + (uint64_t)t);
	}
	put_u64(&b, DWCP_A_STATS_MAX + 1, 7);	/* a newer kernel's counter */
	assert_int_equal(dwcp_stats_parse((struct nlattr *)b.data, b.len, &st,
					  err), 0);
	assert_int_equal(st.val[DWCP_A_STATS_STREAM_FAILURES],
			 100 + DWCP_A_STATS_STREAM_FAILURES);
	f = open_memstream(&text, &size);
	dwcp_stats_print_text(f, &st);
	fclose(f);
	assert_non_null(strstr(text, "SessionsOpened 102\n"));
	assert_non_null(strstr(text, "ModeChanges "));
	{
		char newer[32];

		snprintf(newer, sizeof(newer), "stat%d 7\n", DWCP_A_STATS_MAX + 1);
		assert_non_null(strstr(text, newer));
	}
	free(text);

	/* the last one missing: named; a wrong length: named */
	b.len -= 2 * NLA_ALIGN(NLA_HDRLEN + 8);
	assert_int_equal(dwcp_stats_parse((struct nlattr *)b.data, b.len, &st,
					  err), -EBADMSG);
	assert_non_null(strstr(err, dwcp_stat_name(DWCP_A_STATS_MAX)));
	put_u32(&b, DWCP_A_STATS_MAX, 1);
	assert_int_equal(dwcp_stats_parse((struct nlattr *)b.data, b.len, &st,
					  err), -EBADMSG);
	assert_non_null(strstr(err, dwcp_stat_name(DWCP_A_STATS_MAX)));
}

static void stats_names_as_proc(void **state)
{
	(void)state;
	/* as /proc/net/dwcp_stat prints them (uapi/linux/dwcp.h) */
	assert_string_equal(dwcp_stat_name(DWCP_A_STATS_STREAMS_RETIRED),
			    "StreamsRetired");
	assert_string_equal(dwcp_stat_name(DWCP_A_STATS_PEER_WARM_STARTS),
			    "PeerWarmStarts");
	assert_string_equal(dwcp_stat_name(DWCP_A_STATS_FALLBACK_NO_RDMA),
			    "FallbackNoRdma");
	assert_null(dwcp_stat_name(DWCP_A_STATS_PAD));
	assert_null(dwcp_stat_name(DWCP_A_STATS_MAX + 1));
}

/* 10.0.0.2, port 0 as the kernel sends a peer */
static struct sockaddr_dwcp peer_addr_v4(void)
{
	struct sockaddr_dwcp a;
	const uint8_t ip[4] = { 10, 0, 0, 2 };

	memset(&a, 0, sizeof(a));
	a.sdwcp_family = DWCP_FAMILY_DEFAULT;
	a.sdwcp_ip_family = AF_INET;
	memcpy(&a.sdwcp_addr.v4, ip, sizeof(ip));
	return a;
}

/* Every attribute of a peer-get message, in the kernel's order. */
static void valid_peer(struct attrbuf *b, const struct sockaddr_dwcp *addr)
{
	uint32_t scores[3] = { 950, 0, 50 };

	memset(b, 0, sizeof(*b));
	put(b, DWCP_A_PEER_ADDR, addr, sizeof(*addr));
	put_u32(b, DWCP_A_PEER_MODE, DWCP_MODE_DATACENTER);
	put_u32(b, DWCP_A_PEER_RTT_US, 180);
	put_u32(b, DWCP_A_PEER_MIN_RTT_US, 90);
	put_u32(b, DWCP_A_PEER_LOSS_PPM, 0);
	put_u64(b, DWCP_A_PEER_DELIVERY_RATE, 12345678);
	put(b, DWCP_A_PEER_MODE_SCORES, scores, sizeof(scores));
	put_u64(b, DWCP_A_PEER_AGE_MS, 1200);
	put_u64(b, DWCP_A_PEER_REPORTS, 12);
	put_u64(b, DWCP_A_PEER_WARM_STARTS, 1);
	put_u64(b, DWCP_A_PEER_SAMPLES, 400);
	put_u64(b, DWCP_A_PEER_MODE_CHANGES, 2);
}

static int parse_peer(struct attrbuf *b, struct dwcp_peer *p, char *err)
{
	return dwcp_peer_parse((struct nlattr *)b->data, b->len, p, err);
}

/* Run a peer printer into a memory buffer. */
static char *capture_peer(void (*print)(FILE *, const struct dwcp_peer *),
			  const struct dwcp_peer *p)
{
	static char buf[512];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	assert_non_null(f);
	print(f, p);
	fclose(f);
	return buf;
}

static void peer_valid_every_field(void **state)
{
	struct sockaddr_dwcp addr = peer_addr_v4();
	char err[DWCP_ERRLEN] = "";
	struct dwcp_peer p;
	struct attrbuf b;

	(void)state;
	valid_peer(&b, &addr);
	assert_int_equal(parse_peer(&b, &p, err), 0);
	assert_memory_equal(&p.addr, &addr, sizeof(addr));
	assert_int_equal(p.m.mode, DWCP_MODE_DATACENTER);
	assert_int_equal(p.m.rtt_us, 180);
	assert_int_equal(p.m.min_rtt_us, 90);
	assert_int_equal(p.m.loss_ppm, 0);
	assert_int_equal(p.m.delivery_rate, 12345678);
	assert_int_equal(p.m.scores[0], 950);
	assert_int_equal(p.m.scores[1], 0);
	assert_int_equal(p.m.scores[2], 50);
	assert_int_equal(p.age_ms, 1200);
	assert_int_equal(p.reports, 12);
	assert_int_equal(p.warm_starts, 1);
	assert_int_equal(p.samples, 400);
	assert_int_equal(p.mode_changes, 2);
	assert_string_equal(capture_peer(dwcp_peer_print_text, &p),
			    "10.0.0.2 datacenter rtt 180 us min-rtt 90 us loss 0 ppm"
			    " rate 12345678 B/s scores 950/0/50 age 1200 ms"
			    " reports 12 warm-starts 1 samples 400"
			    " mode-changes 2\n");
	assert_string_equal(capture_peer(dwcp_peer_print_json, &p),
			    "{\"addr\":\"10.0.0.2\",\"mode\":\"datacenter\","
			    "\"rtt_us\":180,\"min_rtt_us\":90,\"loss_ppm\":0,"
			    "\"delivery_rate\":12345678,\"scores\":[950,0,50],"
			    "\"age_ms\":1200,\"reports\":12,\"warm_starts\":1,"
			    "\"samples\":400,\"mode_changes\":2}\n");
}

static void peer_ipv6_and_unknown_mode_printed(void **state)
{
	struct sockaddr_dwcp addr;
	char err[DWCP_ERRLEN];
	struct dwcp_peer p;
	struct attrbuf b;

	(void)state;
	memset(&addr, 0, sizeof(addr));
	addr.sdwcp_ip_family = AF_INET6;
	addr.sdwcp_addr.v6[0] = 0x20;
	addr.sdwcp_addr.v6[1] = 0x01;
	addr.sdwcp_addr.v6[2] = 0x0d;
	addr.sdwcp_addr.v6[3] = 0xb8;
	addr.sdwcp_addr.v6[15] = 1;
	valid_peer(&b, &addr);
	put_u32(&b, DWCP_A_PEER_MODE, 9);	/* a newer kernel's mode */
	assert_int_equal(parse_peer(&b, &p, err), 0);
	assert_non_null(strstr(capture_peer(dwcp_peer_print_text, &p),
			       "2001:db8::1 ? rtt 180 us"));
	assert_non_null(strstr(capture_peer(dwcp_peer_print_json, &p),
			       "{\"addr\":\"2001:db8::1\",\"mode\":\"?\","));
}

static void peer_wrong_lengths_refused(void **state)
{
	struct sockaddr_dwcp addr = peer_addr_v4();
	uint32_t two_scores[2] = { 950, 50 };
	char err[DWCP_ERRLEN];
	struct dwcp_peer p;
	struct attrbuf b;

	(void)state;
	/* a later attribute of the same type overrides: forge each in turn */
	valid_peer(&b, &addr);
	put(&b, DWCP_A_PEER_MODE_SCORES, two_scores, sizeof(two_scores));
	assert_int_equal(parse_peer(&b, &p, err), -EBADMSG);
	assert_non_null(strstr(err, "mode-scores"));
	assert_non_null(strstr(err, "expected 12"));

	valid_peer(&b, &addr);
	put(&b, DWCP_A_PEER_ADDR, &addr, 16);	/* a sockaddr_in's worth */
	assert_int_equal(parse_peer(&b, &p, err), -EBADMSG);
	assert_non_null(strstr(err, "addr"));
	assert_non_null(strstr(err, "expected 28"));

	valid_peer(&b, &addr);
	put_u32(&b, DWCP_A_PEER_AGE_MS, 1200);	/* u64 sent as u32 */
	assert_int_equal(parse_peer(&b, &p, err), -EBADMSG);
	assert_non_null(strstr(err, "age-ms"));

	valid_peer(&b, &addr);
	put_u64(&b, DWCP_A_PEER_RTT_US, 180);	/* u32 sent as u64 */
	assert_int_equal(parse_peer(&b, &p, err), -EBADMSG);
	assert_non_null(strstr(err, "rtt-us"));

	valid_peer(&b, &addr);
	b.len -= 6;				/* the last one cut short */
	assert_int_equal(parse_peer(&b, &p, err), -EBADMSG);
	assert_non_null(strstr(err, "truncated"));
}

static void peer_unknown_attributes_skipped(void **state)
{
	struct sockaddr_dwcp addr = peer_addr_v4();
	char err[DWCP_ERRLEN];
	struct dwcp_peer p;
	struct attrbuf b;

	(void)state;
	valid_peer(&b, &addr);
	put(&b, DWCP_A_PEER_PAD, "", 0);
	put_u32(&b, DWCP_A_PEER_MAX + 1, 7);	/* from a newer kernel */
	put(&b, 200, "whatever", 8);
	assert_int_equal(parse_peer(&b, &p, err), 0);
	assert_int_equal(p.m.mode, DWCP_MODE_DATACENTER);
	assert_int_equal(p.warm_starts, 1);
}

static void peer_without_addr_or_mode_refused(void **state)
{
	char err[DWCP_ERRLEN];
	struct dwcp_peer p;
	struct attrbuf b;

	(void)state;
	memset(&b, 0, sizeof(b));
	put_u32(&b, DWCP_A_PEER_MODE, DWCP_MODE_INTERNET);
	assert_int_equal(parse_peer(&b, &p, err), -EBADMSG);
	assert_non_null(strstr(err, "addr missing"));

	{
		struct sockaddr_dwcp addr = peer_addr_v4();

		memset(&b, 0, sizeof(b));
		put(&b, DWCP_A_PEER_ADDR, &addr, sizeof(addr));
		put_u64(&b, DWCP_A_PEER_REPORTS, 3);
		assert_int_equal(parse_peer(&b, &p, err), -EBADMSG);
		assert_non_null(strstr(err, "mode missing"));
		/* only those two are required: the rest reads as zero */
		put_u32(&b, DWCP_A_PEER_MODE, DWCP_MODE_INTERNET);
		assert_int_equal(parse_peer(&b, &p, err), 0);
		assert_int_equal(p.reports, 3);
		assert_int_equal(p.m.delivery_rate, 0);
	}
}

static void event_stream_up_and_down(void **state)
{
	char err[DWCP_ERRLEN], line[320];
	struct attrbuf b, nest;
	struct dwcp_event ev;

	(void)state;
	memset(&b, 0, sizeof(b));
	memset(&nest, 0, sizeof(nest));
	put_u64(&b, DWCP_A_SESSION_ID, 5);
	put_u64(&b, DWCP_A_SESSION_TIME_NS, 77);
	put_u32(&nest, DWCP_A_STREAM_INDEX, 3);
	put_u32(&nest, DWCP_A_STREAM_ERROR, ECONNRESET);
	put(&b, DWCP_A_SESSION_STREAM, nest.data, nest.len);
	assert_int_equal(dwcp_event_parse(DWCP_CMD_STREAM_DOWN,
					  (struct nlattr *)b.data, b.len, &ev,
					  err), 0);
	assert_int_equal(ev.kind, DWCP_EVENT_STREAM_DOWN);
	assert_int_equal(ev.session_id, 5);
	assert_int_equal(ev.stream, 3);
	assert_int_equal(ev.error, ECONNRESET);
	dwcp_event_format(line, sizeof(line), &ev);
	assert_non_null(strstr(line, "stream-down id=5 stream=3 error=104"));

	/* up: no error; a second nest or none is refused */
	assert_int_equal(dwcp_event_parse(DWCP_CMD_STREAM_UP,
					  (struct nlattr *)b.data, b.len, &ev,
					  err), 0);
	assert_int_equal(ev.kind, DWCP_EVENT_STREAM_UP);
	put(&b, DWCP_A_SESSION_STREAM, nest.data, nest.len);
	assert_int_equal(dwcp_event_parse(DWCP_CMD_STREAM_UP,
					  (struct nlattr *)b.data, b.len, &ev,
					  err), -EBADMSG);
	b.len = 2 * NLA_ALIGN(NLA_HDRLEN + 8);
	assert_int_equal(dwcp_event_parse(DWCP_CMD_STREAM_UP,
					  (struct nlattr *)b.data, b.len, &ev,
					  err), -EBADMSG);
	assert_non_null(strstr(err, "stream"));
	/* a nest without an index */
	memset(&nest, 0, sizeof(nest));
	put_u32(&nest, DWCP_A_STREAM_ERROR, 0);
	put(&b, DWCP_A_SESSION_STREAM, nest.data, nest.len);
	assert_int_equal(dwcp_event_parse(DWCP_CMD_STREAM_DOWN,
					  (struct nlattr *)b.data, b.len, &ev,
					  err), -EBADMSG);
	assert_non_null(strstr(err, "stream.index"));
}

/* A fallback event as the kernel sends it: id, time, mode, reason. */
static void fallback_event(struct attrbuf *b, int skip)
{
	memset(b, 0, sizeof(*b));
	if (skip != 0)
		put_u64(b, DWCP_A_SESSION_ID, 7);
	if (skip != 1)
		put_u64(b, DWCP_A_SESSION_TIME_NS, 1000000000);
	if (skip != 2)
		put_u32(b, DWCP_A_SESSION_MODE, DWCP_MODE_DATACENTER);
	if (skip != 3)
		put_u32(b, DWCP_A_SESSION_FALLBACK, DWCP_FALLBACK_NO_RDMA);
}

static int parse_fallback(struct attrbuf *b, struct dwcp_event *ev, char *err)
{
	return dwcp_event_parse(DWCP_CMD_FALLBACK, (struct nlattr *)b->data,
				b->len, ev, err);
}

static void event_fallback_every_field(void **state)
{
	char err[DWCP_ERRLEN], line[320];
	struct dwcp_event ev;
	struct attrbuf b;

	(void)state;
	fallback_event(&b, -1);
	put_u32(&b, 200, 5);		/* from a newer module: skipped */
	assert_int_equal(parse_fallback(&b, &ev, err), 0);
	assert_int_equal(ev.kind, DWCP_EVENT_FALLBACK);
	assert_int_equal(ev.cmd, DWCP_CMD_FALLBACK);
	assert_int_equal(ev.session_id, 7);
	assert_int_equal(ev.time_ns, 1000000000);
	assert_int_equal(ev.m.mode, DWCP_MODE_DATACENTER);
	assert_int_equal(ev.fallback, DWCP_FALLBACK_NO_RDMA);
	dwcp_event_format(line, sizeof(line), &ev);
	assert_string_equal(line, "event fallback id=7 mode=datacenter"
			    " reason=no-rdma time=1000000000");
	assert_string_equal(capture_obj(print_event_json, &ev),
			    "{\"event\":\"fallback\",\"cmd\":14,\"id\":7,"
			    "\"mode\":\"datacenter\",\"time_ns\":1000000000,"
			    "\"fallback\":\"no-rdma\"}\n");

	/* a reason (or a mode) from a newer kernel is still printed */
	ev.fallback = 2;
	ev.m.mode = DWCP_MODE_MAX + 1;
	dwcp_event_format(line, sizeof(line), &ev);
	assert_string_equal(line, "event fallback id=7 mode=? reason=?"
			    " time=1000000000");
	assert_string_equal(capture_obj(print_event_json, &ev),
			    "{\"event\":\"fallback\",\"cmd\":14,\"id\":7,"
			    "\"mode\":\"?\",\"time_ns\":1000000000,"
			    "\"fallback\":\"?\"}\n");

	assert_string_equal(dwcp_fallback_name(DWCP_FALLBACK_NONE), "none");
	assert_string_equal(dwcp_fallback_name(DWCP_FALLBACK_NO_RDMA),
			    "no-rdma");
	assert_null(dwcp_fallback_name(DWCP_FALLBACK_NO_RDMA + 1));
}

static void event_fallback_missing_each_attribute(void **state)
{
	static const char *const want[] = { "id", "time-ns", "mode",
					    "fallback" };
	char err[DWCP_ERRLEN], msg[DWCP_ERRLEN];
	struct dwcp_event ev;
	struct attrbuf b;
	int skip;

	(void)state;
	for (skip = 0; skip < 4; skip++) {
		fallback_event(&b, skip);
		assert_int_equal(parse_fallback(&b, &ev, err), -EBADMSG);
		snprintf(msg, sizeof(msg), "attribute %s missing", want[skip]);
		assert_string_equal(err, msg);
	}
}

static void event_fallback_wrong_lengths_named(void **state)
{
	static const struct {
		uint16_t type;
		int is64;
		const char *err;
	} cases[] = {
		{ DWCP_A_SESSION_ID, 1, "attribute id: 4 bytes, expected 8" },
		{ DWCP_A_SESSION_TIME_NS, 1,
		  "attribute time-ns: 4 bytes, expected 8" },
		{ DWCP_A_SESSION_MODE, 0,
		  "attribute mode: 8 bytes, expected 4" },
		{ DWCP_A_SESSION_FALLBACK, 0,
		  "attribute fallback: 8 bytes, expected 4" },
	};
	char err[DWCP_ERRLEN];
	struct dwcp_event ev;
	struct attrbuf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* the right attribute first, then the same one malformed */
		fallback_event(&b, -1);
		if (cases[i].is64)
			put_u32(&b, cases[i].type, 1);
		else
			put_u64(&b, cases[i].type, 1);
		assert_int_equal(parse_fallback(&b, &ev, err), -EBADMSG);
		assert_string_equal(err, cases[i].err);
	}
	/* a cut message */
	fallback_event(&b, -1);
	assert_int_equal(parse_fallback(&b, &ev, err), 0);
	b.len -= 2;
	assert_int_equal(parse_fallback(&b, &ev, err), -EBADMSG);
	assert_non_null(strstr(err, "truncated"));
}

static void session_reply_fallback(void **state)
{
	struct dwcp_session *s = malloc(sizeof(*s));
	char err[DWCP_ERRLEN];
	const char *text;
	struct attrbuf b;
	int with;

	(void)state;
	assert_non_null(s);
	memset(&b, 0, sizeof(b));
	put_u64(&b, DWCP_A_SESSION_ID, 12);
	put_u32(&b, DWCP_A_SESSION_STATE, DWCP_STATE_ESTABLISHED);
	put_u32(&b, DWCP_A_SESSION_MODE, DWCP_MODE_DATACENTER);
	put_u32(&b, DWCP_A_SESSION_RTT_US, 150);
	with = b.len;

	/* an older module sends none: no fallback, text as before */
	assert_int_equal(dwcp_session_parse((struct nlattr *)b.data, b.len, s,
					    err), 0);
	assert_int_equal(s->fallback, DWCP_FALLBACK_NONE);
	text = capture_obj(print_session_text, s);
	assert_non_null(strstr(text, " mode datacenter rtt 150us loss 0ppm"
			       " rate 0B/s\n"));
	assert_null(strstr(text, "fallback"));
	assert_non_null(strstr(capture_obj(print_session_json, s),
			       ",\"mode_changes\":0,\"fallback\":\"none\","
			       "\"streams\":[]}\n"));

	/* none said explicitly reads the same */
	put_u32(&b, DWCP_A_SESSION_FALLBACK, DWCP_FALLBACK_NONE);
	assert_int_equal(dwcp_session_parse((struct nlattr *)b.data, b.len, s,
					    err), 0);
	assert_int_equal(s->fallback, DWCP_FALLBACK_NONE);
	assert_null(strstr(capture_obj(print_session_text, s), "fallback"));
	assert_non_null(strstr(capture_obj(print_session_json, s),
			       ",\"fallback\":\"none\","));

	/* datacenter mode without RDMA */
	b.len = with;
	put_u32(&b, DWCP_A_SESSION_FALLBACK, DWCP_FALLBACK_NO_RDMA);
	assert_int_equal(dwcp_session_parse((struct nlattr *)b.data, b.len, s,
					    err), 0);
	assert_int_equal(s->fallback, DWCP_FALLBACK_NO_RDMA);
	assert_non_null(strstr(capture_obj(print_session_text, s),
			       " rate 0B/s fallback no-rdma\n"));
	assert_non_null(strstr(capture_obj(print_session_json, s),
			       ",\"mode_changes\":0,\"fallback\":\"no-rdma\","
			       "\"streams\":[]}\n"));

	/* a newer kernel's reason: some fallback, name unknown */
	b.len = with;
	put_u32(&b, DWCP_A_SESSION_FALLBACK, 9);
	assert_int_equal(dwcp_session_parse((struct nlattr *)b.data, b.len, s,
					    err), 0);
	assert_non_null(strstr(capture_obj(print_session_text, s),
			       " fallback ?\n"));
	assert_non_null(strstr(capture_obj(print_session_json, s),
			       ",\"fallback\":\"?\","));

	/* a wrong length is named */
	b.len = with;
	put_u64(&b, DWCP_A_SESSION_FALLBACK, DWCP_FALLBACK_NO_RDMA);
	assert_int_equal(dwcp_session_parse((struct nlattr *)b.data, b.len, s,
					    err), -EBADMSG);
	assert_string_equal(err, "attribute fallback: 8 bytes, expected 4");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(info_valid),
		cmocka_unit_test(info_unknown_attribute_ignored),
		cmocka_unit_test(info_missing_each_attribute),
		cmocka_unit_test(info_wrong_lengths),
		cmocka_unit_test(info_version_unterminated_or_too_long),
		cmocka_unit_test(info_truncated_attribute),
		cmocka_unit_test(info_attribute_length_beyond_buffer),
		cmocka_unit_test(event_session_created_and_closed),
		cmocka_unit_test(event_without_id_rejected),
		cmocka_unit_test(event_unknown_command_tolerated),
		cmocka_unit_test(info_json_and_text),
		cmocka_unit_test(feature_names_match_uapi),
		cmocka_unit_test(event_mode_changed_with_measurements),
		cmocka_unit_test(event_mode_without_mode_or_bad_scores_rejected),
		cmocka_unit_test(event_frame_size_parsed_absent_is_zero),
		cmocka_unit_test(session_reply_frame_size),
		cmocka_unit_test(defaults_reply_and_mode_names),
		cmocka_unit_test(stats_reply_every_counter_named),
		cmocka_unit_test(event_stream_up_and_down),
		cmocka_unit_test(stats_names_as_proc),
		cmocka_unit_test(peer_valid_every_field),
		cmocka_unit_test(peer_ipv6_and_unknown_mode_printed),
		cmocka_unit_test(peer_wrong_lengths_refused),
		cmocka_unit_test(peer_unknown_attributes_skipped),
		cmocka_unit_test(peer_without_addr_or_mode_refused),
		cmocka_unit_test(event_fallback_every_field),
		cmocka_unit_test(event_fallback_missing_each_attribute),
		cmocka_unit_test(event_fallback_wrong_lengths_named),
		cmocka_unit_test(session_reply_fallback),
	};

	return cmocka_run_group_tests_name("helper_msg", tests, NULL, NULL);
}
