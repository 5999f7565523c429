// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "msg.h"

static int bad(char err[DWCP_ERRLEN], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, DWCP_ERRLEN, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static int get_u32(const struct nlattr *a, const char *name, uint32_t *v,
		   char err[DWCP_ERRLEN])
{
	if (nla_len(a) != sizeof(*v))
		return bad(err, "attribute %s: %d bytes, expected 4", name,
			   nla_len(a));
	memcpy(v, nla_data(a), sizeof(*v));
	return 0;
}

static int get_u64(const struct nlattr *a, const char *name, uint64_t *v,
		   char err[DWCP_ERRLEN])
{
	if (nla_len(a) != sizeof(*v))
		return bad(err, "attribute %s: %d bytes, expected 8", name,
			   nla_len(a));
	memcpy(v, nla_data(a), sizeof(*v));
	return 0;
}

/* A NUL-terminated string of at most @size bytes, the NUL included. */
static int get_string(const struct nlattr *a, const char *name, char *dst,
		      size_t size, char err[DWCP_ERRLEN])
{
	int len = nla_len(a);
	const char *s = nla_data(a);

	if (len < 1 || s[len - 1] != '\0')
		return bad(err, "attribute %s: not NUL-terminated", name);
	if ((size_t)len > size)
		return bad(err, "attribute %s: %d bytes, at most %zu", name,
			   len, size);
	memcpy(dst, s, len);
	return 0;
}

/* One attribute a message may carry, and where its value goes. */
struct field {
	uint16_t type;
	const char *name;
	enum { FIELD_U32, FIELD_U64, FIELD_STRING, FIELD_U8, FIELD_EXACT,
	       FIELD_PREFIX } kind;
	size_t off;		/* offset of the destination in the output */
	size_t size;		/* STRING: room, NUL included; EXACT,
				 * PREFIX: bytes (PREFIX: at most, and
				 * at least 8)
				 */
	bool required;
};

static int get_field(const struct nlattr *a, const struct field *f, void *out,
		     char err[DWCP_ERRLEN])
{
	void *dst = (char *)out + f->off;

	switch (f->kind) {
	case FIELD_U8:
		if (nla_len(a) != 1)
			return bad(err, "attribute %s: %d bytes, expected 1",
				   f->name, nla_len(a));
		memcpy(dst, nla_data(a), 1);
		return 0;
	case FIELD_EXACT:
		if ((size_t)nla_len(a) != f->size)
			return bad(err, "attribute %s: %d bytes, expected %zu",
				   f->name, nla_len(a), f->size);
		memcpy(dst, nla_data(a), f->size);
		return 0;
	case FIELD_PREFIX:
		/* a versioned struct: an older kernel sends less, a newer more */
		if (nla_len(a) < 8)
			return bad(err, "attribute %s: %d bytes, at least 8",
				   f->name, nla_len(a));
		memcpy(dst, nla_data(a),
		       (size_t)nla_len(a) < f->size ? (size_t)nla_len(a) : f->size);
		return 0;
	case FIELD_U32:
		return get_u32(a, f->name, dst, err);
	case FIELD_U64:
		return get_u64(a, f->name, dst, err);
	default:
		return get_string(a, f->name, dst, f->size, err);
	}
}

/*
 * Fill @out from the attributes at @head as @fields say.  Unknown attributes
 * are skipped (newer kernels add some); a trailing fragment that is not a
 * whole attribute means the message was cut or forged.
 */
static int parse_fields(const struct nlattr *head, int len, void *out,
			const struct field *fields, size_t n,
			char err[DWCP_ERRLEN])
{
	unsigned long long seen = 0;
	struct nlattr *a;
	size_t i;
	int rem, r;

	nla_for_each_attr(a, (struct nlattr *)head, len, rem) {
		for (i = 0; i < n && fields[i].type != nla_type(a); i++)
			;
		if (i == n)
			continue;
		r = get_field(a, &fields[i], out, err);
		if (r)
			return r;
		seen |= 1ULL << i;
	}
	if (rem != 0)
		return bad(err, "truncated attribute (%d bytes left over)", rem);
	for (i = 0; i < n; i++)
		if (fields[i].required && !(seen & (1ULL << i)))
			return bad(err, "attribute %s missing", fields[i].name);
	return 0;
}

static const struct field info_fields[] = {
	{ DWCP_A_INFO_VERSION, "version", FIELD_STRING,
	  offsetof(struct dwcp_info, version), DWCP_VERSION_LEN, true },
	{ DWCP_A_INFO_FAMILY, "family", FIELD_U32,
	  offsetof(struct dwcp_info, family), 0, true },
	{ DWCP_A_INFO_FEATURES, "features", FIELD_U64,
	  offsetof(struct dwcp_info, features), 0, true },
};

static const struct field session_fields[] = {
	{ DWCP_A_SESSION_ID, "id", FIELD_U64,
	  offsetof(struct dwcp_event, session_id), 0, true },
	{ DWCP_A_SESSION_SOCK_TYPE, "sock-type", FIELD_U32,
	  offsetof(struct dwcp_event, sock_type), 0, false },
};

#define EF(attr, name, kind, member, size, req) \
	{ attr, name, kind, offsetof(struct dwcp_event, member), size, req }

/* mode-changed and measurement events */
static const struct field mode_event_fields[] = {
	EF(DWCP_A_SESSION_ID, "id", FIELD_U64, session_id, 0, true),
	EF(DWCP_A_SESSION_MODE, "mode", FIELD_U32, m.mode, 0, true),
	EF(DWCP_A_SESSION_TIME_NS, "time-ns", FIELD_U64, time_ns, 0, true),
	EF(DWCP_A_SESSION_RTT_US, "rtt-us", FIELD_U32, m.rtt_us, 0, false),
	EF(DWCP_A_SESSION_MIN_RTT_US, "min-rtt-us", FIELD_U32, m.min_rtt_us, 0,
	   false),
	EF(DWCP_A_SESSION_LOSS_PPM, "loss-ppm", FIELD_U32, m.loss_ppm, 0,
	   false),
	EF(DWCP_A_SESSION_DELIVERY_RATE, "delivery-rate", FIELD_U64,
	   m.delivery_rate, 0, false),
	EF(DWCP_A_SESSION_MODE_SCORES, "mode-scores", FIELD_EXACT, m.scores,
	   3 * sizeof(uint32_t), false),
	EF(DWCP_A_SESSION_BYTES_ACKED, "bytes-acked", FIELD_U64, bytes_acked,
	   0, false),
	EF(DWCP_A_SESSION_OLD_MODE, "old-mode", FIELD_U32, old_mode, 0, false),
	EF(DWCP_A_SESSION_MODE_REASON, "mode-reason", FIELD_U32, reason, 0,
	   false),
	EF(DWCP_A_SESSION_STREAMS_TOTAL, "streams-total", FIELD_U32,
	   streams_total, 0, false),
	EF(DWCP_A_SESSION_STREAMS_MAX, "streams-max", FIELD_U32, streams_max, 0,
	   false),
	EF(DWCP_A_SESSION_FRAME_SIZE, "frame-size", FIELD_U32, frame_size, 0,
	   false),
	EF(DWCP_A_SESSION_FRAME_SIZE_MAX, "frame-size-max", FIELD_U32,
	   frame_size_max, 0, false),
};

#define DF(attr, name, kind, member) \
	{ attr, name, kind, offsetof(struct dwcp_defaults, member), 0, true }

static const struct field defaults_fields[] = {
	DF(DWCP_A_DEFAULTS_MODE, "mode", FIELD_U32, mode),
	DF(DWCP_A_DEFAULTS_DC_RTT_US, "dc-rtt-us", FIELD_U32, dc_rtt_us),
	DF(DWCP_A_DEFAULTS_INET_RTT_US, "inet-rtt-us", FIELD_U32, inet_rtt_us),
	DF(DWCP_A_DEFAULTS_DC_BW, "dc-bw", FIELD_U64, dc_bw),
	DF(DWCP_A_DEFAULTS_INET_BW, "inet-bw", FIELD_U64, inet_bw),
	DF(DWCP_A_DEFAULTS_DC_LOSS_PPM, "dc-loss-ppm", FIELD_U32, dc_loss_ppm),
	DF(DWCP_A_DEFAULTS_INET_LOSS_PPM, "inet-loss-ppm", FIELD_U32,
	   inet_loss_ppm),
	DF(DWCP_A_DEFAULTS_ENTER_PCT, "enter-pct", FIELD_U32, enter_pct),
	DF(DWCP_A_DEFAULTS_LEAVE_PCT, "leave-pct", FIELD_U32, leave_pct),
	DF(DWCP_A_DEFAULTS_COOLDOWN_MS, "cooldown-ms", FIELD_U32, cooldown_ms),
};

/* stream-up and stream-down: the nest holds the stream */
static const struct field stream_event_fields[] = {
	EF(DWCP_A_SESSION_ID, "id", FIELD_U64, session_id, 0, true),
	EF(DWCP_A_SESSION_TIME_NS, "time-ns", FIELD_U64, time_ns, 0, true),
};

/* fallback: the mode the session is in, and why not on its transport */
static const struct field fallback_event_fields[] = {
	EF(DWCP_A_SESSION_ID, "id", FIELD_U64, session_id, 0, true),
	EF(DWCP_A_SESSION_TIME_NS, "time-ns", FIELD_U64, time_ns, 0, true),
	EF(DWCP_A_SESSION_MODE, "mode", FIELD_U32, m.mode, 0, true),
	EF(DWCP_A_SESSION_FALLBACK, "fallback", FIELD_U32, fallback, 0, true),
};

static const struct field stream_event_nest_fields[] = {
	EF(DWCP_A_STREAM_INDEX, "stream.index", FIELD_U32, stream, 0, true),
	EF(DWCP_A_STREAM_ERROR, "stream.error", FIELD_U32, error, 0, false),
};

#define NFIELDS(f) (sizeof(f) / sizeof((f)[0]))

int dwcp_info_parse(const struct nlattr *head, int len, struct dwcp_info *out,
		    char err[DWCP_ERRLEN])
{
	memset(out, 0, sizeof(*out));
	return parse_fields(head, len, out, info_fields, NFIELDS(info_fields),
			    err);
}

static int session_parse(const struct nlattr *head, int len,
			 struct dwcp_event *out, char err[DWCP_ERRLEN])
{
	return parse_fields(head, len, out, session_fields,
			    NFIELDS(session_fields), err);
}

#define SF(attr, name, kind, member, size, req) \
	{ attr, name, kind, offsetof(struct dwcp_session, member), size, req }

static const struct field session_get_fields[] = {
	SF(DWCP_A_SESSION_ID, "id", FIELD_U64, id, 0, true),
	SF(DWCP_A_SESSION_SOCK_TYPE, "sock-type", FIELD_U32, sock_type, 0, false),
	SF(DWCP_A_SESSION_STATE, "state", FIELD_U32, state, 0, false),
	SF(DWCP_A_SESSION_LOCAL, "local", FIELD_EXACT, local,
	   sizeof(struct sockaddr_dwcp), false),
	SF(DWCP_A_SESSION_PEER, "peer", FIELD_EXACT, peer,
	   sizeof(struct sockaddr_dwcp), false),
	SF(DWCP_A_SESSION_STREAMS_UP, "streams-up", FIELD_U32, streams_up, 0,
	   false),
	SF(DWCP_A_SESSION_STREAMS_TOTAL, "streams-total", FIELD_U32,
	   streams_total, 0, false),
	SF(DWCP_A_SESSION_BYTES_SENT, "bytes-sent", FIELD_U64, bytes_sent, 0,
	   false),
	SF(DWCP_A_SESSION_BYTES_ACKED, "bytes-acked", FIELD_U64, bytes_acked, 0,
	   false),
	SF(DWCP_A_SESSION_BYTES_RECEIVED, "bytes-received", FIELD_U64,
	   bytes_received, 0, false),
	SF(DWCP_A_SESSION_FRAMES_RESENT, "frames-resent", FIELD_U64,
	   frames_resent, 0, false),
	SF(DWCP_A_SESSION_PACING_RATE, "pacing-rate", FIELD_U64, pacing_rate, 0,
	   false),
	SF(DWCP_A_SESSION_CODEC, "codec", FIELD_U32, codec, 0, false),
	SF(DWCP_A_SESSION_INFO, "info", FIELD_PREFIX, info,
	   sizeof(struct dwcp_conn_info), false),
	SF(DWCP_A_SESSION_MODE, "mode", FIELD_U32, m.mode, 0, false),
	SF(DWCP_A_SESSION_MODE_FORCED, "mode-forced", FIELD_U32, mode_forced, 0,
	   false),
	SF(DWCP_A_SESSION_RTT_US, "rtt-us", FIELD_U32, m.rtt_us, 0, false),
	SF(DWCP_A_SESSION_MIN_RTT_US, "min-rtt-us", FIELD_U32, m.min_rtt_us, 0,
	   false),
	SF(DWCP_A_SESSION_LOSS_PPM, "loss-ppm", FIELD_U32, m.loss_ppm, 0, false),
	SF(DWCP_A_SESSION_DELIVERY_RATE, "delivery-rate", FIELD_U64,
	   m.delivery_rate, 0, false),
	SF(DWCP_A_SESSION_MODE_SCORES, "mode-scores", FIELD_EXACT, m.scores,
	   3 * sizeof(uint32_t), false),
	SF(DWCP_A_SESSION_STREAMS_MAX, "streams-max", FIELD_U32, streams_max, 0,
	   false),
	SF(DWCP_A_SESSION_CONGESTION, "congestion", FIELD_STRING, cc, 16, false),
	SF(DWCP_A_SESSION_FRAME_SIZE, "frame-size", FIELD_U32, frame_size, 0,
	   false),
	SF(DWCP_A_SESSION_FRAME_SIZE_MAX, "frame-size-max", FIELD_U32,
	   frame_size_max, 0, false),
	SF(DWCP_A_SESSION_FALLBACK, "fallback", FIELD_U32, fallback, 0, false),
};

#define STF(attr, name, kind, member, size) \
	{ attr, name, kind, offsetof(struct dwcp_stream_view, member), size, false }

static const struct field stream_fields[] = {
	{ DWCP_A_STREAM_INDEX, "stream.index", FIELD_U32,
	  offsetof(struct dwcp_stream_view, index), 0, true },
	STF(DWCP_A_STREAM_UP, "stream.up", FIELD_U8, up, 0),
	STF(DWCP_A_STREAM_RTT_US, "stream.rtt-us", FIELD_U32, rtt_us, 0),
	STF(DWCP_A_STREAM_MIN_RTT_US, "stream.min-rtt-us", FIELD_U32,
	    min_rtt_us, 0),
	STF(DWCP_A_STREAM_CWND, "stream.cwnd", FIELD_U32, cwnd, 0),
	STF(DWCP_A_STREAM_RETRANS, "stream.retrans", FIELD_U32, retrans, 0),
	STF(DWCP_A_STREAM_DELIVERY_RATE, "stream.delivery-rate", FIELD_U64,
	    delivery_rate, 0),
	STF(DWCP_A_STREAM_PACING_RATE, "stream.pacing-rate", FIELD_U64,
	    pacing_rate, 0),
	STF(DWCP_A_STREAM_BYTES_SENT, "stream.bytes-sent", FIELD_U64,
	    bytes_sent, 0),
	STF(DWCP_A_STREAM_BYTES_RECEIVED, "stream.bytes-received", FIELD_U64,
	    bytes_received, 0),
	STF(DWCP_A_STREAM_CC, "stream.cc", FIELD_STRING, cc, 16),
};

int dwcp_session_parse(const struct nlattr *head, int len,
		       struct dwcp_session *out, char err[DWCP_ERRLEN])
{
	struct nlattr *a;
	int rem, r;

	memset(out, 0, sizeof(*out));
	r = parse_fields(head, len, out, session_get_fields,
			 NFIELDS(session_get_fields), err);
	if (r)
		return r;
	nla_for_each_attr(a, (struct nlattr *)head, len, rem) {
		struct dwcp_stream_view sv;

		if (nla_type(a) != DWCP_A_SESSION_STREAM)
			continue;
		memset(&sv, 0, sizeof(sv));
		r = parse_fields(nla_data(a), nla_len(a), &sv, stream_fields,
				 NFIELDS(stream_fields), err);
		if (r)
			return r;
		if (out->nstreams < DWCP_VIEW_STREAMS)
			out->streams[out->nstreams] = sv;
		out->nstreams++;
	}
	/* which optional attributes were present, for the printers */
	nla_for_each_attr(a, (struct nlattr *)head, len, rem) {
		if (nla_type(a) == DWCP_A_SESSION_LOCAL)
			out->has_local = 1;
		else if (nla_type(a) == DWCP_A_SESSION_PEER)
			out->has_peer = 1;
		else if (nla_type(a) == DWCP_A_SESSION_INFO)
			out->has_info = 1;
		else if (nla_type(a) == DWCP_A_SESSION_MODE)
			out->has_mode = 1;
	}
	return 0;
}

#define PF(attr, name, kind, member, size, req) \
	{ attr, name, kind, offsetof(struct dwcp_peer, member), size, req }

/* The address is what names a peer, its mode what the table is for. */
static const struct field peer_fields[] = {
	PF(DWCP_A_PEER_ADDR, "addr", FIELD_EXACT, addr,
	   sizeof(struct sockaddr_dwcp), true),
	PF(DWCP_A_PEER_MODE, "mode", FIELD_U32, m.mode, 0, true),
	PF(DWCP_A_PEER_RTT_US, "rtt-us", FIELD_U32, m.rtt_us, 0, false),
	PF(DWCP_A_PEER_MIN_RTT_US, "min-rtt-us", FIELD_U32, m.min_rtt_us, 0,
	   false),
	PF(DWCP_A_PEER_LOSS_PPM, "loss-ppm", FIELD_U32, m.loss_ppm, 0, false),
	PF(DWCP_A_PEER_DELIVERY_RATE, "delivery-rate", FIELD_U64,
	   m.delivery_rate, 0, false),
	PF(DWCP_A_PEER_MODE_SCORES, "mode-scores", FIELD_EXACT, m.scores,
	   3 * sizeof(uint32_t), false),
	PF(DWCP_A_PEER_AGE_MS, "age-ms", FIELD_U64, age_ms, 0, false),
	PF(DWCP_A_PEER_REPORTS, "reports", FIELD_U64, reports, 0, false),
	PF(DWCP_A_PEER_WARM_STARTS, "warm-starts", FIELD_U64, warm_starts, 0,
	   false),
	PF(DWCP_A_PEER_SAMPLES, "samples", FIELD_U64, samples, 0, false),
	PF(DWCP_A_PEER_MODE_CHANGES, "mode-changes", FIELD_U64, mode_changes,
	   0, false),
};

int dwcp_peer_parse(const struct nlattr *head, int len, struct dwcp_peer *out,
		    char err[DWCP_ERRLEN])
{
	memset(out, 0, sizeof(*out));
	return parse_fields(head, len, out, peer_fields, NFIELDS(peer_fields),
			    err);
}

/* The one DWCP_A_SESSION_STREAM nest of a stream event, required. */
static int stream_event_parse(const struct nlattr *head, int len,
			      struct dwcp_event *out, char err[DWCP_ERRLEN])
{
	struct nlattr *a, *nest = NULL;
	int rem, r;

	r = parse_fields(head, len, out, stream_event_fields,
			 NFIELDS(stream_event_fields), err);
	if (r)
		return r;
	nla_for_each_attr(a, (struct nlattr *)head, len, rem) {
		if (nla_type(a) != DWCP_A_SESSION_STREAM)
			continue;
		if (nest)
			return bad(err, "more than one stream nest");
		nest = a;
	}
	if (!nest)
		return bad(err, "attribute stream missing");
	return parse_fields(nla_data(nest), nla_len(nest), out,
			    stream_event_nest_fields,
			    NFIELDS(stream_event_nest_fields), err);
}

int dwcp_event_parse(uint8_t cmd, const struct nlattr *head, int len,
		     struct dwcp_event *out, char err[DWCP_ERRLEN])
{
	memset(out, 0, sizeof(*out));
	out->cmd = cmd;
	switch (cmd) {
	case DWCP_CMD_SESSION_CREATED:
		out->kind = DWCP_EVENT_SESSION_CREATED;
		return session_parse(head, len, out, err);
	case DWCP_CMD_SESSION_CLOSED:
		out->kind = DWCP_EVENT_SESSION_CLOSED;
		return session_parse(head, len, out, err);
	case DWCP_CMD_MODE_CHANGED:
		out->kind = DWCP_EVENT_MODE_CHANGED;
		return parse_fields(head, len, out, mode_event_fields,
				    NFIELDS(mode_event_fields), err);
	case DWCP_CMD_MEASUREMENT:
		out->kind = DWCP_EVENT_MEASUREMENT;
		return parse_fields(head, len, out, mode_event_fields,
				    NFIELDS(mode_event_fields), err);
	case DWCP_CMD_STREAM_UP:
		out->kind = DWCP_EVENT_STREAM_UP;
		return stream_event_parse(head, len, out, err);
	case DWCP_CMD_STREAM_DOWN:
		out->kind = DWCP_EVENT_STREAM_DOWN;
		return stream_event_parse(head, len, out, err);
	case DWCP_CMD_FALLBACK:
		out->kind = DWCP_EVENT_FALLBACK;
		return parse_fields(head, len, out, fallback_event_fields,
				    NFIELDS(fallback_event_fields), err);
	default:
		out->kind = DWCP_EVENT_UNKNOWN;
		return 0;
	}
}

static const char *const feature_names[] = {
	"socket", "events", "tcp", "rdma", "hde", "pacing", "mode-detect",
};

const char *dwcp_feature_name(unsigned int bit)
{
	if (bit >= sizeof(feature_names) / sizeof(feature_names[0]))
		return NULL;
	return feature_names[bit];
}

const char *dwcp_sock_type_name(uint32_t type)
{
	switch (type) {
	case SOCK_STREAM:
		return "stream";
	case SOCK_SEQPACKET:
		return "seqpacket";
	default:
		return NULL;
	}
}

void dwcp_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void dwcp_info_print_text(FILE *f, const struct dwcp_info *info)
{
	unsigned int bit;

	fprintf(f, "version:  %s\n", info->version);
	fprintf(f, "family:   %" PRIu32 "\n", info->family);
	fprintf(f, "features:");
	for (bit = 0; bit < 64; bit++) {
		const char *name;

		if (!(info->features & (1ULL << bit)))
			continue;
		name = dwcp_feature_name(bit);
		if (name)
			fprintf(f, " %s", name);
		else
			fprintf(f, " bit%u", bit);
	}
	fprintf(f, "%s\n", info->features ? "" : " none");
}

void dwcp_info_print_json(FILE *f, const struct dwcp_info *info)
{
	const char *sep = "";
	unsigned int bit;

	fprintf(f, "{\"version\":");
	dwcp_json_string(f, info->version);
	fprintf(f, ",\"family\":%" PRIu32 ",\"feature_bits\":%" PRIu64
		",\"features\":[", info->family, info->features);
	for (bit = 0; bit < 64; bit++) {
		const char *name = dwcp_feature_name(bit);

		if (!(info->features & (1ULL << bit)))
			continue;
		if (name)
			fprintf(f, "%s\"%s\"", sep, name);
		else
			fprintf(f, "%s\"bit%u\"", sep, bit);
		sep = ",";
	}
	fprintf(f, "]}\n");
}

static const char *const mode_names[] = {
	"auto", "datacenter", "internet", "hybrid",
};

const char *dwcp_mode_name(uint32_t mode)
{
	if (mode >= sizeof(mode_names) / sizeof(mode_names[0]))
		return NULL;
	return mode_names[mode];
}

int dwcp_mode_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (!strcmp(s, mode_names[i]) ||
		    (s[0] == (char)('0' + i) && !s[1]))
			return (int)i;
	if (!strcmp(s, "dc"))
		return DWCP_MODE_DATACENTER;
	return -1;
}

