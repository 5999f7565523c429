// SPDX-License-Identifier: GPL-2.0
/*
 * Mode detector: datacenter, internet or hybrid, from measurement samples.
 *
 * Pure logic, no locks and no clocks: the caller (measure.c) feeds one
 * sample at a time with the time it was taken, so KUnit drives exactly the
 * code the sessions run.  Each sample votes for one mode; each mode keeps a
 * score, an exponential moving average of its votes (alpha 1/5, about ten
 * samples of memory) in per mille.  Hysteresis: a mode is entered when its
 * score reaches enter_pct and the current one's fell below leave_pct; a
 * cooldown keeps a detected change from being reversed too soon.  A fast
 * path: DWCP_CLEAR_STREAK samples in a row that are clearly beyond the
 * thresholds (by a quarter) for the same other mode switch at once, so a
 * path that changes for real moves in a few hundred ms while a borderline
 * or noisy one still waits for the scores (hybrid, the in-between, is only
 * ever entered by score).  A forced
 * mode wins over all of it, while the scores keep tracking the path so that
 * detection resumes from the truth when the force is lifted.
 */
#include "dwcp.h"

#define DWCP_SCORE_FULL		1000
#define DWCP_SCORE_DIV		5	/* alpha = 1/5 */
#define DWCP_CLEAR_STREAK	3	/* clear samples in a row: switch */

/**
 * dwcp_detect_cfg_default() - the defaults of product.md section 3
 * @c: filled in
 */
void dwcp_detect_cfg_default(struct dwcp_detect_cfg *c)
{
	*c = (struct dwcp_detect_cfg) {
		.forced = DWCP_MODE_AUTO,
		.dc_rtt_us = 10000,
		.inet_rtt_us = 50000,
		.dc_bw = 125000000,
		.inet_bw = 125000000,
		.dc_loss_ppm = 1000,
		.inet_loss_ppm = 10000,
		.enter_pct = 70,
		.leave_pct = 60,
		.cooldown_ms = 3000,
	};
}

/**
 * dwcp_detect_cfg_check() - are these thresholds consistent?
 * @c: the configuration
 *
 * Return: DWCP_CFG_OK, or the enum dwcp_cfg_error naming what is wrong.
 */
int dwcp_detect_cfg_check(const struct dwcp_detect_cfg *c)
{
	if (c->forced > DWCP_MODE_MAX)
		return DWCP_CFG_BAD_MODE;
	if (c->dc_rtt_us > c->inet_rtt_us)
		return DWCP_CFG_BAD_RTT;
	if (c->dc_loss_ppm > c->inet_loss_ppm)
		return DWCP_CFG_BAD_LOSS;
	if (!c->enter_pct || c->enter_pct > 100 || !c->leave_pct ||
	    c->leave_pct > 100)
		return DWCP_CFG_BAD_PCT;
	if (c->cooldown_ms > DWCP_COOLDOWN_MAX_MS)
		return DWCP_CFG_BAD_COOLDOWN;
	return DWCP_CFG_OK;
}

/**
 * dwcp_detect_init() - a new session's detector
 * @d: the detector
 *
 * Sessions start in internet mode (BBR, pacing): safe on any path until
 * the measurements say otherwise.
 */
void dwcp_detect_init(struct dwcp_detect *d)
{
	memset(d, 0, sizeof(*d));
	d->mode = DWCP_MODE_INTERNET;
	d->score[DWCP_MODE_INTERNET - 1] = DWCP_SCORE_FULL;
}

/**
 * dwcp_detect_vote() - the mode one sample points to
 * @c: thresholds
 * @s: the sample; @s->rate 0 when the session was not busy enough to
 *	measure its bandwidth (that criterion is then left out)
 *
 * Return: DWCP_MODE_DATACENTER, DWCP_MODE_INTERNET or DWCP_MODE_HYBRID.
 */
u8 dwcp_detect_vote(const struct dwcp_detect_cfg *c,
		    const struct dwcp_sample *s)
{
	bool rate_known = s->rate != 0;

	if (s->rtt_us < c->dc_rtt_us && s->loss_ppm < c->dc_loss_ppm &&
	    (!rate_known || s->rate >= c->dc_bw))
		return DWCP_MODE_DATACENTER;
	if (s->rtt_us > c->inet_rtt_us || s->loss_ppm > c->inet_loss_ppm ||
	    (rate_known && s->rate < c->inet_bw))
		return DWCP_MODE_INTERNET;
	return DWCP_MODE_HYBRID;
}

