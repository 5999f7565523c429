// SPDX-License-Identifier: GPL-2.0
/*
 * dwcpd's metrics; see metrics.h.
 */
#include <inttypes.h>

#include "metrics.h"

static void header(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One gauge per tracked session, labelled by session id. */
static void per_session(FILE *f, const struct policy *p, const char *name,
			const char *help,
			double (*value)(const struct policy_session *s))
{
	size_t i;

	header(f, name, "gauge", help);
	for (i = 0; i < POLICY_MAX_SESSIONS; i++)
		if (p->s[i].used)
			fprintf(f, "%s{session=\"%" PRIu64 "\"} %.17g\n", name,
				p->s[i].id, value(&p->s[i]));
}

static double mode_of(const struct policy_session *s) { return s->mode; }
static double rate_of(const struct policy_session *s) { return (double)s->last_rate; }
static double acked_of(const struct policy_session *s) { return (double)s->bytes_acked; }
static double pacing_of(const struct policy_session *s) { return (double)s->applied.pacing_bps; }
static double streams_of(const struct policy_session *s) { return s->applied.streams; }
static double frame_of(const struct policy_session *s) { return s->applied.chunk_bytes; }

static double predicted_of(const struct policy_session *s)
{
	return s->est.valid ? s->est.predicted : 0;
}

static double error_of(const struct policy_session *s)
{
	return s->est.valid ? s->est.rel_error : 0;
}

void dwcpd_metrics_write(FILE *f, const struct policy *p)
{
	header(f, "dwcp_sessions", "gauge", "Sessions dwcpd tracks.");
	fprintf(f, "dwcp_sessions %zu\n", policy_tracked(p));
	header(f, "dwcp_sessions_untracked_total", "counter",
	       "Sessions not tracked because the table was full.");
	fprintf(f, "dwcp_sessions_untracked_total %" PRIu64 "\n", p->dropped);
	header(f, "dwcp_mode_changes_total", "counter",
	       "Mode-changed events seen.");
	fprintf(f, "dwcp_mode_changes_total %" PRIu64 "\n", p->mode_changes);
	header(f, "dwcp_pacing_changes_total", "counter",
	       "Pacing rates pushed to the kernel.");
	fprintf(f, "dwcp_pacing_changes_total %" PRIu64 "\n", p->pacing_pushes);
	header(f, "dwcp_stream_changes_total", "counter",
	       "Stream counts pushed to the kernel.");
	fprintf(f, "dwcp_stream_changes_total %" PRIu64 "\n", p->streams_pushes);
	header(f, "dwcp_frame_changes_total", "counter",
	       "Frame sizes pushed to the kernel.");
	fprintf(f, "dwcp_frame_changes_total %" PRIu64 "\n", p->frame_pushes);
	per_session(f, p, "dwcp_session_mode",
		    "Mode in force: 1 datacenter, 2 internet, 3 hybrid.", mode_of);
	per_session(f, p, "dwcp_session_bytes_acked",
		    "Session bytes acknowledged by the peer.", acked_of);
	per_session(f, p, "dwcp_session_delivery_rate_bytes",
		    "Last delivery rate measured, bytes/s.", rate_of);
	per_session(f, p, "dwcp_session_predicted_rate_bytes",
		    "PBA's forecast of the next delivery rate, bytes/s.",
		    predicted_of);
	per_session(f, p, "dwcp_session_prediction_error_ratio",
		    "PBA's recent relative prediction error.", error_of);
	per_session(f, p, "dwcp_session_pacing_rate_bytes",
		    "Pacing rate dwcpd pushed, bytes/s (0 none).", pacing_of);
	per_session(f, p, "dwcp_session_streams",
		    "Streams the session uses.", streams_of);
	per_session(f, p, "dwcp_session_frame_bytes",
		    "Payload bytes per data frame the session sends (0 unknown).",
		    frame_of);
}
