// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of helper/pba.c: the predictor bank (each predictor on known
 * series, selection by recent error, the slow combination's weights, the
 * conservative estimate, the pull toward the last sample, hostile samples)
 * and the decisions (BDP-driven streams, per-mode clamps, pacing, chunk
 * size, the confidence and no-flap gates).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../helper/pba.h"

static void feed(struct pba_link *l, const double *x, int n)
{
	int i;

	for (i = 0; i < n; i++)
		pba_observe(l, x[i]);
}

static void constant_series_is_predicted_exactly(void **state)
{
	struct pba_link l;
	struct pba_estimate e;
	enum pba_predictor p;
	int i;

	(void)state;
	pba_init(&l);
	for (i = 0; i < 50; i++)
		pba_observe(&l, 100);
	pba_estimate(&l, &e);

	assert_true(e.valid);
	for (p = 0; p < PBA_NPRED; p++)
		assert_float_equal(pba_predict_one(&l, p), 100, 1e-6);
	/* only the fixed 2 % lean below the forecast */
	assert_float_equal(e.predicted, 98, 1e-6);
	assert_true(e.conservative <= e.predicted);
	assert_true(e.rel_error < 0.05);
}

static void each_baseline_matches_its_definition(void **state)
{
	const double x[] = { 10, 20, 40, 20, 10 };
	struct pba_link l;
	double e2 = 10, e8 = 10;
	int i;

	(void)state;
	pba_init(&l);
	feed(&l, x, 5);
	for (i = 1; i < 5; i++) {
		e2 = 0.2 * x[i] + 0.8 * e2;
		e8 = 0.8 * x[i] + 0.2 * e8;
	}

	assert_float_equal(pba_predict_one(&l, PBA_LAST), 10, 1e-9);
	assert_float_equal(pba_predict_one(&l, PBA_EWMA_LOW), e2, 1e-9);
	assert_float_equal(pba_predict_one(&l, PBA_EWMA_HIGH), e8, 1e-9);
	assert_float_equal(pba_predict_one(&l, PBA_HMEAN5),
			   5 / (1 / 10.0 + 1 / 20.0 + 1 / 40.0 + 1 / 20.0 + 1 / 10.0),
			   1e-9);
	assert_float_equal(pba_predict_one(&l, PBA_MEDIAN5), 20, 1e-9);
}

/* A linear ramp: trend-following predictors must win over the averages. */
static void ramp_prefers_a_trend_follower(void **state)
{
	struct pba_link l;
	struct pba_estimate e;
	int i;

	(void)state;
	pba_init(&l);
	for (i = 1; i <= 60; i++)
		pba_observe(&l, 10.0 * i);
	pba_estimate(&l, &e);

	assert_true(e.best == PBA_HOLT || e.best == PBA_AR || e.best == PBA_LAST);
	assert_true(fabs(e.predicted - 610) < fabs(pba_predict_one(&l, PBA_EWMA_LOW) - 610));
}

/* Alternating high/low: the level predictors beat last value. */
static void alternating_series_prefers_smoothing(void **state)
{
	struct pba_link l;
	struct pba_estimate e;
	int i;

	(void)state;
	pba_init(&l);
	for (i = 0; i < 60; i++)
		pba_observe(&l, i % 2 ? 80 : 120);
	pba_estimate(&l, &e);

	assert_int_not_equal(e.best, PBA_LAST);
	assert_true(fabs(e.predicted - 120) < 30);
}

/* A collapse (a tunnel): the conservative estimate follows down fast. */
static void collapse_is_followed_and_conservative_stays_below(void **state)
{
	struct pba_link l;
	struct pba_estimate e;
	int i;

	(void)state;
	pba_init(&l);
	for (i = 0; i < 30; i++)
		pba_observe(&l, 100 + (i % 3));
	for (i = 0; i < 4; i++)
		pba_observe(&l, 5);
	pba_estimate(&l, &e);

	assert_true(e.predicted < 30);
	assert_true(e.conservative <= e.predicted);
	assert_true(e.conservative >= 0);
	assert_true(e.rel_error > 0.1);
}

