// SPDX-License-Identifier: GPL-2.0
/*
 * dwcpd - the DWCP policy helper.
 *
 * It attaches to the dwcp family (refusing another family version),
 * subscribes to the events group, logs session and mode events, and runs the
 * policy core (policy.c: PBA bandwidth prediction per session) on the
 * kernel's measurement events, pushing the pacing, stream count and frame
 * size it decides with session-set.  Without dwcpd the kernel runs on its
 * own defaults.
 *
 *   dwcpd [-c FILE] [-n|--dry-run] [-v|--verbose]
 *
 * FILE (default /etc/dwcp/dwcpd.conf when it exists; helper/dwcpd.conf
 * documents it) is re-read on SIGHUP.  --dry-run decides and logs but
 * changes nothing; --verbose also logs every measurement event; both win
 * over the file.  Stops cleanly on SIGTERM or SIGINT.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <inttypes.h>

#include "nl.h"
#include "config.h"
#include "metrics.h"
#include "policy.h"

static void logmsg(const char *fmt, ...)
{
	struct timespec ts;
	char stamp[32];
	struct tm tm;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ dwcpd[%d]: ", stamp, ts.tv_nsec / 1000000,
		(int)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define DEFAULT_CONFIG "/etc/dwcp/dwcpd.conf"

struct daemon {
	struct dwcp_nl *req;		/* requests: session-set */
	struct policy *policy;
	bool verbose;
	const char *config;		/* NULL: none */
	bool dry_run, force_verbose;	/* command line, wins over the file */
	char metrics_file[DWCPD_PATH_MAX];
	uint64_t metrics_ns;		/* last written */
};

#define METRICS_EVERY_NS (5ULL * 1000000000ULL)

/* Write the metrics file atomically: readers never see half of it. */
static void write_metrics(struct daemon *d, uint64_t now_ns)
{
	char tmp[DWCPD_PATH_MAX + 8];
	FILE *f;

	if (!d->metrics_file[0] || now_ns - d->metrics_ns < METRICS_EVERY_NS)
		return;
	d->metrics_ns = now_ns;
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->metrics_file);
	f = fopen(tmp, "we");
	if (!f) {
		logmsg("metrics %s: %s", tmp, strerror(errno));
		return;
	}
	dwcpd_metrics_write(f, d->policy);
	if (fclose(f) || rename(tmp, d->metrics_file))
		logmsg("metrics %s: %s", d->metrics_file, strerror(errno));
}

/* systemd Type=notify without libsystemd: one datagram to NOTIFY_SOCKET. */
static void sd_notify_state(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, path);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';	/* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		   (struct sockaddr *)&sa, len) < 0)
		logmsg("sd_notify: %s", strerror(errno));
	close(fd);
}

/* Read and parse @path into @c (unchanged on error); 0 or -errno/-EINVAL. */
static int load_config(const char *path, struct dwcpd_config *c)
{
	char *buf, err[DWCP_ERRLEN];
	size_t len;
	FILE *f;
	int r;

	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		logmsg("config %s: %s", path, strerror(-r));
		return r;
	}
	buf = malloc(DWCPD_CONFIG_MAX + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	len = fread(buf, 1, DWCPD_CONFIG_MAX + 1, f);
	r = ferror(f) ? -EIO : dwcpd_config_parse(buf, len, c, err);
	if (r == -EINVAL)
		logmsg("config %s: %s", path, err);
	else if (r)
		logmsg("config %s: read error", path);
	free(buf);
	fclose(f);
	return r;
}

/* The configuration in force: the file's, then the command line's. */
static int configure(struct daemon *d)
{
	struct dwcpd_config c;
	int r = 0;

	c.policy = d->policy->cfg;
	c.verbose = d->verbose;
	memcpy(c.metrics_file, d->metrics_file, sizeof(c.metrics_file));
	if (d->config)
		r = load_config(d->config, &c);
	if (r)
		return r;
	if (d->dry_run)
		c.policy.apply = false;
	if (d->force_verbose)
		c.verbose = true;
	d->policy->cfg = c.policy;
	d->verbose = c.verbose;
	memcpy(d->metrics_file, c.metrics_file, sizeof(d->metrics_file));
	return 0;
}

