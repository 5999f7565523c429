// SPDX-License-Identifier: GPL-2.0
/*
 * Measurement of a session's path and the actions of its mode.
 *
 * Every DWCP_SAMPLE_MS the session's tick reads a few counters of each up
 * stream's TCP socket (no tcp_info copy, no locks: single loads of fields
 * TCP updates itself), turns them into one sample (least smoothed RTT,
 * retransmission rate, delivery rate while the session had data waiting),
 * feeds it to the detector of the session's peer (peer.c; the session's
 * own, detect.c, while its mode is forced) and carries out a mode change:
 * the congestion control and count of its streams, an event with the
 * measurements that caused it.  Once a second, while someone listens, it
 * also reports the sample for dwcpd's bandwidth predictor, with the
 * delivery rate averaged over that second.
 */
#include <linux/math64.h>
#include "dwcp.h"

/* Loss is computed over at least this many segments: one retransmission in
 * a quiet 100 ms would otherwise look like a lossy path.
 */
#define DWCP_LOSS_MIN_SEGS	200
#define DWCP_REPORT_EVERY	(1000 / DWCP_SAMPLE_MS)

/**
 * dwcp_mode_cc() - congestion control the session's streams should use
 * @dsk: the session
 *
 * Return: the application's DWCP_CONGESTION if it set one, else the
 * mode's: cubic in datacenter mode (short RTT, no policer to probe for),
 * bbr otherwise.
 */
const char *dwcp_mode_cc(const struct dwcp_sock *dsk)
{
	if (dsk->cc[0])
		return dsk->cc;
	return dsk->det.mode == DWCP_MODE_DATACENTER ? "cubic" : "bbr";
}

/**
 * dwcp_mode_codec_max() - the costliest codec option of the session's mode
 * @dsk: the session
 *
 * How hard the codec selector may compress, by mode: on a datacenter path
 * the link outruns every zstd level but the fastest, and probing the
 * slower ones would take the CPU the link needs; a hybrid path gets up to
 * zstd 3; on an internet path bytes saved are worth the most CPU.  The
 * selector still compresses only where its measurements say it pays.
 *
 * Return: enum hde_opt.
 */
int dwcp_mode_codec_max(const struct dwcp_sock *dsk)
{
	switch (dsk->det.mode) {
	case DWCP_MODE_DATACENTER:
		return HDE_OPT_ZSTD1;
	case DWCP_MODE_HYBRID:
		return HDE_OPT_ZSTD3;
	default:
		return HDE_OPT_ZSTD6;
	}
}

/* The transport the mode asks for and the session cannot have, if any. */
static u8 dwcp_mode_fallback(u8 mode)
{
	/* Datacenter mode is for RDMA queue pairs (product brief), which
	 * this module does not carry yet (no DWCP_FEATURE_RDMA).
	 */
	return mode == DWCP_MODE_DATACENTER ? DWCP_FALLBACK_NO_RDMA :
					      DWCP_FALLBACK_NONE;
}

/**
 * dwcp_mode_transport() - put the session on its mode's transport, or say
 * why it stays where it is
 * @dsk: an established session
 *
 * A fallback is counted and announced once per entry into the mode, and
 * cleared when the session leaves it.
 *
 * Context: process, the socket lock held.
 */
void dwcp_mode_transport(struct dwcp_sock *dsk)
{
	u8 reason = dwcp_mode_fallback(dsk->det.mode);

	if (reason == dsk->fallback)
		return;
	dsk->fallback = reason;
	if (reason == DWCP_FALLBACK_NONE)
		return;
	dwcp_count(sock_net(&dsk->sk), DWCP_MIB_FALLBACK_NO_RDMA);
	dwcp_nl_notify_fallback(dsk);
}

/**
 * dwcp_defaults_get() - the netns's mode detection defaults
 * @net: network namespace
 * @c: filled in
 */
void dwcp_defaults_get(struct net *net, struct dwcp_detect_cfg *c)
{
	struct dwcp_net *dn = dwcp_pernet(net);

	spin_lock_bh(&dn->detect_lock);
	*c = dn->detect;
	spin_unlock_bh(&dn->detect_lock);
}

