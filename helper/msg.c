// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
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

/* One attribute a message may carry, and where its value goes. */
struct field {
	uint16_t type;
	const char *name;
	enum { FIELD_U32, FIELD_U64, FIELD_STRING } kind;
	size_t off;		/* offset of the destination in the output */
	size_t size;		/* FIELD_STRING: room, NUL included */
	bool required;
};

static int get_field(const struct nlattr *a, const struct field *f, void *out,
		     char err[DWCP_ERRLEN])
{
	void *dst = (char *)out + f->off;

	switch (f->kind) {
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
