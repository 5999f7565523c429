// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>

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

/*
 * Walk the attributes; a trailing fragment that is not a whole attribute
 * means the message was cut or forged.
 */
#define for_each_attr(a, head, len, rem) nla_for_each_attr(a, head, len, rem)

int dwcp_info_parse(const struct nlattr *head, int len, struct dwcp_info *out,
		    char err[DWCP_ERRLEN])
{
	unsigned int seen = 0;
	struct nlattr *a;
	int rem, r = 0;

	memset(out, 0, sizeof(*out));
	for_each_attr(a, (struct nlattr *)head, len, rem) {
		switch (nla_type(a)) {
		case DWCP_A_INFO_VERSION:
			r = get_string(a, "version", out->version,
				       sizeof(out->version), err);
			break;
		case DWCP_A_INFO_FAMILY:
			r = get_u32(a, "family", &out->family, err);
			break;
		case DWCP_A_INFO_FEATURES:
			r = get_u64(a, "features", &out->features, err);
			break;
		default:
			continue;
		}
		if (r)
			return r;
		seen |= 1u << nla_type(a);
	}
	if (rem != 0)
		return bad(err, "truncated attribute (%d bytes left over)", rem);
	if (!(seen & (1u << DWCP_A_INFO_VERSION)))
		return bad(err, "attribute version missing");
	if (!(seen & (1u << DWCP_A_INFO_FAMILY)))
		return bad(err, "attribute family missing");
	if (!(seen & (1u << DWCP_A_INFO_FEATURES)))
		return bad(err, "attribute features missing");
	return 0;
}

static int session_parse(const struct nlattr *head, int len,
			 struct dwcp_event *out, char err[DWCP_ERRLEN])
{
	unsigned int seen = 0;
	struct nlattr *a;
	int rem, r = 0;

	for_each_attr(a, (struct nlattr *)head, len, rem) {
		switch (nla_type(a)) {
		case DWCP_A_SESSION_ID:
			r = get_u64(a, "id", &out->session_id, err);
			break;
		case DWCP_A_SESSION_SOCK_TYPE:
			r = get_u32(a, "sock-type", &out->sock_type, err);
			break;
		default:
			continue;
		}
		if (r)
			return r;
		seen |= 1u << nla_type(a);
	}
	if (rem != 0)
		return bad(err, "truncated attribute (%d bytes left over)", rem);
	if (!(seen & (1u << DWCP_A_SESSION_ID)))
		return bad(err, "attribute id missing");
	return 0;
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

void dwcp_event_format(char *buf, size_t size, const struct dwcp_event *ev)
{
	const char *type = dwcp_sock_type_name(ev->sock_type);
	const char *what;

	switch (ev->kind) {
	case DWCP_EVENT_SESSION_CREATED:
		what = "session-created";
		break;
	case DWCP_EVENT_SESSION_CLOSED:
		what = "session-closed";
		break;
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