/**
 * dwcp_defaults_set() - replace the netns's mode detection defaults
 * @net: network namespace
 * @c: checked with dwcp_detect_cfg_check(); sessions use them from their
 *	next sample
 */
void dwcp_defaults_set(struct net *net, const struct dwcp_detect_cfg *c)
{
	struct dwcp_net *dn = dwcp_pernet(net);

	spin_lock_bh(&dn->detect_lock);
	dn->detect = *c;
	spin_unlock_bh(&dn->detect_lock);
}

/* Every up stream to dwcp_mode_cc(). */
static void dwcp_streams_apply_cc(struct dwcp_sock *dsk)
{
	u16 i;

	for (i = 0; i < dsk->nstreams; i++) {
		struct dwcp_stream *st = &dsk->streams[i];

		if (st->up && st->sock)
			dwcp_stream_set_cc(st, dwcp_mode_cc(dsk));
	}
}

static void dwcp_mode_apply(struct dwcp_sock *dsk)
{
	if (!dsk->cc[0])	/* else the application chose; leave it */
		dwcp_streams_apply_cc(dsk);
}

/**
 * dwcp_session_set_cc() - the congestion control of every stream from now
 * @dsk: the session
 * @name: an algorithm the caller may use (dwcp_check_congestion() passed
 *	in the caller's context), or "" to let the mode choose
 *
 * Context: process, the socket lock held.
 */
void dwcp_session_set_cc(struct dwcp_sock *dsk, const char *name)
{
	strscpy(dsk->cc, name, sizeof(dsk->cc));
	if (dsk->streams)
		dwcp_streams_apply_cc(dsk);
}

/**
 * dwcp_streams_for_rtt() - the kernel's stream count for a path
 * @rtt_us: the path's round-trip time
 * @granted: the most streams the peer granted
 *
 * More streams for longer paths, as a stand-in for the bandwidth-delay
 * product while no policy measures the bandwidth: one more per 10 ms of
 * RTT on top of 4, up to 16 (product.md: 4..16 in internet mode).  Never
 * bandwidth / latency, which shrinks with the RTT.  A datacenter path
 * (under 10 ms) gets 4: TCP on a short path gains nothing from more (the
 * wide stream counts of datacenter mode are for RDMA queue pairs).
 *
 * Return: 4 + @rtt_us / 10 ms within 1..min(@granted, 16).
 */
u16 dwcp_streams_for_rtt(u32 rtt_us, u16 granted)
{
	return clamp_t(u32, 4 + rtt_us / 10000, 1, min_t(u16, granted, 16));
}

/* The least smoothed RTT of the up streams, 0 if none has one. */
static u32 dwcp_streams_srtt_us(const struct dwcp_sock *dsk)
{
	u32 best = 0, srtt;
	u16 i;

	for (i = 0; i < dsk->nstreams; i++) {
		const struct dwcp_stream *st = &dsk->streams[i];

		if (!st->up || !st->sock)
			continue;
		srtt = READ_ONCE(tcp_sk(st->sock->sk)->srtt_us) >> 3;
		if (srtt && (!best || srtt < best))
			best = srtt;
	}
	return best;
}

/*
 * The kernel's stream count follows the path at each mode change: the
 * detector's hysteresis and cooldown keep it from flapping.  A count the
 * application (DWCP_STREAMS) or the policy (session-set) chose stays.
 * The RTT is the larger of the detector's latest sample and the streams'
 * smoothed RTT: on a reordering path a packet that overtook the queue
 * makes the sample a fraction of the path's RTT, and the smoothed RTT
 * lags a path that just got longer.
 */
static void dwcp_mode_apply_streams(struct dwcp_sock *dsk)
{
	u32 rtt_us;
	u16 n;

	if (!dwcp_session_streams_max(dsk) || dsk->policy_streams)
		return;
	rtt_us = max(dsk->meas.last.rtt_us, dwcp_streams_srtt_us(dsk));

	if (!rtt_us)
		return;
	n = dwcp_streams_for_rtt(rtt_us, dsk->nstreams);
	if (n != dsk->active)
		dwcp_session_set_streams(dsk, n);
}