static const char *mode_or_num(uint32_t mode)
{
	const char *name = dwcp_mode_name(mode);

	return name ? name : "?";
}

const char *dwcp_fallback_name(uint32_t reason)
{
	switch (reason) {
	case DWCP_FALLBACK_NONE:
		return "none";
	case DWCP_FALLBACK_NO_RDMA:
		return "no-rdma";
	}
	return NULL;
}

/* A fallback reason's name; "?" for one from a newer kernel. */
static const char *fallback_or_num(uint32_t reason)
{
	const char *name = dwcp_fallback_name(reason);

	return name ? name : "?";
}

/* Why a session's mode changed; "?" for a reason from a newer kernel. */
static const char *reason_name(uint32_t reason)
{
	switch (reason) {
	case DWCP_MODE_REASON_DETECTED:
		return "detected";
	case DWCP_MODE_REASON_FORCED:
		return "forced";
	case DWCP_MODE_REASON_PEER:
		return "peer";
	}
	return "?";
}

static void mode_event_format(char *buf, size_t size,
			      const struct dwcp_event *ev)
{
	const struct dwcp_measurement *m = &ev->m;
	int n;

	if (ev->kind == DWCP_EVENT_MODE_CHANGED)
		n = snprintf(buf, size, "event mode-changed id=%" PRIu64
			     " %s->%s reason=%s", ev->session_id,
			     mode_or_num(ev->old_mode), mode_or_num(m->mode),
			     reason_name(ev->reason));
	else
		n = snprintf(buf, size, "event measurement id=%" PRIu64
			     " mode=%s acked=%" PRIu64, ev->session_id,
			     mode_or_num(m->mode), ev->bytes_acked);
	if (n < 0 || (size_t)n >= size)
		return;
	snprintf(buf + n, size - (size_t)n, " rtt=%" PRIu32 "us min_rtt=%"
		 PRIu32 "us loss=%" PRIu32 "ppm rate=%" PRIu64
		 "B/s scores=%" PRIu32 "/%" PRIu32 "/%" PRIu32 " time=%" PRIu64,
		 m->rtt_us, m->min_rtt_us, m->loss_ppm, m->delivery_rate,
		 m->scores[0], m->scores[1], m->scores[2], ev->time_ns);
}