/* Append to @buf (holding @n bytes); the new length, @size when full. */
__attribute__((format(printf, 4, 5)))
static size_t append(char *buf, size_t size, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (n >= size)
		return size;
	va_start(ap, fmt);
	r = vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
	return r < 0 || (size_t)r >= size - n ? size : n + (size_t)r;
}

/*
 * "pacing 123 B/s", "streams 4", "frame 131072 B", or several joined by
 * ", ": what @a sets, for the log.
 */
static void action_text(char *buf, size_t size, const struct policy_action *a)
{
	size_t n = 0;

	buf[0] = '\0';
	if (a->kind & POLICY_SET_PACING)
		n = append(buf, size, n, "pacing %" PRIu64 " B/s", a->pacing_bps);
	if (a->kind & POLICY_SET_STREAMS)
		n = append(buf, size, n, "%sstreams %" PRIu32, n ? ", " : "",
			   a->streams);
	if (a->kind & POLICY_SET_FRAME)
		append(buf, size, n, "%sframe %" PRIu32 " B", n ? ", " : "",
		       a->frame_bytes);
}

static void carry_out(struct daemon *d, const struct policy_action *a)
{
	struct dwcp_session_change c = { .id = a->id };
	char errmsg[DWCP_ERRLEN] = "", what[96];
	int err = 0;

	c.set_streams = !!(a->kind & POLICY_SET_STREAMS);
	c.streams = a->streams;
	c.set_pacing = !!(a->kind & POLICY_SET_PACING);
	c.pacing_rate = a->pacing_bps;
	c.set_frame_size = !!(a->kind & POLICY_SET_FRAME);
	c.frame_size = a->frame_bytes;
	action_text(what, sizeof(what), a);
	if (d->policy->cfg.apply)
		err = dwcp_nl_session_set(d->req, &c, errmsg);
	if (err) {
		logmsg("session %" PRIu64 ": %s failed: %s%s%s", a->id, what,
		       strerror(-err), errmsg[0] ? ": " : "", errmsg);
	} else {
		logmsg("session %" PRIu64 ": %s (%s; predicted %.0f B/s by %s, error %.2f)%s",
		       a->id, what, a->why, a->est.predicted,
		       a->est.valid ? pba_predictor_name(a->est.best) : "-",
		       a->est.rel_error, d->policy->cfg.apply ? "" : " [dry run]");
	}
	/* an ENOENT session is gone: its closed event frees the slot */
	policy_applied(d->policy, a, !err && d->policy->cfg.apply);
}

static void resync_one(const struct dwcp_session *s, void *arg)
{
	struct daemon *d = arg;

	if (s->state == DWCP_STATE_ESTABLISHED && s->has_mode)
		policy_resync_session(d->policy, s->id, s->m.mode,
				      s->pacing_rate, s->streams_total,
				      s->streams_max, s->frame_size,
				      s->frame_size_max);
}

/* What events cannot be trusted to tell: the sessions there are now. */
static void resync(struct daemon *d, const char *why)
{
	int err;

	policy_resync_begin(d->policy);
	err = dwcp_nl_session_dump(d->req, resync_one, d);
	if (err) {
		logmsg("resync (%s): session dump failed: %s", why,
		       strerror(-err));
		return;
	}
	policy_resync_end(d->policy);
	logmsg("resync (%s): tracking %zu sessions", why,
	       policy_tracked(d->policy));
}

static void on_event(const struct dwcp_event *ev, void *arg)
{
	struct daemon *d = arg;
	struct policy_action a;
	char line[320];

	if (ev->kind != DWCP_EVENT_MEASUREMENT || d->verbose) {
		dwcp_event_format(line, sizeof(line), ev);
		logmsg("%s", line);
	}
	policy_step(d->policy, ev, &a);
	if (a.kind != POLICY_NONE)
		carry_out(d, &a);
	if (ev->time_ns)
		write_metrics(d, ev->time_ns);
}

