// SPDX-License-Identifier: GPL-2.0
/*
 * dwcpctl - inspect and control the dwcp kernel module.
 *
 *   dwcpctl [-j] info
 *   dwcpctl [-j] [-v] sessions
 *   dwcpctl [-j] [-v] session ID
 *   dwcpctl [-j] peers
 *   dwcpctl policy set ID [pacing BYTES_PER_S] [codec -1..3] [mode MODE]
 *                         [streams N] [cc NAME|auto] [frame BYTES]
 *   dwcpctl [-j] mode get [ID]
 *   dwcpctl mode set ID|default MODE
 *   dwcpctl [-j] defaults [set KEY VALUE...]
 *   dwcpctl [-j] stats
 *   dwcpctl [-j] monitor
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
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
		"  peers       what this netns measured of each remote address, one\n"
		"              line each; a new session to one reported in the last\n"
		"              minute starts in its mode\n"
		"  policy set ID [pacing BYTES_PER_S] [codec -1..3] [mode MODE]\n"
		"             [streams N] [cc NAME|auto] [frame BYTES]\n"
		"              change a live session (needs CAP_NET_ADMIN); streams:\n"
		"              the connecting side's, up to what the peer granted;\n"
		"              cc: every stream's congestion control (auto: the mode's);\n"
		"              frame: payload bytes per data frame from now on,\n"
		"              4096..1048576 (capped at what the peer accepts)\n"
		"  mode get [ID]\n"
		"              a session's mode, or the netns's forced mode\n"
		"  mode set ID|default auto|datacenter|internet|hybrid\n"
		"              force a mode on a session or on the whole netns\n"
		"              (auto: detect); needs CAP_NET_ADMIN\n"
		"  defaults [set KEY VALUE...]\n"
		"              the netns's mode detection thresholds; keys: mode,\n"
		"              dc-rtt-us, inet-rtt-us, dc-bw, inet-bw, dc-loss-ppm,\n"
		"              inet-loss-ppm, enter-pct, leave-pct, cooldown-ms\n"
		"  stats       the netns's counters (as /proc/net/dwcp_stat)\n"
		"  monitor     print events as they come (one line each; -j JSON)\n"
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

static void print_peer(const struct dwcp_peer *p, void *arg)
{
	struct print_opts *o = arg;

	if (o->json)
		printf("%s", o->count ? "," : "[");
	o->count++;
	if (o->json)
		dwcp_peer_print_json(stdout, p);
	else
		dwcp_peer_print_text(stdout, p);
}

static int cmd_peers(struct dwcp_nl *nl, int json)
{
	struct print_opts o = { json, 0, 0 };
	int err = dwcp_nl_peer_dump(nl, print_peer, &o);

	if (json)
		printf("%s\n", o.count ? "]" : "[]");
	if (err == -EAGAIN) {
		fprintf(stderr,
			"dwcpctl: the peer table kept changing during the dump: a peer may be missing or listed twice\n");
		return 1;
	}
	if (err) {
		fprintf(stderr, "dwcpctl: peer dump failed: %s\n",
			strerror(-err));
		if (err == -EOPNOTSUPP)
			fprintf(stderr,
				"dwcpctl: the loaded dwcp module has no peer-get: it is older than this dwcpctl\n");
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
		fprintf(stderr, "dwcpctl: changing sessions or defaults needs CAP_NET_ADMIN\n");
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

static int parse_mode(const char *arg, uint32_t *mode)
{
	int m = dwcp_mode_parse(arg);

	if (m < 0) {
		fprintf(stderr,
			"dwcpctl: bad mode '%s' (auto, datacenter, internet, hybrid)\n",
			arg);
		return -1;
	}
	*mode = (uint32_t)m;
	return 0;
}

/* "cc NAME|auto" of policy set into @c; 0, or 2 after a message. */
static int parse_cc(const char *arg, struct dwcp_session_change *c)
{
	/* "auto": the mode chooses; the kernel checks the name */
	const char *name = strcmp(arg, "auto") ? arg : "";

	if (strlen(name) >= sizeof(c->cc)) {
		fprintf(stderr, "dwcpctl: congestion control name too long: '%s'\n",
			name);
		return 2;
	}
	c->set_cc = 1;
	snprintf(c->cc, sizeof(c->cc), "%s", name);
	return 0;
}

/* KEY VALUE of policy set into @c; 0, or 2 after a message. */
static int parse_setting(const char *key, const char *val,
			 struct dwcp_session_change *c)
{
	long long v;