int dwcp_defaults_parse(const struct nlattr *head, int len,
			struct dwcp_defaults *out, char err[DWCP_ERRLEN])
{
	memset(out, 0, sizeof(*out));
	return parse_fields(head, len, out, defaults_fields,
			    NFIELDS(defaults_fields), err);
}

int dwcp_defaults_key(size_t i, struct dwcp_defaults_key *out)
{
	if (i >= NFIELDS(defaults_fields))
		return -1;
	out->attr = defaults_fields[i].type;
	out->name = defaults_fields[i].name;
	out->offset = defaults_fields[i].off;
	out->is64 = defaults_fields[i].kind == FIELD_U64;
	return 0;
}

int dwcp_defaults_key_find(const char *name, struct dwcp_defaults_key *out)
{
	size_t i;

	for (i = 0; !dwcp_defaults_key(i, out); i++)
		if (!strcmp(out->name, name))
			return 0;
	return -1;
}

void dwcp_defaults_print_text(FILE *f, const struct dwcp_defaults *d)
{
	fprintf(f, "mode:          %s\n", mode_or_num(d->mode));
	fprintf(f, "dc-rtt-us:     %" PRIu32 "\n", d->dc_rtt_us);
	fprintf(f, "inet-rtt-us:   %" PRIu32 "\n", d->inet_rtt_us);
	fprintf(f, "dc-bw:         %" PRIu64 "\n", d->dc_bw);
	fprintf(f, "inet-bw:       %" PRIu64 "\n", d->inet_bw);
	fprintf(f, "dc-loss-ppm:   %" PRIu32 "\n", d->dc_loss_ppm);
	fprintf(f, "inet-loss-ppm: %" PRIu32 "\n", d->inet_loss_ppm);
	fprintf(f, "enter-pct:     %" PRIu32 "\n", d->enter_pct);
	fprintf(f, "leave-pct:     %" PRIu32 "\n", d->leave_pct);
	fprintf(f, "cooldown-ms:   %" PRIu32 "\n", d->cooldown_ms);
}