/*
 * The forecast moves toward the last sample by the bank's recent relative
 * error: after a hundredfold jump that error exceeds the link's level, so
 * the forecast is the new level (less the 2 % lean), not a blend that
 * still remembers the old one.
 */
static void a_moving_link_leans_on_the_last_sample(void **state)
{
	struct pba_link l;
	struct pba_estimate e;
	int i;

	(void)state;
	pba_init(&l);
	for (i = 0; i < 30; i++)
		pba_observe(&l, 10);
	pba_observe(&l, 1000);
	pba_estimate(&l, &e);

	assert_true(e.rel_error >= 1);
	assert_true(pba_predict_one(&l, PBA_EWMA_HIGH) < 900);
	assert_float_equal(e.predicted, 980, 1e-6);
}

static double weight_sum(const struct pba_link *l)
{
	enum pba_predictor p;
	double sum = 0;

	for (p = 0; p < PBA_NPRED; p++)
		sum += l->weight[p];
	return sum;
}

/*
 * Alternating high/low: AR(3) fits it exactly and last value is always on
 * the wrong side, so the slow combination must move its weight from the
 * one to the other (a flipped gradient sign would do the reverse).
 */
static void slow_weights_go_to_the_predictor_that_is_right(void **state)
{
	struct pba_link l;
	int i;

	(void)state;
	pba_init(&l);
	assert_true(l.weight[PBA_LAST] > 0.19);
	for (i = 0; i < 200; i++)
		pba_observe(&l, i % 2 ? 80 : 120);

	assert_float_equal(pba_predict_one(&l, PBA_AR), 120, 1);
	assert_true(l.weight[PBA_AR] > 0.9);
	assert_true(l.weight[PBA_LAST] < 0.5 / PBA_NPRED);
	assert_float_equal(weight_sum(&l), 1, 1e-9);
}

/*
 * A new link's slow weights are spread evenly over the members that follow
 * the link; the smoothers start at the floor (1 % of an even split).
 */
static void slow_weights_start_on_the_followers(void **state)
{
	static const enum pba_predictor smoothers[] = {
		PBA_EWMA_LOW, PBA_HMEAN5, PBA_MEDIAN5
	};
	struct pba_link l;
	unsigned int i;

	(void)state;
	pba_init(&l);
	for (i = 0; i < sizeof(smoothers) / sizeof(smoothers[0]); i++)
		assert_float_equal(l.weight[smoothers[i]], 0.01 / PBA_NPRED, 1e-5);
	assert_float_equal(l.weight[PBA_LAST], l.weight[PBA_EWMA_HIGH], 1e-12);
	assert_float_equal(l.weight[PBA_LAST], l.weight[PBA_AR], 1e-12);
	assert_float_equal(weight_sum(&l), 1, 1e-9);
}

/*
 * On a long ramp the slowest average lags every step, yet keeps the floor
 * of its weight (1 % of an even split), so it can come back when the link
 * settles.
 */
static void slow_weights_keep_a_floor(void **state)
{
	struct pba_link l;
	int i;

	(void)state;
	pba_init(&l);
	for (i = 1; i <= 1000; i++)
		pba_observe(&l, 10.0 * i);

	assert_true(l.weight[PBA_EWMA_LOW] < 0.1 / PBA_NPRED);
	assert_true(l.weight[PBA_EWMA_LOW] >= 0.0099 / PBA_NPRED);
	assert_float_equal(weight_sum(&l), 1, 1e-9);
}

/*
 * Both combinations are weighted means of the bank, so the forecast lies
 * within the predictors' range, less the 2 % lean: weights that did not
 * sum to 1 would push it out.
 */