/* @cause: the sample the event reports as having caused the change */
static void dwcp_mode_changed(struct dwcp_sock *dsk,
			      const struct dwcp_sample *cause)
{
	dwcp_count(sock_net(&dsk->sk), DWCP_MIB_MODE_CHANGES);
	dwcp_mode_apply(dsk);
	dwcp_mode_apply_streams(dsk);
	dwcp_nl_notify_measurement(dsk, DWCP_CMD_MODE_CHANGED, cause);
	dwcp_mode_transport(dsk);
}

/* Per-stream deltas since the last sample; a stream whose socket changed
 * (it rejoined) only sets its baseline.  RTTs count only from streams that
 * had data acknowledged in the interval: an idle stream's srtt is as old as
 * its last data, and the least-delay scheduler leaves slow streams idle.
 */
static void dwcp_measure_stream(struct dwcp_stream *st, struct dwcp_sample *s,
				u64 *segs, u64 *retrans)
{
	const struct tcp_sock *tp;
	u32 out, re, dlv, srtt, mrtt;	/* srtt: the RTT we use */
	bool fresh = false;

	if (!st->up || !st->sock)
		return;
	tp = tcp_sk(st->sock->sk);
	out = READ_ONCE(tp->segs_out);
	re = READ_ONCE(tp->total_retrans);
	dlv = READ_ONCE(tp->delivered);
	if (st->m_sock == st->sock) {
		*segs += out - st->m_segs_out;
		*retrans += re - st->m_retrans;
		fresh = dlv != st->m_delivered;
	}
	st->m_sock = st->sock;
	st->m_segs_out = out;
	st->m_retrans = re;
	st->m_delivered = dlv;
	if (!fresh)
		return;

	/* The latest RTT sample (RACK's), not srtt: the detector averages
	 * samples itself, and srtt would add seconds of lag to a path change.
	 */
	srtt = READ_ONCE(tp->rack.rtt_us) ?: READ_ONCE(tp->srtt_us) >> 3;
	mrtt = tcp_min_rtt(tp);
	if (srtt && (!s->rtt_us || srtt < s->rtt_us))
		s->rtt_us = srtt;
	if (mrtt != ~0U && (!s->min_rtt_us || mrtt < s->min_rtt_us))
		s->min_rtt_us = mrtt;
}

/*
 * Delivery rate is measured only when the session was backlogged over the
 * whole interval: otherwise it measures the application, not the path.
 * Backlogged: frames wait for a stream, or the writer found the send
 * buffer full (with many streams, their TCP buffers take every frame at
 * once and the path shows only as a writer held back by unacknowledged
 * data; an application-limited writer never is).
 */
static bool dwcp_measure_busy(struct dwcp_sock *dsk)
{
	bool busy = !list_empty(&dsk->tx_queue) || dsk->meas.blocked;

	dsk->meas.blocked = false;
	return busy;
}

static u64 dwcp_measure_rate(struct dwcp_sock *dsk, u64 dt_ns)
{
	struct dwcp_measure *m = &dsk->meas;
	u64 acked = dsk->st.dwci_bytes_acked;
	bool busy = dwcp_measure_busy(dsk);
	u64 rate = 0;

	if (m->busy && busy && dt_ns) {
		rate = mul_u64_u64_div_u64(acked - m->acked, NSEC_PER_SEC,
					   dt_ns);
		m->busy_bytes += acked - m->acked;
		m->busy_ns += dt_ns;
	}
	m->busy = busy;
	m->acked = acked;
	return rate;
}