/* signalfd for SIGTERM/SIGINT, so the poll loop sees them in order. */
static int signals_fd(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int run(struct dwcp_nl *nl, int sfd, struct daemon *d)
{
	struct pollfd pfd[2] = {
		{ .fd = dwcp_nl_fd(nl), .events = POLLIN },
		{ .fd = sfd, .events = POLLIN },
	};
	struct signalfd_siginfo si;
	int err;

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			logmsg("poll: %s", strerror(errno));
			return 1;
		}
		if (pfd[1].revents & POLLIN) {
			if (read(sfd, &si, sizeof(si)) == sizeof(si) &&
			    si.ssi_signo == SIGHUP) {
				if (!configure(d))
					logmsg("configuration reloaded (apply %s, probe after %.0f s)",
					       d->policy->cfg.apply ? "yes" : "no",
					       d->policy->cfg.probe_after_ns / 1e9);
				else
					logmsg("reload refused, the running configuration stays");
			} else {
				logmsg("%s received, exiting",
				       strsignal((int)si.ssi_signo));
				return 0;
			}
		}
		if (pfd[0].revents & POLLIN) {
			err = dwcp_nl_events_read(nl, on_event, d);
			if (err == -ENOBUFS)
				resync(d, "events lost");
			else if (err)
				logmsg("reading events: %s", strerror(-err));
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon d = { 0 };
	struct policy_config pc;
	struct dwcp_nl nl, ev;
	struct dwcp_info info;
	int err, sfd, rc, c;

	policy_config_default(&pc);
	if (!access(DEFAULT_CONFIG, F_OK))
		d.config = DEFAULT_CONFIG;
	while ((c = getopt_long(argc, argv, "c:nvV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d.config = optarg;
			break;
		case 'n':
			d.dry_run = true;
			break;
		case 'v':
			d.force_verbose = true;
			break;
		case 'V':
			printf("dwcpd %s (genl family version %u)\n",
			       DWCP_HELPER_VERSION, DWCP_GENL_VERSION);
			return 0;
		default:
			fprintf(stderr, "usage: dwcpd [-c FILE] [-n|--dry-run] [-v|--verbose] [-V|--version]\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "usage: dwcpd [-c FILE] [-n|--dry-run] [-v|--verbose] [-V|--version]\n");
		return 2;
	}
	d.policy = malloc(sizeof(*d.policy));
	if (!d.policy)
		return 1;
	policy_init(d.policy, &pc);
	d.req = &nl;
	if (configure(&d)) {
		free(d.policy);
		return 1;
	}

	sfd = signals_fd();
	if (sfd < 0) {
		logmsg("signalfd: %s", strerror(-sfd));
		return 1;
	}
	err = dwcp_nl_open(&nl);
	if (err == -ENOENT) {
		logmsg("the dwcp kernel module is not loaded");
		return 1;
	}
	if (err == -EPROTO) {
		logmsg("refusing family version %u (this dwcpd speaks %u)",
		       nl.version, DWCP_GENL_VERSION);
		dwcp_nl_close(&nl);
		return 1;
	}
	if (err) {
		logmsg("cannot open the dwcp family: %s", strerror(-err));
		return 1;
	}
	/* Requests and events on separate sockets: events never get in the
	 * way of a reply, and the event socket can be non-blocking.
	 */
	err = dwcp_nl_info_get(&nl, &info);
	if (!err)
		err = dwcp_nl_open(&ev);
	if (!err) {
		err = dwcp_nl_events_subscribe(&ev);
		if (err)
			dwcp_nl_close(&ev);
	}
	if (err) {
		logmsg("cannot attach: %s", strerror(-err));
		dwcp_nl_close(&nl);
		return 1;
	}
	logmsg("attached to dwcp %s (AF_DWCP %u, family version %u), listening for events",
	       info.version, info.family, nl.version);
	resync(&d, "start");
	sd_notify_state("READY=1");
	rc = run(&ev, sfd, &d);
	sd_notify_state("STOPPING=1");
	dwcp_nl_close(&ev);
	free(d.policy);
	dwcp_nl_close(&nl);
	close(sfd);
	return rc;
}