	if (!strcmp(key, "pacing")) {
		if (parse_num(val, "pacing rate", 0, INT64_MAX, &v))
			return 2;
		c->set_pacing = 1;
		c->pacing_rate = (uint64_t)v;
	} else if (!strcmp(key, "codec")) {
		/* range checked by the kernel, which names the attribute */
		if (parse_num(val, "codec", INT32_MIN, INT32_MAX, &v))
			return 2;
		c->set_codec = 1;
		c->codec = (int32_t)v;
	} else if (!strcmp(key, "mode")) {
		if (parse_mode(val, &c->mode))
			return 2;
		c->set_mode = 1;
	} else if (!strcmp(key, "cc")) {
		return parse_cc(val, c);
	} else if (!strcmp(key, "streams")) {
		/* the upper bound is the peer's grant: the kernel's */
		if (parse_num(val, "streams", 0, UINT32_MAX, &v))
			return 2;
		c->set_streams = 1;
		c->streams = (uint32_t)v;
	} else if (!strcmp(key, "frame")) {
		/* the kernel caps it at what the peer accepts, silently */
		if (parse_num(val, "frame size", DWCP_MIN_FRAME, DWCP_MAX_FRAME,
			      &v))
			return 2;
		c->set_frame_size = 1;
		c->frame_size = (uint32_t)v;
	} else {
		fprintf(stderr, "dwcpctl: unknown setting '%s'\n", key);
		return 2;
	}
	return 0;
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
	for (i = 2; i < argc; i += 2)
		if (parse_setting(argv[i], argv[i + 1], &c))
			return 2;
	err = dwcp_nl_session_set(nl, &c, errmsg);
	if (err) {
		report("session-set", err, errmsg);
		return 1;
	}
	return 0;
}

static int mode_get(struct dwcp_nl *nl, int argc, char **argv, int json)
{
	char errmsg[DWCP_ERRLEN] = "";
	struct dwcp_defaults d;
	struct dwcp_session *s;
	long long id;
	int err;

	if (!argc) {
		err = dwcp_nl_defaults_get(nl, &d, errmsg);
		if (err) {
			report("defaults-get", err, errmsg);
			return 1;
		}
		printf(json ? "{\"default_mode\":\"%s\"}\n" : "default: %s\n",
		       dwcp_mode_name(d.mode) ? dwcp_mode_name(d.mode) : "?");
		return 0;
	}
	if (parse_num(argv[0], "session id", 0, INT64_MAX, &id))
		return 2;
	s = malloc(sizeof(*s));
	if (!s)
		return 1;
	err = dwcp_nl_session_get(nl, (uint64_t)id, s, errmsg);
	if (err) {
		report("session-get", err, errmsg);
	} else {
		const char *m = dwcp_mode_name(s->m.mode);
		const char *f = dwcp_mode_name(s->mode_forced);

		printf(json ? "{\"id\":%" PRIu64 ",\"mode\":\"%s\",\"forced\":\"%s\"}\n" :
			      "session %" PRIu64 ": %s (forced: %s)\n",
		       s->id, m ? m : "?", f ? f : "?");
	}
	free(s);
	return err ? 1 : 0;
}

static int mode_set(struct dwcp_nl *nl, int argc, char **argv)
{
	char errmsg[DWCP_ERRLEN] = "";
	struct dwcp_session_change c = { 0 };
	struct dwcp_defaults_change dc = { 0 };
	long long id;
	int err;

	if (argc != 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[0], "default")) {
		if (parse_mode(argv[1], &dc.v.mode))
			return 2;
		dc.set = 1u << DWCP_A_DEFAULTS_MODE;
		err = dwcp_nl_defaults_set(nl, &dc, errmsg);
	} else {
		if (parse_num(argv[0], "session id", 0, INT64_MAX, &id) ||
		    parse_mode(argv[1], &c.mode))
			return 2;
		c.id = (uint64_t)id;
		c.set_mode = 1;
		err = dwcp_nl_session_set(nl, &c, errmsg);
	}
	if (err) {
		report("mode set", err, errmsg);
		return 1;
	}
	return 0;
}

static int cmd_mode(struct dwcp_nl *nl, int argc, char **argv, int json)
{
	if (argc >= 1 && !strcmp(argv[0], "get") && argc <= 2)
		return mode_get(nl, argc - 1, argv + 1, json);
	if (argc >= 1 && !strcmp(argv[0], "set"))
		return mode_set(nl, argc - 1, argv + 1);
	usage(stderr);
	return 2;
}

/* KEY VALUE of defaults set into @c; 0, or 2 after a message. */
static int parse_default(const char *key, const char *val,
			 struct dwcp_defaults_change *c)
{
	struct dwcp_defaults_key k;
	char *field;
	long long v;