/**
 * dwcp_measure_report_rate() - delivery rate of a measurement report
 * @busy_bytes: bytes acknowledged in the interval's backlogged ticks
 * @busy_ns: length of those ticks
 * @interval_ns: length of the report interval
 *
 * One tick holds only a round trip or two of a WAN path, and its rate
 * swings by half with where the ACK bursts fall; a predictor fed with
 * that never trusts itself.  A report averages its interval's backlogged
 * ticks instead.
 *
 * Return: bytes/s, or 0 when the session was backlogged for less than half
 * of the interval: the rate of a few ticks says little about the path.
 */
u64 dwcp_measure_report_rate(u64 busy_bytes, u64 busy_ns, u64 interval_ns)
{
	if (!busy_ns || busy_ns < interval_ns / 2)
		return 0;
	return mul_u64_u64_div_u64(busy_bytes, NSEC_PER_SEC, busy_ns);
}

/*
 * Whether the session's mode is its detector's opinion of the path: not
 * while a mode is forced, nor after a force was lifted until the detector
 * moves the session itself (the forced mode would otherwise pass for a
 * measured one with the scores between the thresholds).
 */
static bool dwcp_mode_measured(const struct dwcp_sock *dsk,
			       const struct dwcp_detect_cfg *cfg)
{
	return !dsk->det.forced && !cfg->forced &&
	       dsk->det.reason != DWCP_MODE_REASON_FORCED;
}

/*
 * A measurement event, and a report to the peer table if the mode is a
 * measured one; the next interval starts now.
 */
static void dwcp_measure_report(struct dwcp_sock *dsk, u64 now,
				bool measured)
{
	struct dwcp_measure *m = &dsk->meas;
	struct dwcp_sample s = m->last;

	s.rate = dwcp_measure_report_rate(m->busy_bytes, m->busy_ns,
					  now - m->report_ns);
	m->busy_bytes = 0;
	m->busy_ns = 0;
	m->report_ns = now;
	dwcp_nl_notify_measurement(dsk, DWCP_CMD_MEASUREMENT, &s);
	if (measured)
		dwcp_peer_report(dsk, &s);
}

/* Returns whether the loss figure was computed afresh. */
static bool dwcp_measure_loss(struct dwcp_measure *m, u64 segs, u64 retrans)
{
	m->segs += segs;
	m->retrans += retrans;
	if (m->segs < DWCP_LOSS_MIN_SEGS)
		return false;
	m->loss_ppm = min_t(u64, div64_u64(m->retrans * 1000000, m->segs),
			    1000000);
	m->segs = 0;
	m->retrans = 0;
	return true;
}

/*
 * This tick's mode: the peer's detector's while the session's mode is a
 * measured one, else (forced, or no peer entry) the session's own
 * detector's, which also keeps the scores of a forced session tracking
 * the path.  @s is NULL when the session took no sample: it may still
 * follow its peer.  Returns whether the mode changed; @cause is then the
 * sample behind it.
 */
static bool dwcp_mode_step(struct dwcp_sock *dsk,
			   const struct dwcp_detect_cfg *cfg,
			   const struct dwcp_sample *s, u64 now_ms,
			   struct dwcp_sample *cause)
{
	int r = -ENOENT;

	if (dwcp_mode_measured(dsk, cfg))
		r = dwcp_peer_detect(dsk, cfg, s, now_ms, cause);
	if (r > 0 && dsk->det.reason == DWCP_MODE_REASON_DETECTED)
		*cause = dsk->meas.last;	/* ours, rate even if paced */
	if (r >= 0)
		return r;
	*cause = dsk->meas.last;
	return s && dwcp_detect_step(&dsk->det, cfg, s, now_ms);
}

/**
 * dwcp_measure_tick() - take a sample and let the detector see it
 * @dsk: an established session
 *
 * A sample is taken only when some stream had data acknowledged since the
 * last one: an idle session has no fresh RTT, and stale figures must not
 * move a detector.  An idle session still follows its peer's detector.
 *
 * Context: process, the socket lock held.
 */
