// SPDX-License-Identifier: GPL-2.0
/*
 * dwcpctl - inspect and control the dwcp kernel module.
 *
 *   dwcpctl [-j] info
 *   dwcpctl [-j] [-v] sessions
 *   dwcpctl [-j] [-v] session ID
 *   dwcpctl policy set ID [pacing BYTES_PER_S] [codec -1..3]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dwcpctl [-j|--json] [-v] COMMAND [ARGS]\n"
		"\n"
		"commands:\n"
		"  info        module version, AF_DWCP family number, features\n"
		"  sessions    the sessions of this netns, one line each (-v: streams)\n"
		"  session ID  one session\n"
		"  policy set ID [pacing BYTES_PER_S] [codec -1..3]\n"
		"              change a live session (needs CAP_NET_ADMIN)\n"
		"\n"
		"options:\n"
		"  -j, --json     print JSON\n"
		"  -v, --verbose  per-stream figures\n"
		"  -h, --help     this text\n"
		"  -V, --version  dwcpctl's version\n");
}

/* Explain a failure to open the family; returns the exit status. */
static int open_failed(const struct dwcp_nl *nl, int err)
{
	switch (err) {
	case -ENOENT:
		fprintf(stderr,
			"dwcpctl: the dwcp kernel module is not loaded (no generic netlink family \"%s\")\n"
			"dwcpctl: load it with 'modprobe dwcp' or 'insmod dwcp.ko'\n",
			DWCP_GENL_NAME);
		break;
	case -EPROTO:
		fprintf(stderr,
			"dwcpctl: the dwcp module speaks family version %u, this dwcpctl speaks %u: use matching versions\n",
			nl->version, DWCP_GENL_VERSION);
		break;
	default:
		fprintf(stderr, "dwcpctl: cannot talk to the kernel: %s\n",
			strerror(-err));
	}
	return 1;
}

static int cmd_info(struct dwcp_nl *nl, int json)
{
	struct dwcp_info info;
	int err;

	err = dwcp_nl_info_get(nl, &info);
	if (err) {
		fprintf(stderr, "dwcpctl: info-get failed: %s\n",
			strerror(-err));
		return 1;
	}
	if (json)
		dwcp_info_print_json(stdout, &info);
	else
		dwcp_info_print_text(stdout, &info);
	return 0;
}

struct print_opts {
	int json, verbose, count;
};

static void print_session(const struct dwcp_session *s, void *arg)
{
	struct print_opts *o = arg;

	if (o->json)
		printf("%s", o->count ? "," : "[");
	o->count++;
	if (o->json)
		dwcp_session_print_json(stdout, s);
	else
		dwcp_session_print_text(stdout, s, o->verbose);
}

static int cmd_sessions(struct dwcp_nl *nl, int json, int verbose)
{
	struct print_opts o = { json, verbose, 0 };
	int err = dwcp_nl_session_dump(nl, print_session, &o);

	if (json)
		printf("%s\n", o.count ? "]" : "[]");
	if (err) {
		fprintf(stderr, "dwcpctl: session dump failed: %s\n",
			strerror(-err));
		return 1;
	}
	return 0;
}

/* A whole number in [min, max]; 0 or -1 with a message naming @what. */
static int parse_num(const char *arg, const char *what, long long min,
		     long long max, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(arg, &end, 0);
	if (errno || end == arg || *end || *out < min || *out > max) {
		fprintf(stderr, "dwcpctl: bad %s '%s' (%lld..%lld)\n", what,
			arg, min, max);
		return -1;
	}
	return 0;
}

/* The kernel's reason, or errno's text. */
static void report(const char *what, int err, const char *errmsg)
{
	fprintf(stderr, "dwcpctl: %s: %s%s%s\n", what, strerror(-err),
		errmsg[0] ? ": " : "", errmsg);
	if (err == -EPERM)
		fprintf(stderr, "dwcpctl: changing a session needs CAP_NET_ADMIN\n");
}

static int cmd_session(struct dwcp_nl *nl, int argc, char **argv, int json,
		       int verbose)
{
	char errmsg[DWCP_ERRLEN] = "";
	struct dwcp_session *s;
	long long id;
	int err;

	if (argc != 1) {
		usage(stderr);
		return 2;
	}
	if (parse_num(argv[0], "session id", 0, INT64_MAX, &id))
		return 2;
	s = malloc(sizeof(*s));
	if (!s)
		return 1;
	err = dwcp_nl_session_get(nl, (uint64_t)id, s, errmsg);
	if (err)
		report("session-get", err, errmsg);
	else if (json)
		dwcp_session_print_json(stdout, s);
	else
		dwcp_session_print_text(stdout, s, verbose);
	free(s);
	return err ? 1 : 0;
}

static int cmd_policy(struct dwcp_nl *nl, int argc, char **argv)
{
	struct dwcp_session_change c = { 0 };
	char errmsg[DWCP_ERRLEN] = "";
	long long v;
	int i, err;

	if (argc < 4 || strcmp(argv[0], "set") || argc % 2) {
		usage(stderr);
		return 2;
	}
	if (parse_num(argv[1], "session id", 0, INT64_MAX, &v))
		return 2;
	c.id = (uint64_t)v;
	for (i = 2; i < argc; i += 2) {
		if (!strcmp(argv[i], "pacing")) {
			if (parse_num(argv[i + 1], "pacing rate", 0, INT64_MAX, &v))
				return 2;
			c.set_pacing = 1;
			c.pacing_rate = (uint64_t)v;
		} else if (!strcmp(argv[i], "codec")) {
			/* range checked by the kernel, which names the attribute */
			if (parse_num(argv[i + 1], "codec", INT32_MIN, INT32_MAX, &v))
				return 2;
			c.set_codec = 1;
			c.codec = (int32_t)v;
		} else {
			fprintf(stderr, "dwcpctl: unknown setting '%s'\n", argv[i]);
			return 2;
		}
	}
	err = dwcp_nl_session_set(nl, &c, errmsg);
	if (err) {
		report("session-set", err, errmsg);
		return 1;
	}
	return 0;
}

static int known_command(const char *cmd)
{
	return !strcmp(cmd, "info") || !strcmp(cmd, "sessions") ||
	       !strcmp(cmd, "session") || !strcmp(cmd, "policy");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct dwcp_nl nl;
	int json = 0, verbose = 0, c, err, rc;
	const char *cmd;

	while ((c = getopt_long(argc, argv, "+jvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("dwcpctl %s (genl family version %u)\n",
			       DWCP_HELPER_VERSION, DWCP_GENL_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	if (!known_command(cmd)) {
		fprintf(stderr, "dwcpctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}

	err = dwcp_nl_open(&nl);
	if (err)
		return open_failed(&nl, err);
	argc -= optind + 1;
	argv += optind + 1;
	if (!strcmp(cmd, "info"))
		rc = argc ? (usage(stderr), 2) : cmd_info(&nl, json);
	else if (!strcmp(cmd, "sessions"))
		rc = argc ? (usage(stderr), 2) : cmd_sessions(&nl, json, verbose);
	else if (!strcmp(cmd, "session"))
		rc = cmd_session(&nl, argc, argv, json, verbose);
	else
		rc = cmd_policy(&nl, argc, argv);
	dwcp_nl_close(&nl);
	return rc;
}
