// SPDX-License-Identifier: GPL-2.0
/*
 * PBA predictor bank and decisions (see pba.h).
 *
 * Every sample updates every predictor; each predictor's absolute error on
 * that sample feeds its score (an EWMA).  Simple predictors win on real
 * cellular traces (product.md: last value and EWMA reach ~71 % within
 * +-20 %), and no single one wins everywhere: on norway-train EWMA 0.5 is
 * the best alone at its 1 s sampling, EWMA 0.8 once the same traces are
 * averaged to 2 or 3 s.  So the bank forecasts with a blend of two
 * combinations of its predictors: a fast one that follows whichever is
 * best over the last few samples, and a slow one, most of the blend, whose
 * weights are learned over the link's whole history.  It also knows how
 * wrong it has recently been, which sizes the conservative estimate for
 * pacing.
 */
#include <math.h>
#include <string.h>

#include "pba.h"

/* Tuned on norway-train only (tests/bench/pba replays norway-test). */
#ifndef PBA_SCORE_DECAY
#define PBA_SCORE_DECAY 0.3	/* weight of the newest error in a score */
#endif
#define PBA_RESID_DECAY 0.2
#ifndef PBA_K_MAD
#define PBA_K_MAD 1.0		/* conservative = forecast - K * recent error */
#endif
#define PBA_MIN_SAMPLES 3
#define PBA_MAX_SAMPLE 1e15	/* 8 Pbit/s: anything above is a bad sample */
#ifndef PBA_TOPX
#define PBA_TOPX 1.25	/* only predictors within 25 % of the best vote */
#endif
#ifndef PBA_SHADE
#define PBA_SHADE 0.02	/* drops are sharper than rises: lean low */
#endif
#define PBA_FAST_SHARE 0.1	/* of the fast combination in the forecast */
#define PBA_EG_RATE 1.0		/* learning rate of the slow weights */
#define PBA_EG_FLOOR 0.01	/* least weight, as a share of an even split */
#define PBA_EG_MAX_STEP 5.0	/* bound on one sample's gradient */

#define PBA_HOLT_ALPHA 0.6
#define PBA_HOLT_BETA 0.2
#define PBA_HOLT_PHI 0.7
#define PBA_AR_LAMBDA 0.98	/* RLS forgetting factor */
#define PBA_AR_MEAN_DECAY 0.1

static const double ewma_weight[3] = { 0.2, 0.5, 0.8 };

static const char *const predictor_names[PBA_NPRED] = {
	[PBA_LAST] = "last",
	[PBA_EWMA_LOW] = "ewma0.2",
	[PBA_EWMA_MID] = "ewma0.5",
	[PBA_EWMA_HIGH] = "ewma0.8",
	[PBA_HMEAN5] = "hmean5",
	[PBA_HOLT] = "holt",
	[PBA_AR] = "ar3",
	[PBA_MEDIAN5] = "median5",
};

const char *pba_predictor_name(enum pba_predictor p)
{
	return (unsigned int)p < PBA_NPRED ? predictor_names[p] : "?";
}

/* Scale the weights to sum to 1, every one at least PBA_EG_FLOOR of 1/N. */
static void normalise_weights(struct pba_link *l)
{
	enum pba_predictor p;
	double sum = 0;

	for (p = 0; p < PBA_NPRED; p++)
		sum += l->weight[p];
	for (p = 0; p < PBA_NPRED; p++)
		l->weight[p] = fmax(l->weight[p] / sum, PBA_EG_FLOOR / PBA_NPRED);
	sum = 0;
	for (p = 0; p < PBA_NPRED; p++)
		sum += l->weight[p];
	for (p = 0; p < PBA_NPRED; p++)
		l->weight[p] /= sum;
}

/*
 * The slow weights start on the members that follow the link (last value,
 * EWMA 0.5 and 0.8, Holt, AR), the smoothers (EWMA 0.2, harmonic and plain
 * median of 5) at the floor.  The smoothers lag every change, so an even
 * start spends the early samples of a link learning them away: on
 * norway-train averaged to 3..6 s, with a few hundred samples a trace, the
 * bank lost to EWMA 0.8 with an even start.  The floor lets a smoother
 * earn weight back on a link that settles.
 */
static const bool starts_weighted[PBA_NPRED] = {
	[PBA_LAST] = true,
	[PBA_EWMA_MID] = true,
	[PBA_EWMA_HIGH] = true,
	[PBA_HOLT] = true,
	[PBA_AR] = true,
};