void dwcp_measure_tick(struct dwcp_sock *dsk)
{
	struct dwcp_measure *m = &dsk->meas;
	struct dwcp_sample s = {}, cause;
	struct dwcp_detect_cfg cfg;
	u64 now = ktime_get_ns(), segs = 0, retrans = 0;
	bool sampled;
	u16 i;

	for (i = 0; i < dsk->nstreams; i++)
		dwcp_measure_stream(&dsk->streams[i], &s, &segs, &retrans);
	if (!m->last_ns)
		m->report_ns = now;
	s.rate = dwcp_measure_rate(dsk, m->last_ns ? now - m->last_ns : 0);
	m->last_ns = now;
	sampled = segs && s.rtt_us;
	if (sampled) {
		s.loss_fresh = dwcp_measure_loss(m, segs, retrans);
		s.loss_ppm = m->loss_ppm;
		m->last = s;	/* reported as measured, pacing or not */
		/* Held back by our own pacing, the rate says nothing of the
		 * path.
		 */
		if (dsk->pacing_rate)
			s.rate = 0;
	}
	dwcp_defaults_get(sock_net(&dsk->sk), &cfg);
	if (dwcp_mode_step(dsk, &cfg, sampled ? &s : NULL,
			   div_u64(now, NSEC_PER_MSEC), &cause))
		dwcp_mode_changed(dsk, &cause);
	if (sampled && ++m->reports % DWCP_REPORT_EVERY == 0)
		dwcp_measure_report(dsk, now, dwcp_mode_measured(dsk, &cfg));
}

/**
 * dwcp_mode_force() - force a mode on the session, or hand it back to the
 * detector
 * @dsk: the session
 * @mode: enum dwcp_mode; DWCP_MODE_AUTO lifts the force
 *
 * Before the session is established the force waits for it.
 *
 * Context: the socket lock held.
 * Return: 0, or -EINVAL for an unknown mode.
 */
int dwcp_mode_force(struct dwcp_sock *dsk, u32 mode)
{
	struct dwcp_detect_cfg cfg;

	if (mode > DWCP_MODE_MAX)
		return -EINVAL;
	dsk->det.forced = mode;
	dwcp_defaults_get(sock_net(&dsk->sk), &cfg);
	if (!dsk->alive) {
		/* streams not up yet: they start in the forced mode */
		dwcp_detect_apply_force(&dsk->det, &cfg, 0);
		dsk->det.changes = 0;
		return 0;
	}
	if (dwcp_detect_apply_force(&dsk->det, &cfg,
				    div_u64(ktime_get_ns(), NSEC_PER_MSEC)))
		dwcp_mode_changed(dsk, &dsk->meas.last);
	return 0;
}

/**
 * dwcp_measure_init() - a new socket's measurement and mode
 * @dsk: the socket
 *
 * It starts in the netns's forced mode if one is set, else internet mode.
 */
void dwcp_measure_init(struct dwcp_sock *dsk)
{
	struct dwcp_detect_cfg cfg;

	dwcp_detect_init(&dsk->det);
	dwcp_defaults_get(sock_net(&dsk->sk), &cfg);
	if (cfg.forced) {
		dsk->det.mode = cfg.forced;
		dsk->det.reason = DWCP_MODE_REASON_FORCED;
	}
}

/**
 * dwcp_measure_info() - the measurement and mode fields of DWCP_INFO
 * @dsk: the session
 * @info: filled in (version 3 fields)
 *
 * Context: the socket lock held.
 */
void dwcp_measure_info(const struct dwcp_sock *dsk,
		       struct dwcp_conn_info *info)
{
	const struct dwcp_detect *d = &dsk->det;
	int i;

	info->dwci_mode = d->mode;
	info->dwci_mode_forced = d->forced;
	info->dwci_mode_changes = d->changes;
	info->dwci_rtt_us = dsk->meas.last.rtt_us;
	info->dwci_min_rtt_us = dsk->meas.last.min_rtt_us;
	info->dwci_loss_ppm = dsk->meas.last.loss_ppm;
	info->dwci_delivery_rate = dsk->meas.last.rate;
	info->dwci_samples = d->samples;
	for (i = 0; i < DWCP_NMODES; i++)
		info->dwci_mode_score[i] = d->score[i];
}