void dwcp_defaults_print_json(FILE *f, const struct dwcp_defaults *d)
{
	fprintf(f, "{\"mode\":\"%s\",\"dc_rtt_us\":%" PRIu32
		",\"inet_rtt_us\":%" PRIu32 ",\"dc_bw\":%" PRIu64
		",\"inet_bw\":%" PRIu64 ",\"dc_loss_ppm\":%" PRIu32
		",\"inet_loss_ppm\":%" PRIu32 ",\"enter_pct\":%" PRIu32
		",\"leave_pct\":%" PRIu32 ",\"cooldown_ms\":%" PRIu32 "}\n",
		mode_or_num(d->mode), d->dc_rtt_us, d->inet_rtt_us, d->dc_bw,
		d->inet_bw, d->dc_loss_ppm, d->inet_loss_ppm, d->enter_pct,
		d->leave_pct, d->cooldown_ms);
}

void dwcp_event_format(char *buf, size_t size, const struct dwcp_event *ev)
{
	const char *type = dwcp_sock_type_name(ev->sock_type);
	const char *what;

	switch (ev->kind) {
	case DWCP_EVENT_MODE_CHANGED:
	case DWCP_EVENT_MEASUREMENT:
		mode_event_format(buf, size, ev);
		return;
	case DWCP_EVENT_SESSION_CREATED:
		what = "session-created";
		break;
	case DWCP_EVENT_SESSION_CLOSED:
		what = "session-closed";
		break;
	case DWCP_EVENT_STREAM_UP:
		snprintf(buf, size, "event stream-up id=%" PRIu64 " stream=%"
			 PRIu32 " time=%" PRIu64, ev->session_id, ev->stream,
			 ev->time_ns);
		return;
	case DWCP_EVENT_STREAM_DOWN:
		snprintf(buf, size, "event stream-down id=%" PRIu64 " stream=%"
			 PRIu32 " error=%" PRIu32 " (%s) time=%" PRIu64,
			 ev->session_id, ev->stream, ev->error,
			 ev->error ? strerror((int)ev->error) : "retired",
			 ev->time_ns);
		return;
	case DWCP_EVENT_FALLBACK:
		snprintf(buf, size, "event fallback id=%" PRIu64 " mode=%s"
			 " reason=%s time=%" PRIu64, ev->session_id,
			 mode_or_num(ev->m.mode), fallback_or_num(ev->fallback),
			 ev->time_ns);
		return;
	default:
		snprintf(buf, size, "event cmd=%u (unknown to this helper)",
			 ev->cmd);
		return;
	}
	if (type)
		snprintf(buf, size, "event %s id=%" PRIu64 " type=%s", what,
			 ev->session_id, type);
	else
		snprintf(buf, size, "event %s id=%" PRIu64 " type=%" PRIu32,
			 what, ev->session_id, ev->sock_type);
}

