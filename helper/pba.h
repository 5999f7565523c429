/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PBA, predictive bandwidth allocation: a bank of one-step bandwidth
 * predictors per peer link, each scored on its own recent error, combined
 * into one forecast, and the decisions (stream count, aggregate pacing,
 * chunk size) derived from it.  Pure code: no I/O, no clock, no
 * allocation, so the daemon, the trace replay benchmark and the unit tests
 * drive the same functions.
 *
 * Units: bandwidth in bytes/s (any unit works for the predictors; the
 * decisions assume bytes/s), RTT in microseconds.
 */
#ifndef DWCP_PBA_H
#define DWCP_PBA_H

#include <stdbool.h>
#include <stdint.h>

enum pba_predictor {
	PBA_LAST,	/* the last sample */
	PBA_EWMA_LOW,	/* EWMA, weight 0.2 on the newest sample */
	PBA_EWMA_MID,	/* EWMA, weight 0.5 */
	PBA_EWMA_HIGH,	/* EWMA, weight 0.8 */
	PBA_HMEAN5,	/* harmonic mean of the last 5 samples */
	PBA_HOLT,	/* Holt: level and trend, damped */
	PBA_AR,		/* AR(3) on the mean-removed series, fitted by RLS */
	PBA_MEDIAN5,	/* median of the last 5 samples */
	PBA_NPRED
};

#define PBA_HIST 5
#define PBA_AR_ORDER 3

/* The predictor bank of one link: every predictor's state and score. */
struct pba_link {
	uint64_t samples;
	double hist[PBA_HIST];		/* newest first */
	double ewma[3];
	double holt_level, holt_trend;
	double ar_mean;
	double ar_w[PBA_AR_ORDER];
	double ar_p[PBA_AR_ORDER][PBA_AR_ORDER];
	double pred[PBA_NPRED];		/* each one's forecast of the next sample */
	double score[PBA_NPRED];	/* EWMA of each one's absolute error */
	double weight[PBA_NPRED];	/* slow combination: sums to 1 */
	double scale;			/* EWMA of the samples, for relative error */
	double resid;			/* EWMA of |error| of the bank's forecast */
};

/*
 * One estimate: the forecast of the next sample, a conservative value for
 * pacing (forecast minus PBA_K_MAD times the recent absolute error, never
 * below zero), the predictor with the least recent error (the forecast
 * combines several), and the relative size of the bank's recent error
 * (0 = perfect; confidence falls as it grows).
 */
struct pba_estimate {
	double predicted;
	double conservative;
	enum pba_predictor best;
	double rel_error;
	bool valid;			/* enough samples seen to be used */
};

void pba_init(struct pba_link *l);
void pba_observe(struct pba_link *l, double sample);
void pba_estimate(const struct pba_link *l, struct pba_estimate *e);
double pba_predict_one(const struct pba_link *l, enum pba_predictor p);
const char *pba_predictor_name(enum pba_predictor p);

/* Decisions for one session on a link. */
enum pba_mode { PBA_MODE_INTERNET, PBA_MODE_DATACENTER, PBA_MODE_HYBRID };

struct pba_path {
	enum pba_mode mode;
	uint32_t min_rtt_us;
	double loss;			/* retransmitted / sent, 0..1 */
};

struct pba_decision {
	uint32_t streams;
	uint64_t pacing_bps;		/* bytes/s, 0 = none */
	uint32_t chunk_bytes;
};

/* Confidence gate: decisions are not applied above this relative error. */
#define PBA_MAX_REL_ERROR 0.35

void pba_decide(const struct pba_estimate *e, const struct pba_path *path,
		struct pba_decision *out);
/* Stream counts far enough apart to change: by 2 or more and 25 %. */
bool pba_streams_differ(uint32_t cur, uint32_t next);
/*
 * Frame sizes far enough apart to change: @next at least 25 % of @cur away
 * from it.  A size of 0 is unknown (an older module): never a change.
 */
bool pba_frame_differs(uint32_t cur, uint32_t next);
/*
 * The confidence gate: the bank was right lately and one of @next's
 * stream count, frame size (chunk_bytes) or pacing differs enough from
 * @cur to be worth a change.
 */
bool pba_worth_applying(const struct pba_estimate *e,
			const struct pba_decision *cur,
			const struct pba_decision *next);

#endif
