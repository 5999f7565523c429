// SPDX-License-Identifier: GPL-2.0
/*
 * dwcpd - the DWCP policy helper.
 *
 * For now it attaches to the dwcp family (refusing another family version),
 * subscribes to the events group and logs every event, until SIGTERM or
 * SIGINT.  Policy (PBA, ...) comes in later issues.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "nl.h"

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

static void on_event(const struct dwcp_event *ev, void *arg)
{
	char line[160];

	(void)arg;
	dwcp_event_format(line, sizeof(line), ev);
	logmsg("%s", line);
}

/* signalfd for SIGTERM/SIGINT, so the poll loop sees them in order. */
static int signals_fd(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int run(struct dwcp_nl *nl, int sfd)
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
			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				logmsg("%s received, exiting",
				       strsignal((int)si.ssi_signo));
				return 0;
			}
		}
		if (pfd[0].revents & POLLIN) {
			err = dwcp_nl_events_read(nl, on_event, NULL);
			if (err == -ENOBUFS)
				logmsg("events lost (ENOBUFS): nothing to resync yet");
			else if (err)
				logmsg("reading events: %s", strerror(-err));
		}
	}
}

int main(int argc, char **argv)
{
	struct dwcp_nl nl, ev;
	struct dwcp_info info;
	int err, sfd, rc;

	if (argc > 1 && (!strcmp(argv[1], "-V") ||
			 !strcmp(argv[1], "--version"))) {
		printf("dwcpd %s (genl family version %u)\n",
		       DWCP_HELPER_VERSION, DWCP_GENL_VERSION);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: dwcpd [-V|--version]\n");
		return 2;
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
	rc = run(&ev, sfd);
	dwcp_nl_close(&ev);
	dwcp_nl_close(&nl);
	close(sfd);
	return rc;
}