static const char *const state_names[] = {
	"closed", "listen", "connecting", "established", "closing",
};

const char *dwcp_state_name(uint32_t state)
{
	if (state >= sizeof(state_names) / sizeof(state_names[0]))
		return NULL;
	return state_names[state];
}

/* The address without its port ("192.0.2.1", "2001:db8::1"), else "*". */
static void host_format(char ip[INET6_ADDRSTRLEN],
			const struct sockaddr_dwcp *a)
{
	if (a->sdwcp_ip_family == AF_INET)
		inet_ntop(AF_INET, &a->sdwcp_addr.v4, ip, INET6_ADDRSTRLEN);
	else if (a->sdwcp_ip_family == AF_INET6)
		inet_ntop(AF_INET6, a->sdwcp_addr.v6, ip, INET6_ADDRSTRLEN);
	else
		snprintf(ip, INET6_ADDRSTRLEN, "*");
}

void dwcp_addr_format(char *buf, size_t size, const struct sockaddr_dwcp *a)
{
	char ip[INET6_ADDRSTRLEN];

	host_format(ip, a);
	if (a->sdwcp_ip_family == AF_INET)
		snprintf(buf, size, "%s:%u", ip, ntohs(a->sdwcp_port));
	else if (a->sdwcp_ip_family == AF_INET6)
		snprintf(buf, size, "[%s]:%u", ip, ntohs(a->sdwcp_port));
	else
		snprintf(buf, size, "%s", ip);
}