/* @v, less (or more) a quarter: the margin of a clear sample. */
static u64 dwcp_less_quarter(u64 v)
{
	return v - v / 4;
}

static u64 dwcp_more_quarter(u64 v)
{
	return v + v / 4;
}

/* Is @s beyond the thresholds of @vote by a margin (never for hybrid)? */
static bool dwcp_detect_clear(const struct dwcp_detect_cfg *c,
			      const struct dwcp_sample *s, u8 vote)
{
	bool rate_known = s->rate != 0;

	if (vote == DWCP_MODE_DATACENTER)
		return s->rtt_us < dwcp_less_quarter(c->dc_rtt_us) &&
		       s->loss_ppm < dwcp_less_quarter(c->dc_loss_ppm) &&
		       (!rate_known || s->rate >= dwcp_more_quarter(c->dc_bw));
	/* a loss figure carried over from an earlier sample is no new evidence */
	if (vote == DWCP_MODE_INTERNET)
		return s->rtt_us > dwcp_more_quarter(c->inet_rtt_us) ||
		       (s->loss_fresh &&
			s->loss_ppm > dwcp_more_quarter(c->inet_loss_ppm)) ||
		       (rate_known && s->rate < dwcp_less_quarter(c->inet_bw));
	return false;
}

/* Count clear samples in a row for the same mode. */
static void dwcp_detect_streak(struct dwcp_detect *d, bool clear, u8 vote)
{
	if (!clear) {
		d->streak = 0;
		return;
	}
	if (d->streak && d->streak_mode == vote) {
		if (d->streak < U8_MAX)
			d->streak++;
		return;
	}
	d->streak_mode = vote;
	d->streak = 1;
}

static void dwcp_detect_score(struct dwcp_detect *d, u8 vote)
{
	int m;

	for (m = 0; m < DWCP_NMODES; m++) {
		u32 sc = d->score[m];

		sc -= sc / DWCP_SCORE_DIV;
		if (m == vote - 1)
			sc += DWCP_SCORE_FULL / DWCP_SCORE_DIV;
		d->score[m] = min_t(u32, sc, DWCP_SCORE_FULL);
	}
}

static u8 dwcp_detect_forced(const struct dwcp_detect *d,
			     const struct dwcp_detect_cfg *c)
{
	return d->forced ? d->forced : c->forced;
}

/* Modes in order of path quality: datacenter, hybrid, internet. */
static int dwcp_mode_rank(u8 mode)
{
	return mode == DWCP_MODE_DATACENTER ? 0 :
	       mode == DWCP_MODE_HYBRID ? 1 : 2;
}

/* +1 towards internet, -1 towards datacenter. */
static s8 dwcp_mode_dir(u8 from, u8 to)
{
	return dwcp_mode_rank(to) > dwcp_mode_rank(from) ? 1 : -1;
}

/*
 * The cooldown holds back a reversal only: a path that degrades (or
 * recovers) through hybrid on its way must not wait a cooldown on each
 * step, while one that flips back and forth still does.
 */
static bool dwcp_detect_cooling(const struct dwcp_detect *d,
				const struct dwcp_detect_cfg *c, u8 to,
				u64 now_ms)
{
	return d->cooling && now_ms - d->changed_ms < c->cooldown_ms &&
	       dwcp_mode_dir(d->mode, to) != d->dir;
}

/* The other mode with the highest score. */
static u8 dwcp_detect_best_other(const struct dwcp_detect *d)
{
	u8 best = 0;
	int m;

	for (m = 1; m <= DWCP_NMODES; m++) {
		if (m == d->mode)
			continue;
		if (!best || d->score[m - 1] > d->score[best - 1])
			best = m;
	}
	return best;
}

static void dwcp_detect_switch(struct dwcp_detect *d, u8 mode, u8 reason,
			       u64 now_ms)
{
	d->old_mode = d->mode;
	d->mode = mode;
	d->reason = reason;
	d->changes++;
	if (reason == DWCP_MODE_REASON_DETECTED) {
		d->cooling = true;
		d->changed_ms = now_ms;
		d->dir = dwcp_mode_dir(d->old_mode, mode);
	}
}