void pba_init(struct pba_link *l)
{
	int i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < PBA_AR_ORDER; i++)
		l->ar_p[i][i] = 1.0;
	for (i = 0; i < PBA_NPRED; i++)
		l->weight[i] = starts_weighted[i];
	normalise_weights(l);
}

static unsigned int hist_len(const struct pba_link *l)
{
	return l->samples < PBA_HIST ? (unsigned int)l->samples : PBA_HIST;
}

static double hmean(const struct pba_link *l)
{
	unsigned int i, n = hist_len(l);
	double inv = 0;

	for (i = 0; i < n; i++) {
		if (l->hist[i] <= 0)
			return 0;
		inv += 1.0 / l->hist[i];
	}
	return n ? n / inv : 0;
}

static double median(const struct pba_link *l)
{
	unsigned int i, j, n = hist_len(l);
	double v[PBA_HIST], t;

	memcpy(v, l->hist, sizeof(v));
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	if (!n)
		return 0;
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double hist_max(const struct pba_link *l)
{
	unsigned int i, n = hist_len(l);
	double m = 0;

	for (i = 0; i < n; i++)
		m = fmax(m, l->hist[i]);
	return m;
}

/* AR input vector: the newest samples with the running mean removed. */
static void ar_input(const struct pba_link *l, double *x)
{
	int i;

	for (i = 0; i < PBA_AR_ORDER; i++)
		x[i] = (unsigned int)i < hist_len(l) ? l->hist[i] - l->ar_mean : 0;
}

static double ar_forecast(const struct pba_link *l)
{
	double x[PBA_AR_ORDER], y = l->ar_mean;
	int i;

	if (l->samples < PBA_AR_ORDER)
		return l->hist[0];
	ar_input(l, x);
	for (i = 0; i < PBA_AR_ORDER; i++)
		y += l->ar_w[i] * x[i];
	/* a fitted model can run away on a regime change: keep it sane */
	return fmin(fmax(y, 0), 2 * hist_max(l));
}

/* One RLS step: the regressors x (before the new sample) explain target. */
static void ar_update(struct pba_link *l, const double *x, double target)
{
	double px[PBA_AR_ORDER], k[PBA_AR_ORDER], denom = PBA_AR_LAMBDA, err;
	int i, j;

	for (i = 0; i < PBA_AR_ORDER; i++) {
		px[i] = 0;
		for (j = 0; j < PBA_AR_ORDER; j++)
			px[i] += l->ar_p[i][j] * x[j];
		denom += x[i] * px[i];
	}
	if (!(denom > 1e-12) || !isfinite(denom))
		return;
	err = target;
	for (i = 0; i < PBA_AR_ORDER; i++) {
		k[i] = px[i] / denom;
		err -= l->ar_w[i] * x[i];
	}
	for (i = 0; i < PBA_AR_ORDER; i++)
		l->ar_w[i] += k[i] * err;
	for (i = 0; i < PBA_AR_ORDER; i++)
		for (j = 0; j < PBA_AR_ORDER; j++)
			l->ar_p[i][j] = (l->ar_p[i][j] - k[i] * px[j]) /
					PBA_AR_LAMBDA;
	/* forget a diverged fit rather than carry NaN forever */
	for (i = 0; i < PBA_AR_ORDER; i++)
		if (!isfinite(l->ar_w[i]) || fabs(l->ar_w[i]) > 10) {
			memset(l->ar_w, 0, sizeof(l->ar_w));
			memset(l->ar_p, 0, sizeof(l->ar_p));
			for (j = 0; j < PBA_AR_ORDER; j++)
				l->ar_p[j][j] = 1.0;
			break;
		}
}

static void update_holt(struct pba_link *l, double x)
{
	double prev = l->holt_level;

	if (l->samples == 1) {
		l->holt_level = x;
		l->holt_trend = 0;
		return;
	}
	l->holt_level = PBA_HOLT_ALPHA * x + (1 - PBA_HOLT_ALPHA) *
			(prev + PBA_HOLT_PHI * l->holt_trend);
	l->holt_trend = PBA_HOLT_BETA * (l->holt_level - prev) +
			(1 - PBA_HOLT_BETA) * PBA_HOLT_PHI * l->holt_trend;
}

double pba_predict_one(const struct pba_link *l, enum pba_predictor p)
{
	switch (p) {
	case PBA_LAST:
		return l->hist[0];
	case PBA_EWMA_LOW:
	case PBA_EWMA_MID:
	case PBA_EWMA_HIGH:
		return l->ewma[p - PBA_EWMA_LOW];
	case PBA_HMEAN5:
		return hmean(l);
	case PBA_HOLT:
		return fmax(l->holt_level + PBA_HOLT_PHI * l->holt_trend, 0);
	case PBA_AR:
		return ar_forecast(l);
	case PBA_MEDIAN5:
		return median(l);
	default:
		return 0;
	}
}

static double bank_forecast(const struct pba_link *l);

static enum pba_predictor best_predictor(const struct pba_link *l)
{
	enum pba_predictor p, best = PBA_LAST;

	for (p = 0; p < PBA_NPRED; p++)
		if (l->score[p] < l->score[best])
			best = p;
	return best;
}

/* The slow combination: the predictors weighted by l->weight. */
static double weighted_forecast(const struct pba_link *l)
{
	enum pba_predictor p;
	double sum = 0;

	for (p = 0; p < PBA_NPRED; p++)
		sum += l->weight[p] * l->pred[p];
	return sum;
}

/*
 * One exponentiated-gradient step on the absolute error of the slow
 * combination: it tracks the best fixed mix of the bank, not just its best
 * member.  The gradient is scaled by the link's level so the rate needs no
 * unit, and bounded so one wild sample cannot wipe a weight out; the floor
 * lets a predictor that was wrong for long come back when the link changes.
 */
static void update_weights(struct pba_link *l, double x)
{
	double f = weighted_forecast(l), unit = fmax(l->scale, 1e-9);
	double sign = (f > x) - (f < x), g;
	enum pba_predictor p;

	if (!sign)
		return;
	for (p = 0; p < PBA_NPRED; p++) {
		g = fmin(fmax(sign * l->pred[p] / unit, -PBA_EG_MAX_STEP),
			 PBA_EG_MAX_STEP);
		l->weight[p] *= exp(-PBA_EG_RATE * g);
	}
	normalise_weights(l);
}

/* Score every predictor's forecast (made before x was known) against x. */
static void score_forecasts(struct pba_link *l, double x)
{
	double bank = bank_forecast(l);
	enum pba_predictor p;

	for (p = 0; p < PBA_NPRED; p++)
		l->score[p] += PBA_SCORE_DECAY * (fabs(l->pred[p] - x) - l->score[p]);
	l->resid += PBA_RESID_DECAY * (fabs(bank - x) - l->resid);
	update_weights(l, x);
}

void pba_observe(struct pba_link *l, double x)
{
	double ar_x[PBA_AR_ORDER];
	enum pba_predictor p;
	int i;

	if (!(x >= 0))
		x = 0;
	x = fmin(x, PBA_MAX_SAMPLE);
	if (l->samples) {
		score_forecasts(l, x);
		ar_input(l, ar_x);
		ar_update(l, ar_x, x - l->ar_mean);
	}
	memmove(&l->hist[1], &l->hist[0], sizeof(l->hist) - sizeof(l->hist[0]));
	l->hist[0] = x;
	l->samples++;
	for (i = 0; i < 3; i++)
		l->ewma[i] = l->samples == 1 ? x :
			     ewma_weight[i] * x + (1 - ewma_weight[i]) * l->ewma[i];
	l->ar_mean = l->samples == 1 ? x :
		     l->ar_mean + PBA_AR_MEAN_DECAY * (x - l->ar_mean);
	l->scale = l->samples == 1 ? x : l->scale + 0.1 * (x - l->scale);
	update_holt(l, x);
	for (p = 0; p < PBA_NPRED; p++)
		l->pred[p] = pba_predict_one(l, p);
}

/*
 * The fast combination: the predictors within PBA_TOPX of the best recent
 * score, weighted by the inverse square of that score, so the best
 * dominates but a close second tempers it (on norway-train this beats
 * using the best alone: 57.5 vs 56.7 % within +-20 %).
 */
static double near_best_forecast(const struct pba_link *l)
{
	double w, sum = 0, wsum = 0, floor = 1e-9 * (l->scale + 1e-9);
	double cut = PBA_TOPX * l->score[best_predictor(l)];
	enum pba_predictor p;

	for (p = 0; p < PBA_NPRED; p++) {
		if (l->score[p] > cut)
			continue;
		w = 1 / ((l->score[p] + floor) * (l->score[p] + floor));
		sum += w * l->pred[p];
		wsum += w;
	}
	if (!(wsum > 0) || !isfinite(sum / wsum))
		return l->pred[best_predictor(l)];
	return sum / wsum;
}

/*
 * The bank's forecast: mostly the slow combination, a little of the fast
 * one, moved toward the last sample by the bank's recent relative error,
 * then shaded slightly low.  The fast one alone wins at 1 s sampling but
 * loses to EWMA 0.8 on the same traces averaged to 2 s or more, where the
 * slow one wins; a tenth of the fast one keeps most of its lead at 1 s.
 * When the bank has lately been wrong the link is moving, and the last
 * sample, which lags no change, is the safer bet: on norway-train this
 * lifts the worst margin over the baselines, most where samples are
 * averaged over several seconds (Documentation/performance.md has the
 * numbers).
 */
static double bank_forecast(const struct pba_link *l)
{
	double f = PBA_FAST_SHARE * near_best_forecast(l) +
		   (1 - PBA_FAST_SHARE) * weighted_forecast(l);
	double toward_last = l->scale > 0 ? fmin(l->resid / l->scale, 1) : 1;

	return (1 - PBA_SHADE) * (f + toward_last * (l->hist[0] - f));
}

void pba_estimate(const struct pba_link *l, struct pba_estimate *e)
{
	memset(e, 0, sizeof(*e));
	if (!l->samples)
		return;
	e->best = best_predictor(l);
	e->predicted = bank_forecast(l);
	e->conservative = fmax(e->predicted - PBA_K_MAD * l->resid, 0);
	e->rel_error = l->scale > 0 ? l->resid / l->scale : 1.0;
	e->valid = l->samples >= PBA_MIN_SAMPLES;
}

/*
 * Decisions.  Streams follow the bandwidth-delay product, never bw/latency
 * (product.md §3): one stream per PBA_BDP_PER_STREAM of BDP, more on lossy
 * paths (a loss halves one stream's window, not the session's), clamped per
 * mode.  Pacing is 0.95 x the conservative estimate.  Chunks scale with the
 * BDP in internet mode, 256 KiB in the datacenter.
 */
#define PBA_BDP_PER_STREAM (512u << 10)

static void stream_range(enum pba_mode mode, uint32_t *lo, uint32_t *hi)
{
	switch (mode) {
	case PBA_MODE_DATACENTER:
		*lo = 32;
		*hi = 512;
		break;
	case PBA_MODE_HYBRID:
		*lo = 8;
		*hi = 64;
		break;
	default:
		*lo = 4;
		*hi = 16;
	}
}

static uint32_t clamp_u32(double v, uint32_t lo, uint32_t hi)
{
	if (!(v >= lo))
		return lo;
	return v > hi ? hi : (uint32_t)v;
}

void pba_decide(const struct pba_estimate *e, const struct pba_path *path,
		struct pba_decision *out)
{
	double bdp = e->predicted * path->min_rtt_us / 1e6;
	double loss = fmin(fmax(path->loss, 0), 0.5);
	uint32_t lo, hi;

	stream_range(path->mode, &lo, &hi);
	out->streams = clamp_u32(ceil(bdp / PBA_BDP_PER_STREAM * (1 + 20 * loss)),
				 lo, hi);
	out->pacing_bps = (uint64_t)(0.95 * e->conservative);
	if (path->mode == PBA_MODE_DATACENTER)
		out->chunk_bytes = 256u << 10;
	else
		out->chunk_bytes = clamp_u32(bdp / 8, 16u << 10, 512u << 10);
}

static bool differs(double a, double b, double rel)
{
	double m = fmax(fabs(a), fabs(b));

	return m > 0 && fabs(a - b) > rel * m;
}

/*
 * Apply only when the bank has been right lately and the change matters:
 * a stream count off by two or more (and 25 %), a frame size off by 25 %,
 * pacing off by 10 %.  This is what keeps a noisy link from flapping the
 * session.
 */
bool pba_streams_differ(uint32_t cur, uint32_t next)
{
	uint32_t ds = cur > next ? cur - next : next - cur;

	return ds >= 2 && differs(cur, next, 0.25);
}

/*
 * Relative to the size in force, so the way back needs a bigger step
 * than the way out (64 KiB -> 80 KiB is 25 %, 80 KiB -> 64 KiB only 20 %):
 * a decision wavering between two sizes changes the session once.
 */
bool pba_frame_differs(uint32_t cur, uint32_t next)
{
	uint64_t d = cur > next ? cur - next : next - cur;

	if (!cur || !next)
		return false;
	return 4 * d >= cur;
}

bool pba_worth_applying(const struct pba_estimate *e,
			const struct pba_decision *cur,
			const struct pba_decision *next)
{
	if (!e->valid || e->rel_error > PBA_MAX_REL_ERROR)
		return false;
	if (pba_streams_differ(cur->streams, next->streams) ||
	    pba_frame_differs(cur->chunk_bytes, next->chunk_bytes))
		return true;
	if (!cur->pacing_bps || !next->pacing_bps)
		return cur->pacing_bps != next->pacing_bps;
	return differs((double)cur->pacing_bps, (double)next->pacing_bps, 0.10);
}