static const char *state_or_num(uint32_t state, char *buf, size_t size)
{
	const char *name = dwcp_state_name(state);

	if (name)
		return name;
	snprintf(buf, size, "state%" PRIu32, state);
	return buf;
}

void dwcp_session_print_text(FILE *f, const struct dwcp_session *s,
			     int verbose)
{
	char local[64] = "*", peer[64] = "*", st[16];
	const char *type = dwcp_sock_type_name(s->sock_type);
	uint32_t i, n;

	if (s->has_local)
		dwcp_addr_format(local, sizeof(local), &s->local);
	if (s->has_peer)
		dwcp_addr_format(peer, sizeof(peer), &s->peer);
	fprintf(f, "%-6" PRIu64 " %-9s %-11s %-22s %-22s streams %" PRIu32 "/%" PRIu32
		" sent %" PRIu64 " acked %" PRIu64 " recv %" PRIu64 " resent %" PRIu64
		" pacing %" PRIu64 " codec %" PRId32 " frame %" PRIu32,
		s->id, type ? type : "?", state_or_num(s->state, st, sizeof(st)),
		local, peer, s->streams_up, s->streams_total, s->bytes_sent,
		s->bytes_acked, s->bytes_received, s->frames_resent,
		s->pacing_rate, s->codec, s->frame_size);
	if (s->has_mode)
		fprintf(f, " mode %s%s rtt %" PRIu32 "us loss %" PRIu32
			"ppm rate %" PRIu64 "B/s", mode_or_num(s->m.mode),
			s->mode_forced ? "(forced)" : "", s->m.rtt_us,
			s->m.loss_ppm, s->m.delivery_rate);
	if (s->fallback)
		fprintf(f, " fallback %s", fallback_or_num(s->fallback));
	fputc('\n', f);
	if (!verbose)
		return;
	n = s->nstreams < DWCP_VIEW_STREAMS ? s->nstreams : DWCP_VIEW_STREAMS;
	for (i = 0; i < n; i++) {
		const struct dwcp_stream_view *v = &s->streams[i];

		fprintf(f, "    stream %" PRIu32 " %s", v->index, v->up ? "up" : "down");
		if (v->up)
			fprintf(f, " %s rtt %" PRIu32 "us min_rtt %" PRIu32
				"us cwnd %" PRIu32 " retrans %" PRIu32
				" delivery %" PRIu64 "B/s",
				v->cc, v->rtt_us, v->min_rtt_us, v->cwnd,
				v->retrans, v->delivery_rate);
		fprintf(f, " sent %" PRIu64 " recv %" PRIu64 "\n",
			v->bytes_sent, v->bytes_received);
	}
}