static void forecast_stays_within_the_bank(void **state)
{
	struct pba_link l;
	struct pba_estimate e;
	enum pba_predictor p;
	uint32_t seed = 12345;
	double lo, hi, v;
	int i;

	(void)state;
	pba_init(&l);
	for (i = 0; i < 500; i++) {
		seed = seed * 1103515245u + 12345u;
		pba_observe(&l, 50 + (seed >> 16) % 100 + (i / 100) * 200.0);
		pba_estimate(&l, &e);
		lo = INFINITY;
		hi = 0;
		for (p = 0; p < PBA_NPRED; p++) {
			v = pba_predict_one(&l, p);
			lo = fmin(lo, v);
			hi = fmax(hi, v);
		}
		assert_true(e.predicted >= 0.98 * lo - 1e-9);
		assert_true(e.predicted <= 0.98 * hi + 1e-9);
	}
}

static void hostile_samples_stay_finite(void **state)
{
	const double x[] = { NAN, -5, INFINITY, 0, 1e300, 0, 3, -INFINITY };
	struct pba_link l;
	struct pba_estimate e;
	enum pba_predictor p;
	int i;

	(void)state;
	pba_init(&l);
	for (i = 0; i < 20; i++)
		feed(&l, x, 8);
	pba_estimate(&l, &e);

	assert_true(isfinite(e.predicted) && e.predicted >= 0);
	assert_true(isfinite(e.conservative) && e.conservative >= 0);
	for (p = 0; p < PBA_NPRED; p++) {
		assert_true(isfinite(pba_predict_one(&l, p)));
		assert_true(isfinite(l.weight[p]) && l.weight[p] > 0);
	}
	assert_float_equal(weight_sum(&l), 1, 1e-9);
}

static void too_few_samples_are_not_valid(void **state)
{
	struct pba_link l;
	struct pba_estimate e;

	(void)state;
	pba_init(&l);
	pba_estimate(&l, &e);
	assert_false(e.valid);
	pba_observe(&l, 50);
	pba_estimate(&l, &e);
	assert_false(e.valid);
	assert_float_equal(pba_predict_one(&l, PBA_LAST), 50, 1e-9);
}

static struct pba_estimate estimate(double bw, double rel_error)
{
	struct pba_estimate e = {
		.predicted = bw, .conservative = bw * 0.9,
		.rel_error = rel_error, .valid = true,
	};
	return e;
}

static void streams_follow_bdp_within_the_mode_range(void **state)
{
	struct pba_estimate e = estimate(25e6, 0.1);	/* 200 Mbit/s */
	struct pba_path wan = { PBA_MODE_INTERNET, 100000, 0 };
	struct pba_path lan = { PBA_MODE_INTERNET, 200, 0 };
	struct pba_path dc = { PBA_MODE_DATACENTER, 50, 0 };
	struct pba_decision d;

	(void)state;
	pba_decide(&e, &wan, &d);	/* BDP 2.5 MB: 5 streams */
	assert_int_equal(d.streams, 5);
	pba_decide(&e, &lan, &d);	/* tiny BDP: the internet floor */
	assert_int_equal(d.streams, 4);
	wan.min_rtt_us = 2000000;	/* huge BDP: the internet ceiling */
	pba_decide(&e, &wan, &d);
	assert_int_equal(d.streams, 16);
	pba_decide(&e, &dc, &d);
	assert_int_equal(d.streams, 32);
	assert_int_equal(d.chunk_bytes, 256 << 10);
}

/* Streams grow with RTT at equal bandwidth (never bw / latency). */
static void longer_and_lossier_paths_get_more_streams(void **state)
{
	struct pba_estimate e = estimate(25e6, 0.1);
	struct pba_path p = { PBA_MODE_INTERNET, 80000, 0 };
	struct pba_decision a, b, c;

	(void)state;
	pba_decide(&e, &p, &a);
	p.min_rtt_us = 160000;
	pba_decide(&e, &p, &b);
	p.loss = 0.01;
	pba_decide(&e, &p, &c);
	assert_true(b.streams > a.streams);
	assert_true(c.streams > b.streams);
}