/**
 * dwcp_detect_warm_start() - start a new session's detector where another
 * session's detector on the same path stands
 * @d: the detector, as dwcp_detect_init() left it
 * @mode: the mode to start in
 * @score: the scores to start from, per mille
 *
 * Not a mode change (no event, no cooldown): the session simply starts in
 * @mode, as it would in internet mode.  Scores out of range are clamped.
 */
void dwcp_detect_warm_start(struct dwcp_detect *d, u8 mode,
			    const u16 score[DWCP_NMODES])
{
	int i;

	if (mode < DWCP_MODE_DATACENTER || mode > DWCP_MODE_MAX)
		return;
	d->mode = mode;
	for (i = 0; i < DWCP_NMODES; i++)
		d->score[i] = min_t(u16, score[i], DWCP_SCORE_FULL);
}

/**
 * dwcp_detect_follow() - take a session's mode from its peer's detector
 * @d: the session's detector
 * @peer: the detector that every session to the same peer feeds
 * @own_sample: the sample that moved @peer was this session's
 *
 * The session's scores and cooldown become the peer's, so that its own
 * detector carries on from there should the peer's go away.  A change the
 * session's own sample caused counts as detected, one it only follows as
 * DWCP_MODE_REASON_PEER.
 *
 * Return: true if the session's mode changed.
 */
bool dwcp_detect_follow(struct dwcp_detect *d, const struct dwcp_detect *peer,
			bool own_sample)
{
	memcpy(d->score, peer->score, sizeof(d->score));
	d->cooling = peer->cooling;
	d->changed_ms = peer->changed_ms;
	d->dir = peer->dir;
	if (peer->mode == d->mode)
		return false;
	d->old_mode = d->mode;
	d->mode = peer->mode;
	d->reason = own_sample ? DWCP_MODE_REASON_DETECTED :
				 DWCP_MODE_REASON_PEER;
	d->changes++;
	return true;
}

/**
 * dwcp_detect_apply_force() - make a forced mode (or its end) take effect
 * @d: the detector; @d->forced already set by the caller
 * @c: thresholds and the netns's forced mode
 * @now_ms: the time, any monotonic millisecond clock
 *
 * Lifting a force also lifts the cooldown: the scores kept tracking the
 * path, so the next sample may move the session at once.
 *
 * Return: true if the mode in force changed (@d->old_mode, @d->reason
 * tell how).
 */
bool dwcp_detect_apply_force(struct dwcp_detect *d,
			     const struct dwcp_detect_cfg *c, u64 now_ms)
{
	u8 forced = dwcp_detect_forced(d, c);

	if (!forced) {
		d->cooling = false;
		return false;
	}
	if (forced == d->mode)
		return false;
	dwcp_detect_switch(d, forced, DWCP_MODE_REASON_FORCED, now_ms);
	return true;
}

/**
 * dwcp_detect_step() - feed one sample
 * @d: the detector
 * @c: thresholds and the netns's forced mode
 * @s: the sample
 * @now_ms: when it was taken, any monotonic millisecond clock
 *
 * Return: true if the mode in force changed (@d->mode is the new one,
 * @d->old_mode and @d->reason tell how).
 */
bool dwcp_detect_step(struct dwcp_detect *d, const struct dwcp_detect_cfg *c,
		      const struct dwcp_sample *s, u64 now_ms)
{
	u32 enter = c->enter_pct * (DWCP_SCORE_FULL / 100);
	u32 leave = c->leave_pct * (DWCP_SCORE_FULL / 100);
	u8 vote = dwcp_detect_vote(c, s);
	u8 best;

	dwcp_detect_score(d, vote);
	dwcp_detect_streak(d, dwcp_detect_clear(c, s, vote), vote);
	d->samples++;
	if (dwcp_detect_forced(d, c))
		return dwcp_detect_apply_force(d, c, now_ms);
	if (d->streak >= DWCP_CLEAR_STREAK && d->streak_mode != d->mode &&
	    !dwcp_detect_cooling(d, c, d->streak_mode, now_ms)) {
		dwcp_detect_switch(d, d->streak_mode,
				   DWCP_MODE_REASON_DETECTED, now_ms);
		return true;
	}
	best = dwcp_detect_best_other(d);
	if (d->score[best - 1] < enter || d->score[d->mode - 1] >= leave)
		return false;
	if (dwcp_detect_cooling(d, c, best, now_ms))
		return false;
	dwcp_detect_switch(d, best, DWCP_MODE_REASON_DETECTED, now_ms);
	return true;
}