void dwcp_session_print_json(FILE *f, const struct dwcp_session *s)
{
	char addr[64], st[16];
	const char *type = dwcp_sock_type_name(s->sock_type);
	uint32_t i, n;

	fprintf(f, "{\"id\":%" PRIu64 ",\"type\":", s->id);
	dwcp_json_string(f, type ? type : "?");
	fprintf(f, ",\"state\":");
	dwcp_json_string(f, state_or_num(s->state, st, sizeof(st)));
	if (s->has_local) {
		dwcp_addr_format(addr, sizeof(addr), &s->local);
		fprintf(f, ",\"local\":");
		dwcp_json_string(f, addr);
	}
	if (s->has_peer) {
		dwcp_addr_format(addr, sizeof(addr), &s->peer);
		fprintf(f, ",\"peer\":");
		dwcp_json_string(f, addr);
	}
	fprintf(f, ",\"streams_up\":%" PRIu32 ",\"streams_total\":%" PRIu32
		",\"streams_max\":%" PRIu32 ",\"bytes_sent\":%" PRIu64 ",\"bytes_acked\":%" PRIu64
		",\"bytes_received\":%" PRIu64 ",\"frames_resent\":%" PRIu64
		",\"pacing_rate\":%" PRIu64 ",\"codec\":%" PRId32
		",\"frame_size\":%" PRIu32 ",\"frame_size_max\":%" PRIu32,
		s->streams_up, s->streams_total, s->streams_max, s->bytes_sent,
		s->bytes_acked,
		s->bytes_received, s->frames_resent, s->pacing_rate, s->codec,
		s->frame_size, s->frame_size_max);
	if (s->has_info)
		fprintf(f, ",\"frames_sent\":%" PRIu64 ",\"frames_compressed\":%"
			PRIu64 ",\"records_sent\":%" PRIu64 ",\"hde_chunks_sent\":%"
			PRIu64 ",\"stream_failures\":%" PRIu64,
			(uint64_t)s->info.dwci_frames_sent,
			(uint64_t)s->info.dwci_frames_compressed,
			(uint64_t)s->info.dwci_rec_sent,
			(uint64_t)s->info.dwci_hde_chunks_sent,
			(uint64_t)s->info.dwci_stream_failures);
	fprintf(f, ",\"congestion\":");
	dwcp_json_string(f, s->cc);
	if (s->has_mode) {
		fprintf(f, ",\"mode\":");
		dwcp_json_string(f, mode_or_num(s->m.mode));
		fprintf(f, ",\"mode_forced\":");
		dwcp_json_string(f, mode_or_num(s->mode_forced));
		fprintf(f, ",\"rtt_us\":%" PRIu32 ",\"min_rtt_us\":%" PRIu32
			",\"loss_ppm\":%" PRIu32 ",\"delivery_rate\":%" PRIu64
			",\"mode_changes\":%" PRIu64,
			s->m.rtt_us, s->m.min_rtt_us, s->m.loss_ppm,
			s->m.delivery_rate, (uint64_t)s->info.dwci_mode_changes);
	}
	fprintf(f, ",\"fallback\":\"%s\"", fallback_or_num(s->fallback));
	fprintf(f, ",\"streams\":[");
	n = s->nstreams < DWCP_VIEW_STREAMS ? s->nstreams : DWCP_VIEW_STREAMS;
	for (i = 0; i < n; i++) {
		const struct dwcp_stream_view *v = &s->streams[i];

		fprintf(f, "%s{\"index\":%" PRIu32 ",\"up\":%s,\"cc\":",
			i ? "," : "", v->index, v->up ? "true" : "false");
		dwcp_json_string(f, v->cc);
		fprintf(f, ",\"rtt_us\":%" PRIu32 ",\"min_rtt_us\":%" PRIu32
			",\"cwnd\":%" PRIu32 ",\"retrans\":%" PRIu32
			",\"delivery_rate\":%" PRIu64 ",\"pacing_rate\":%" PRIu64
			",\"bytes_sent\":%" PRIu64 ",\"bytes_received\":%" PRIu64 "}",
			v->rtt_us, v->min_rtt_us, v->cwnd, v->retrans,
			v->delivery_rate, v->pacing_rate, v->bytes_sent,
			v->bytes_received);
	}
	fprintf(f, "]}\n");
}

/* A peer is a host whatever the port: the port (always 0) is left out. */
void dwcp_peer_print_text(FILE *f, const struct dwcp_peer *p)
{
	const struct dwcp_measurement *m = &p->m;
	char ip[INET6_ADDRSTRLEN];

	host_format(ip, &p->addr);
	fprintf(f, "%s %s rtt %" PRIu32 " us min-rtt %" PRIu32 " us loss %"
		PRIu32 " ppm rate %" PRIu64 " B/s scores %" PRIu32 "/%" PRIu32
		"/%" PRIu32 " age %" PRIu64 " ms reports %" PRIu64
		" warm-starts %" PRIu64 " samples %" PRIu64 " mode-changes %"
		PRIu64 "\n",
		ip, mode_or_num(m->mode), m->rtt_us, m->min_rtt_us, m->loss_ppm,
		m->delivery_rate, m->scores[0], m->scores[1], m->scores[2],
		p->age_ms, p->reports, p->warm_starts, p->samples,
		p->mode_changes);
}

void dwcp_peer_print_json(FILE *f, const struct dwcp_peer *p)
{
	const struct dwcp_measurement *m = &p->m;
	char ip[INET6_ADDRSTRLEN];

	host_format(ip, &p->addr);
	fprintf(f, "{\"addr\":");
	dwcp_json_string(f, ip);
	fprintf(f, ",\"mode\":");
	dwcp_json_string(f, mode_or_num(m->mode));
	fprintf(f, ",\"rtt_us\":%" PRIu32 ",\"min_rtt_us\":%" PRIu32
		",\"loss_ppm\":%" PRIu32 ",\"delivery_rate\":%" PRIu64
		",\"scores\":[%" PRIu32 ",%" PRIu32 ",%" PRIu32 "]"
		",\"age_ms\":%" PRIu64 ",\"reports\":%" PRIu64
		",\"warm_starts\":%" PRIu64 ",\"samples\":%" PRIu64
		",\"mode_changes\":%" PRIu64 "}\n",
		m->rtt_us, m->min_rtt_us, m->loss_ppm, m->delivery_rate,
		m->scores[0], m->scores[1], m->scores[2], p->age_ms, p->reports,
		p->warm_starts, p->samples, p->mode_changes);
}

void dwcp_event_print_json(FILE *f, const struct dwcp_event *ev)
{
	const struct dwcp_measurement *m = &ev->m;
	static const char *const kinds[] = {
		"unknown", "session-created", "session-closed", "mode-changed",
		"measurement", "stream-up", "stream-down", "fallback",
	};

	_Static_assert(sizeof(kinds) / sizeof(kinds[0]) ==
		       DWCP_EVENT_FALLBACK + 1, "a name for every event kind");

	fprintf(f, "{\"event\":\"%s\",\"cmd\":%u,\"id\":%" PRIu64,
		kinds[ev->kind], ev->cmd, ev->session_id);
	if (ev->kind == DWCP_EVENT_SESSION_CREATED ||
	    ev->kind == DWCP_EVENT_SESSION_CLOSED)
		fprintf(f, ",\"sock_type\":%" PRIu32, ev->sock_type);
	if (ev->kind == DWCP_EVENT_MODE_CHANGED)
		fprintf(f, ",\"old_mode\":\"%s\",\"reason\":\"%s\"",
			mode_or_num(ev->old_mode),
			reason_name(ev->reason));
	if (ev->kind == DWCP_EVENT_MODE_CHANGED ||
	    ev->kind == DWCP_EVENT_MEASUREMENT)
		fprintf(f, ",\"mode\":\"%s\",\"time_ns\":%" PRIu64
			",\"rtt_us\":%" PRIu32 ",\"min_rtt_us\":%" PRIu32
			",\"loss_ppm\":%" PRIu32 ",\"delivery_rate\":%" PRIu64
			",\"bytes_acked\":%" PRIu64 ",\"scores\":[%" PRIu32
			",%" PRIu32 ",%" PRIu32 "]",
			mode_or_num(m->mode), ev->time_ns, m->rtt_us,
			m->min_rtt_us, m->loss_ppm, m->delivery_rate,
			ev->bytes_acked, m->scores[0], m->scores[1],
			m->scores[2]);
	if (ev->kind == DWCP_EVENT_MODE_CHANGED ||
	    ev->kind == DWCP_EVENT_MEASUREMENT)
		fprintf(f, ",\"streams_total\":%" PRIu32 ",\"streams_max\":%"
			PRIu32 ",\"frame_size\":%" PRIu32 ",\"frame_size_max\":%"
			PRIu32, ev->streams_total, ev->streams_max,
			ev->frame_size, ev->frame_size_max);
	if (ev->kind == DWCP_EVENT_STREAM_UP ||
	    ev->kind == DWCP_EVENT_STREAM_DOWN)
		fprintf(f, ",\"stream\":%" PRIu32 ",\"time_ns\":%" PRIu64,
			ev->stream, ev->time_ns);
	if (ev->kind == DWCP_EVENT_STREAM_DOWN)
		fprintf(f, ",\"error\":%" PRIu32, ev->error);
	if (ev->kind == DWCP_EVENT_FALLBACK)
		fprintf(f, ",\"mode\":\"%s\",\"time_ns\":%" PRIu64
			",\"fallback\":\"%s\"", mode_or_num(m->mode),
			ev->time_ns, fallback_or_num(ev->fallback));
	fprintf(f, "}\n");
}

