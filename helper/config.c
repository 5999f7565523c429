// SPDX-License-Identifier: GPL-2.0
/*
 * dwcpd's configuration file parser; see config.h.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

void dwcpd_config_default(struct dwcpd_config *c)
{
	memset(c, 0, sizeof(*c));
	policy_config_default(&c->policy);
}

static int bad(char err[DWCP_ERRLEN], unsigned int line, const char *what,
	       const char *key)
{
	snprintf(err, DWCP_ERRLEN, "line %u: %s%s%s", line, what,
		 key ? ": " : "", key ? key : "");
	return -EINVAL;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
			   end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

/* A finite number in [lo, hi], the whole of @v. */
static int parse_double(const char *v, double lo, double hi, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || !isfinite(d) || d < lo || d > hi)
		return -1;
	*out = d;
	return 0;
}

static int set_key(struct dwcpd_config *c, const char *key, const char *val)
{
	double d;

	if (!strcmp(key, "apply"))
		return parse_bool(val, &c->policy.apply);
	if (!strcmp(key, "verbose"))
		return parse_bool(val, &c->verbose);
	if (!strcmp(key, "metrics_file")) {
		if (val[0] != '/' || strlen(val) >= sizeof(c->metrics_file))
			return -1;
		strcpy(c->metrics_file, val);
		return 0;
	}
	if (!strcmp(key, "pacing_limited")) {
		if (parse_double(val, 0.5, 1.0, &d))
			return -1;
		c->policy.pacing_limited = d;
		return 0;
	}
	if (!strcmp(key, "probe_after_s")) {
		if (parse_double(val, 1, 3600, &d))
			return -1;
		c->policy.probe_after_ns = (uint64_t)(d * 1e9);
		return 0;
	}
	return -2;
}

static int parse_line(char *line, unsigned int no, struct dwcpd_config *c,
		      char err[DWCP_ERRLEN])
{
	char *hash = strchr(line, '#'), *eq, *key, *val;
	int r;

	if (hash)
		*hash = '\0';
	line = trim(line);
	if (!*line)
		return 0;
	eq = strchr(line, '=');
	if (!eq)
		return bad(err, no, "expected key = value", NULL);
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	if (!*key || !*val)
		return bad(err, no, "empty key or value", NULL);
	r = set_key(c, key, val);
	if (r == -2)
		return bad(err, no, "unknown key", key);
	if (r)
		return bad(err, no, "bad value for", key);
	return 0;
}

int dwcpd_config_parse(const char *text, size_t len, struct dwcpd_config *c,
		       char err[DWCP_ERRLEN])
{
	struct dwcpd_config next = *c;
	char line[DWCPD_LINE_MAX + 1];
	unsigned int no = 0;
	size_t pos = 0;
	int r;

	if (len > DWCPD_CONFIG_MAX)
		return bad(err, 0, "file too large", NULL);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		no++;
		if (n > DWCPD_LINE_MAX)
			return bad(err, no, "line too long", NULL);
		memcpy(line, text + pos, n);
		line[n] = '\0';
		if (strlen(line) != n)
			return bad(err, no, "NUL byte", NULL);
		r = parse_line(line, no, &next, err);
		if (r)
			return r;
		pos += n + (nl ? 1 : 0);
	}
	*c = next;
	return 0;
}