	if (!strcmp(key, "mode")) {
		if (parse_mode(val, &c->v.mode))
			return 2;
		c->set |= 1u << DWCP_A_DEFAULTS_MODE;
		return 0;
	}
	if (!dwcp_defaults_key_find(key, &k)) {
		/* ranges are the kernel's to check; it names the attribute */
		if (parse_num(val, key, 0, k.is64 ? INT64_MAX : UINT32_MAX, &v))
			return 2;
		field = (char *)&c->v + k.offset;
		if (k.is64)
			*(uint64_t *)field = (uint64_t)v;
		else
			*(uint32_t *)field = (uint32_t)v;
		c->set |= 1u << k.attr;
		return 0;
	}
	fprintf(stderr, "dwcpctl: unknown default '%s'\n", key);
	return 2;
}

static int cmd_defaults(struct dwcp_nl *nl, int argc, char **argv, int json)
{
	struct dwcp_defaults_change c = { 0 };
	char errmsg[DWCP_ERRLEN] = "";
	struct dwcp_defaults d;
	int i, err;

	if (!argc) {
		err = dwcp_nl_defaults_get(nl, &d, errmsg);
		if (err) {
			report("defaults-get", err, errmsg);
			return 1;
		}
		if (json)
			dwcp_defaults_print_json(stdout, &d);
		else
			dwcp_defaults_print_text(stdout, &d);
		return 0;
	}
	if (strcmp(argv[0], "set") || argc < 3 || (argc - 1) % 2) {
		usage(stderr);
		return 2;
	}
	for (i = 1; i < argc; i += 2)
		if (parse_default(argv[i], argv[i + 1], &c))
			return 2;
	err = dwcp_nl_defaults_set(nl, &c, errmsg);
	if (err) {
		report("defaults-set", err, errmsg);
		return 1;
	}
	return 0;
}

static int cmd_stats(struct dwcp_nl *nl, int json)
{
	char errmsg[DWCP_ERRLEN] = "";
	struct dwcp_stats st;
	int err;

	err = dwcp_nl_stats_get(nl, &st, errmsg);
	if (err) {
		report("stats-get", err, errmsg);
		return 1;
	}
	if (json)
		dwcp_stats_print_json(stdout, &st);
	else
		dwcp_stats_print_text(stdout, &st);
	return 0;
}

static volatile sig_atomic_t stop_monitor;

static void on_signal(int sig)
{
	(void)sig;
	stop_monitor = 1;
}

static void print_event(const struct dwcp_event *ev, void *arg)
{
	char line[320];

	if (*(int *)arg) {
		dwcp_event_print_json(stdout, ev);
	} else {
		dwcp_event_format(line, sizeof(line), ev);
		printf("%s\n", line);
	}
	fflush(stdout);
}

/* Events until SIGINT/SIGTERM; lost events are reported, not fatal. */
static int cmd_monitor(struct dwcp_nl *nl, int argc, int json)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct pollfd pfd;
	int err;

	if (argc) {
		usage(stderr);
		return 2;
	}
	err = dwcp_nl_events_subscribe(nl);
	if (err) {
		fprintf(stderr, "dwcpctl: cannot join the events group: %s\n",
			strerror(-err));
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pfd.fd = dwcp_nl_fd(nl);
	pfd.events = POLLIN;
	while (!stop_monitor) {
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("dwcpctl: poll");
			return 1;
		}
		err = dwcp_nl_events_read(nl, print_event, &json);
		if (err == -ENOBUFS) {
			fprintf(stderr,
				"dwcpctl: events were lost (ENOBUFS); 'dwcpctl sessions' shows the current state\n");
		} else if (err) {
			fprintf(stderr, "dwcpctl: reading events: %s\n",
				strerror(-err));
			return 1;
		}
	}
	return 0;
}

static int known_command(const char *cmd)
{
	static const char *const cmds[] = {
		"info", "sessions", "session", "peers", "policy", "mode",
		"defaults", "stats", "monitor",
	};
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmd, cmds[i]))
			return 1;
	return 0;
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
	else if (!strcmp(cmd, "peers"))
		rc = argc ? (usage(stderr), 2) : cmd_peers(&nl, json);
	else if (!strcmp(cmd, "mode"))
		rc = cmd_mode(&nl, argc, argv, json);
	else if (!strcmp(cmd, "defaults"))
		rc = cmd_defaults(&nl, argc, argv, json);
	else if (!strcmp(cmd, "stats"))
		rc = argc ? (usage(stderr), 2) : cmd_stats(&nl, json);
	else if (!strcmp(cmd, "monitor"))
		rc = cmd_monitor(&nl, argc, json);
	else
		rc = cmd_policy(&nl, argc, argv);
	dwcp_nl_close(&nl);
	return rc;
}