/* Names as in /proc/net/dwcp_stat (kmod/stats.c), by DWCP_A_STATS_*. */
static const char *const stat_names[] = {
	[DWCP_A_STATS_SESSIONS_OPENED] = "SessionsOpened",
	[DWCP_A_STATS_SESSIONS_ACCEPTED] = "SessionsAccepted",
	[DWCP_A_STATS_SESSIONS_ABORTED] = "SessionsAborted",
	[DWCP_A_STATS_STREAMS_JOINED] = "StreamsJoined",
	[DWCP_A_STATS_STREAM_FAILURES] = "StreamFailures",
	[DWCP_A_STATS_FRAMES_RESENT] = "FramesResent",
	[DWCP_A_STATS_REFUSED_VERSION] = "RefusedVersion",
	[DWCP_A_STATS_REFUSED_BAD_CRC] = "RefusedBadCrc",
	[DWCP_A_STATS_REFUSED_OVERSIZE] = "RefusedOversize",
	[DWCP_A_STATS_REFUSED_MALFORMED] = "RefusedMalformed",
	[DWCP_A_STATS_REFUSED_TRUNCATED] = "RefusedTruncated",
	[DWCP_A_STATS_REFUSED_NO_SESSION] = "RefusedNoSession",
	[DWCP_A_STATS_REFUSED_BAD_PROOF] = "RefusedBadProof",
	[DWCP_A_STATS_REFUSED_FULL] = "RefusedFull",
	[DWCP_A_STATS_PROTOCOL_ERRORS] = "ProtocolErrors",
	[DWCP_A_STATS_REFUSED_TYPE] = "RefusedType",
	[DWCP_A_STATS_HDE_REJECTED] = "HdeChunksRejected",
	[DWCP_A_STATS_HDE_STALE] = "HdeStaleBaselines",
	[DWCP_A_STATS_MODE_CHANGES] = "ModeChanges",
	[DWCP_A_STATS_STREAMS_RETIRED] = "StreamsRetired",
	[DWCP_A_STATS_PEER_WARM_STARTS] = "PeerWarmStarts",
	[DWCP_A_STATS_FALLBACK_NO_RDMA] = "FallbackNoRdma",
	[DWCP_A_STATS_RX_FRAMES_COPIED] = "RxFramesCopied",
	[DWCP_A_STATS_PEER_RESETS] = "PeerResets",
	[DWCP_A_STATS_DATA_CRC_ERRORS] = "DataCrcErrors",
};

/* stats-get requires every counter up to DWCP_A_STATS_MAX, by name */
_Static_assert(sizeof(stat_names) / sizeof(stat_names[0]) ==
	       DWCP_A_STATS_MAX + 1, "a name for every DWCP_A_STATS_*");

const char *dwcp_stat_name(unsigned int attr)
{
	if (attr >= sizeof(stat_names) / sizeof(stat_names[0]))
		return NULL;
	return stat_names[attr];
}

int dwcp_stats_parse(const struct nlattr *head, int len,
		     struct dwcp_stats *out, char err[DWCP_ERRLEN])
{
	const char *name;
	struct nlattr *a;
	unsigned int t;
	int rem, r;

	memset(out, 0, sizeof(*out));
	nla_for_each_attr(a, (struct nlattr *)head, len, rem) {
		t = nla_type(a);
		if (t == DWCP_A_STATS_PAD || t >= DWCP_STATS_SLOTS)
			continue;
		name = dwcp_stat_name(t);
		r = get_u64(a, name ? name : "stat", &out->val[t], err);
		if (r)
			return r;
		out->present[t] = 1;
	}
	if (rem != 0)
		return bad(err, "truncated attribute (%d bytes left over)", rem);
	for (t = DWCP_A_STATS_SESSIONS_OPENED; t <= DWCP_A_STATS_MAX; t++)
		if (!out->present[t])
			return bad(err, "attribute %s missing", dwcp_stat_name(t));
	return 0;
}

void dwcp_stats_print_text(FILE *f, const struct dwcp_stats *st)
{
	unsigned int t;

	for (t = 0; t < DWCP_STATS_SLOTS; t++) {
		const char *name = dwcp_stat_name(t);

		if (!st->present[t])
			continue;
		if (name)
			fprintf(f, "%s %" PRIu64 "\n", name, st->val[t]);
		else
			fprintf(f, "stat%u %" PRIu64 "\n", t, st->val[t]);
	}
}

void dwcp_stats_print_json(FILE *f, const struct dwcp_stats *st)
{
	const char *sep = "";
	unsigned int t;

	fputc('{', f);
	for (t = 0; t < DWCP_STATS_SLOTS; t++) {
		const char *name = dwcp_stat_name(t);

		if (!st->present[t])
			continue;
		if (name)
			fprintf(f, "%s\"%s\":%" PRIu64, sep, name, st->val[t]);
		else
			fprintf(f, "%s\"stat%u\":%" PRIu64, sep, t, st->val[t]);
		sep = ",";
	}
	fputs("}\n", f);
}