static void pacing_is_095_of_conservative(void **state)
{
	struct pba_estimate e = estimate(1e6, 0.1);
	struct pba_path p = { PBA_MODE_INTERNET, 50000, 0 };
	struct pba_decision d;

	(void)state;
	pba_decide(&e, &p, &d);
	assert_int_equal(d.pacing_bps, 855000);	/* 0.95 * 0.9e6 */
	assert_true(d.chunk_bytes >= 16 << 10 && d.chunk_bytes <= 512 << 10);
}

static void small_changes_and_low_confidence_are_not_applied(void **state)
{
	struct pba_decision cur = { 8, 1000000, 65536 };
	struct pba_decision near = { 9, 1050000, 65536 };
	struct pba_decision far = { 8, 1500000, 65536 };
	struct pba_decision more = { 12, 1000000, 65536 };
	struct pba_estimate sure = estimate(1e6, 0.1);
	struct pba_estimate unsure = estimate(1e6, 0.9);

	(void)state;
	assert_false(pba_worth_applying(&sure, &cur, &near));
	assert_true(pba_worth_applying(&sure, &cur, &far));
	assert_true(pba_worth_applying(&sure, &cur, &more));
	assert_false(pba_worth_applying(&unsure, &cur, &far));
	sure.valid = false;
	assert_false(pba_worth_applying(&sure, &cur, &far));
}

static void frame_sizes_differ_by_a_quarter_of_the_one_in_force(void **state)
{
	(void)state;
	assert_true(pba_frame_differs(65536, 81920));	/* +25 % */
	assert_false(pba_frame_differs(65536, 81919));
	assert_true(pba_frame_differs(65536, 49152));	/* -25 % */
	assert_false(pba_frame_differs(81920, 65536));	/* back: only -20 % */
	assert_false(pba_frame_differs(65536, 65536));
	/* 0 is an unknown size (an older module): nothing to compare */
	assert_false(pba_frame_differs(0, 65536));
	assert_false(pba_frame_differs(65536, 0));
	assert_true(pba_frame_differs(4096, 1048576));
}

static void a_frame_change_alone_is_worth_applying_when_sure(void **state)
{
	struct pba_decision cur = { 8, 1000000, 65536 };
	struct pba_decision bigger = { 8, 1000000, 131072 };
	struct pba_decision slightly = { 8, 1000000, 72000 };
	struct pba_estimate sure = estimate(1e6, 0.1);
	struct pba_estimate unsure = estimate(1e6, 0.9);

	(void)state;
	assert_true(pba_worth_applying(&sure, &cur, &bigger));
	assert_false(pba_worth_applying(&sure, &cur, &slightly));
	assert_false(pba_worth_applying(&unsure, &cur, &bigger));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(constant_series_is_predicted_exactly),
		cmocka_unit_test(each_baseline_matches_its_definition),
		cmocka_unit_test(ramp_prefers_a_trend_follower),
		cmocka_unit_test(alternating_series_prefers_smoothing),
		cmocka_unit_test(collapse_is_followed_and_conservative_stays_below),
		cmocka_unit_test(a_moving_link_leans_on_the_last_sample),
		cmocka_unit_test(slow_weights_start_on_the_followers),
		cmocka_unit_test(slow_weights_go_to_the_predictor_that_is_right),
		cmocka_unit_test(slow_weights_keep_a_floor),
		cmocka_unit_test(forecast_stays_within_the_bank),
		cmocka_unit_test(hostile_samples_stay_finite),
		cmocka_unit_test(too_few_samples_are_not_valid),
		cmocka_unit_test(streams_follow_bdp_within_the_mode_range),
		cmocka_unit_test(longer_and_lossier_paths_get_more_streams),
		cmocka_unit_test(pacing_is_095_of_conservative),
		cmocka_unit_test(small_changes_and_low_confidence_are_not_applied),
		cmocka_unit_test(frame_sizes_differ_by_a_quarter_of_the_one_in_force),
		cmocka_unit_test(a_frame_change_alone_is_worth_applying_when_sure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
