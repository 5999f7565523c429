// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of helper/policy.c: measurement events in, pacing actions out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../helper/metrics.h"
#include "../../helper/policy.h"

#define SEC 1000000000ULL

static struct policy *new_policy(void)
{
	struct policy_config c;
	struct policy *p = malloc(sizeof(*p));

	assert_non_null(p);
	policy_config_default(&c);
	policy_init(p, &c);
	return p;
}

static struct dwcp_event measurement(uint64_t id, uint32_t mode, uint64_t rate,
				     uint64_t t)
{
	struct dwcp_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = DWCP_EVENT_MEASUREMENT;
	ev.session_id = id;
	ev.m.mode = mode;
	ev.m.delivery_rate = rate;
	ev.m.min_rtt_us = 40000;
	ev.m.rtt_us = 41000;
	ev.time_ns = t;
	return ev;
}

/* Feed one event; apply what the policy asks; return the action. */
static struct policy_action step(struct policy *p, const struct dwcp_event *ev)
{
	struct policy_action a;

	policy_step(p, ev, &a);
	policy_applied(p, &a, true);
	return a;
}

static void internet_session_is_paced_below_its_rate(void **state)
{
	struct policy *p = new_policy();
	struct policy_action a = { .kind = POLICY_NONE };
	struct dwcp_event ev;
	int i;

	(void)state;
	for (i = 0; i < 30 && a.kind == POLICY_NONE; i++) {
		ev = measurement(1, DWCP_MODE_INTERNET, 10000000 + (i % 3) * 100000,
				 (uint64_t)i * SEC);
		a = step(p, &ev);
	}

	assert_int_equal(a.kind, POLICY_SET_PACING);
	assert_int_equal(a.id, 1);
	assert_true(a.pacing_bps > 8500000 && a.pacing_bps < 9700000);
	assert_int_equal(policy_find(p, 1)->applied.pacing_bps, a.pacing_bps);
	free(p);
}

static void steady_path_no_flapping(void **state)
{
	struct policy *p = new_policy();
	struct policy_action a;
	struct dwcp_event ev;
	int i, actions = 0;

	(void)state;
	/* the path delivers 8 MB/s; once paced near it, samples are below the
	 * pacing-limited mark only when the path itself is slower
	 */
	for (i = 0; i < 200; i++) {
		ev = measurement(1, DWCP_MODE_INTERNET, 8000000 + (i % 5) * 80000,
				 (uint64_t)i * SEC);
		a = step(p, &ev);
		actions += a.kind != POLICY_NONE;
	}

	/* one pacing, then a probe every 10 s and a re-pacing after it */
	assert_true(actions >= 1);
	assert_true(actions <= 1 + 2 * (200 / 10));
	free(p);
}

static void capped_samples_not_fed_and_probe_after_ten_seconds(void **state)
{
	struct policy *p = new_policy();
	struct policy_session *s;
	struct policy_action a;
	struct dwcp_event ev;
	uint64_t t = 0, samples, pacing;
	int i;

	(void)state;
	for (i = 0; i < 30; i++, t += SEC) {
		ev = measurement(1, DWCP_MODE_INTERNET, 10000000, t);
		a = step(p, &ev);
		if (a.kind == POLICY_SET_PACING)
			break;
	}
	assert_int_equal(a.kind, POLICY_SET_PACING);
	s = policy_find(p, 1);
	samples = s->samples;
	pacing = s->applied.pacing_bps;

	/* Act: the session now runs exactly at its pacing rate */
	for (i = 1; i < 10; i++) {
		ev = measurement(1, DWCP_MODE_INTERNET, pacing, t + (uint64_t)i * SEC);
		a = step(p, &ev);
		assert_int_equal(a.kind, POLICY_NONE);
	}
	ev = measurement(1, DWCP_MODE_INTERNET, pacing, t + 10 * SEC);
	a = step(p, &ev);

	/* Assert: nothing fed; the tenth second lifts the pacing */
	assert_int_equal(s->samples, samples);
	assert_int_equal(a.kind, POLICY_SET_PACING);
	assert_int_equal(a.pacing_bps, 0);
	assert_int_equal(s->applied.pacing_bps, 0);
	free(p);
}

static void datacenter_is_never_paced(void **state)
{
	struct policy *p = new_policy();
	struct policy_action a;
	struct dwcp_event ev;
	int i;

	(void)state;
	for (i = 0; i < 30; i++) {
		ev = measurement(2, DWCP_MODE_DATACENTER, 500000000, (uint64_t)i * SEC);
		a = step(p, &ev);
		assert_int_equal(a.kind, POLICY_NONE);
	}
	/* a paced internet session that turns datacenter is unpaced */
	for (i = 0; i < 30; i++) {
		ev = measurement(3, DWCP_MODE_INTERNET, 10000000, (uint64_t)i * SEC);
		if (step(p, &ev).kind == POLICY_SET_PACING)
			break;
	}
	assert_true(policy_find(p, 3)->applied.pacing_bps > 0);
	ev = measurement(3, DWCP_MODE_DATACENTER, 10000000, 40 * SEC);
	ev.kind = DWCP_EVENT_MODE_CHANGED;
	a = step(p, &ev);
	assert_int_equal(a.kind, POLICY_SET_PACING);
	assert_int_equal(a.pacing_bps, 0);
	free(p);
}

static void idle_samples_and_failed_pushes(void **state)
{
	struct policy *p = new_policy();
	struct policy_action a;
	struct dwcp_event ev;
	int i;

	(void)state;
	for (i = 0; i < 30; i++) {
		ev = measurement(4, DWCP_MODE_INTERNET, 0, (uint64_t)i * SEC);
		a = step(p, &ev);
		assert_int_equal(a.kind, POLICY_NONE);
	}
	assert_int_equal(policy_find(p, 4)->samples, 0);
	/* a push that failed is asked for again */
	for (i = 0; i < 30; i++) {
		ev = measurement(4, DWCP_MODE_INTERNET, 10000000, (uint64_t)(30 + i) * SEC);
		policy_step(p, &ev, &a);
		if (a.kind == POLICY_SET_PACING)
			break;
	}
	assert_int_equal(a.kind, POLICY_SET_PACING);
	policy_applied(p, &a, false);
	assert_int_equal(policy_find(p, 4)->applied.pacing_bps, 0);
	ev = measurement(4, DWCP_MODE_INTERNET, 10000000, 61 * SEC);
	policy_step(p, &ev, &a);
	assert_int_equal(a.kind, POLICY_SET_PACING);
	free(p);
}

static void closed_sessions_free_their_slot(void **state)
{
	struct policy *p = new_policy();
	struct dwcp_event ev;
	uint64_t id;

	(void)state;
	for (id = 0; id < POLICY_MAX_SESSIONS + 3; id++) {
		ev = measurement(id, DWCP_MODE_INTERNET, 1000, 0);
		step(p, &ev);
	}
	assert_int_equal(p->dropped, 3);
	assert_null(policy_find(p, POLICY_MAX_SESSIONS));

	memset(&ev, 0, sizeof(ev));
	ev.kind = DWCP_EVENT_SESSION_CLOSED;
	ev.session_id = 5;
	step(p, &ev);
	assert_null(policy_find(p, 5));
	ev = measurement(1000, DWCP_MODE_INTERNET, 1000, 0);
	step(p, &ev);
	assert_non_null(policy_find(p, 1000));
	free(p);
}

static void resync_tracks_listed_and_forgets_the_rest(void **state)
{
	struct policy *p = new_policy();
	struct dwcp_event ev;

	(void)state;
	ev = measurement(1, DWCP_MODE_INTERNET, 1000, 0);
	step(p, &ev);
	ev = measurement(2, DWCP_MODE_INTERNET, 1000, 0);
	step(p, &ev);

	/* Act: the dump lists 2 (paced by someone) and 3, not 1 */
	policy_resync_begin(p);
	policy_resync_session(p, 2, DWCP_MODE_HYBRID, 5000000, 8, 16, 131072,
			      1048576);
	policy_resync_session(p, 3, DWCP_MODE_DATACENTER, 0, 4, 0, 65536, 0);
	policy_resync_end(p);

	/* Assert */
	assert_null(policy_find(p, 1));
	assert_int_equal(policy_find(p, 2)->mode, DWCP_MODE_HYBRID);
	assert_int_equal(policy_find(p, 2)->applied.pacing_bps, 5000000);
	assert_int_equal(policy_find(p, 2)->applied.streams, 8);
	assert_int_equal(policy_find(p, 2)->streams_max, 16);
	assert_int_equal(policy_find(p, 2)->applied.chunk_bytes, 131072);
	assert_int_equal(policy_find(p, 2)->frame_size_max, 1048576);
	assert_int_equal(policy_find(p, 3)->frame_size_max, 0);
	assert_int_equal(policy_find(p, 3)->mode, DWCP_MODE_DATACENTER);
	free(p);
}

/*
 * A client session the kernel gave 14 streams (100 ms handshake RTT) on a
 * path of 10 MB/s and 100 ms: BDP 1 MB, two streams' worth, clamped up to
 * the internet minimum of 4, pushed with the pacing.
 */
static struct policy_action feed_streams(struct policy *p, uint32_t mode,
					 uint32_t total, uint32_t max,
					 struct policy_action *pacing)
{
	struct policy_action a = { .kind = POLICY_NONE };
	struct dwcp_event ev;
	int i;

	for (i = 0; i < 40 && !(a.kind & POLICY_SET_STREAMS); i++) {
		ev = measurement(1, mode, 10000000 + (i % 3) * 100000,
				 (uint64_t)i * SEC);
		ev.m.min_rtt_us = 100000;
		ev.streams_total = total;
		ev.streams_max = max;
		a = step(p, &ev);
		if ((a.kind & POLICY_SET_PACING) && pacing)
			*pacing = a;
		if (a.kind & POLICY_SET_STREAMS)
			total = a.streams;	/* the kernel's next events */
	}
	return a;
}

static void streams_follow_the_bdp_within_the_grant(void **state)
{
	struct policy_action pacing = { .kind = POLICY_NONE }, a;
	struct policy *p = new_policy();

	(void)state;
	/* Act */
	a = feed_streams(p, DWCP_MODE_INTERNET, 14, 16, &pacing);

	/* Assert: paced and 4 streams (the internet minimum) at once */
	assert_int_equal(a.kind, POLICY_SET_PACING | POLICY_SET_STREAMS);
	assert_int_equal(pacing.kind, a.kind);
	assert_true(a.pacing_bps > 8500000 && a.pacing_bps < 9700000);
	assert_int_equal(a.streams, 4);
	assert_int_equal(policy_find(p, 1)->applied.streams, 4);
	assert_int_equal(p->streams_pushes, 1);
	free(p);
}

static void streams_not_ours_or_datacenter_stay(void **state)
{
	struct policy *p = new_policy();
	struct policy_action a;

	(void)state;
	/* the application chose them (streams-max 0) */
	a = feed_streams(p, DWCP_MODE_INTERNET, 14, 0, NULL);
	assert_false(a.kind & POLICY_SET_STREAMS);
	free(p);

	/* datacenter mode: the kernel's count */
	p = new_policy();
	a = feed_streams(p, DWCP_MODE_DATACENTER, 14, 16, NULL);
	assert_int_equal(a.kind, POLICY_NONE);
	free(p);

	/* a grant of 3 caps the hybrid range (8..64) */
	p = new_policy();
	a = feed_streams(p, DWCP_MODE_HYBRID, 2, 3, NULL);
	assert_false(a.kind & POLICY_SET_STREAMS);	/* 2 -> 3: too small */
	free(p);
	p = new_policy();
	a = feed_streams(p, DWCP_MODE_HYBRID, 12, 3, NULL);
	assert_true(a.kind & POLICY_SET_STREAMS);
	assert_int_equal(a.streams, 3);
	free(p);
}

/* What a run of measurement events did to the frame size. */
struct frame_run {
	struct policy_action first;	/* the first frame push, if any */
	int pushes;			/* frame pushes in the run */
};

/*
 * @seconds of measurement events of a 10 MB/s path of @min_rtt_us from a
 * session sending frames of @frame bytes, the policy's up to @max; the
 * kernel's next events report what was pushed, capped at @max.
 */
static struct frame_run feed_frames(struct policy *p, uint32_t mode,
				    uint32_t min_rtt_us, uint32_t frame,
				    uint32_t max, int seconds)
{
	struct frame_run r = { .first = { .kind = POLICY_NONE }, .pushes = 0 };
	struct policy_action a;
	struct dwcp_event ev;
	int i;

	for (i = 0; i < seconds; i++) {
		ev = measurement(1, mode, 10000000 + (i % 3) * 100000,
				 (uint64_t)i * SEC);
		ev.m.min_rtt_us = min_rtt_us;
		ev.frame_size = frame;
		ev.frame_size_max = max;
		a = step(p, &ev);
		if (!(a.kind & POLICY_SET_FRAME))
			continue;
		if (!r.pushes++)
			r.first = a;
		frame = a.frame_bytes < max ? a.frame_bytes : max;
	}
	return r;
}

/*
 * 10 MB/s and 100 ms: a BDP of about 1 MB, frames of an eighth of it
 * (~124 kB) instead of the default 64 KiB, pushed once with the pacing.
 */
static void frame_size_follows_the_bdp_once(void **state)
{
	struct policy *p = new_policy();
	struct frame_run r;
	uint32_t want;

	(void)state;
	/* Act */
	r = feed_frames(p, DWCP_MODE_INTERNET, 100000, DWCP_DEFAULT_FRAME,
			DWCP_MAX_FRAME, 120);

	/* Assert: one push, the decision's size, never asked for again */
	assert_int_equal(r.pushes, 1);
	assert_int_equal(r.first.kind, POLICY_SET_PACING | POLICY_SET_FRAME);
	want = (uint32_t)(r.first.est.predicted * 100000 / 1e6 / 8);
	assert_int_equal(r.first.frame_bytes, want);
	assert_true(want > 115000 && want < 130000);
	assert_int_equal(policy_find(p, 1)->applied.chunk_bytes, want);
	assert_int_equal(p->frame_pushes, 1);
	free(p);
}

static void frame_size_not_ours_small_change_or_datacenter_stays(void **state)
{
	struct policy *p = new_policy();
	struct frame_run r;

	(void)state;
	/* the application chose it (frame-size-max 0) */
	r = feed_frames(p, DWCP_MODE_INTERNET, 100000, DWCP_DEFAULT_FRAME, 0, 60);
	assert_int_equal(r.pushes, 0);
	free(p);

	/* 60 ms: ~74 kB wanted, 13 % above 64 KiB: not worth a change */
	p = new_policy();
	r = feed_frames(p, DWCP_MODE_INTERNET, 60000, DWCP_DEFAULT_FRAME,
			DWCP_MAX_FRAME, 60);
	assert_int_equal(r.pushes, 0);
	assert_true(p->pacing_pushes > 0);	/* the policy did act */
	free(p);

	/* datacenter mode: left alone */
	p = new_policy();
	r = feed_frames(p, DWCP_MODE_DATACENTER, 100000, DWCP_DEFAULT_FRAME,
			DWCP_MAX_FRAME, 60);
	assert_int_equal(r.pushes, 0);
	free(p);
}

static void frame_size_clamped_to_the_peers_limit(void **state)
{
	struct policy *p = new_policy();
	struct frame_run r;

	(void)state;
	/* Act: ~124 kB wanted, the peer accepts 96 KiB */
	r = feed_frames(p, DWCP_MODE_INTERNET, 100000, DWCP_DEFAULT_FRAME,
			96 << 10, 120);

	/* Assert */
	assert_int_equal(r.pushes, 1);
	assert_int_equal(r.first.frame_bytes, 96 << 10);
	free(p);
}

static void collapsed_estimate_never_lifts_the_pacing(void **state)
{
	struct policy *p = new_policy();
	struct policy_action a;
	struct dwcp_event ev;
	uint64_t paced = 0;
	int i;

	(void)state;
	/* Arrange: a steady 10 MB/s path gets paced */
	for (i = 0; i < 30 && !paced; i++) {
		ev = measurement(1, DWCP_MODE_INTERNET, 10000000 + (i % 3) * 100000,
				 (uint64_t)i * SEC);
		a = step(p, &ev);
		if (a.kind & POLICY_SET_PACING)
			paced = a.pacing_bps;
	}
	assert_true(paced > 0);

	/* Act: wild samples below the pacing (the conservative bound hits 0) */
	for (; i < 38; i++) {
		ev = measurement(1, DWCP_MODE_INTERNET, i & 1 ? 8000000 : 200000,
				 (uint64_t)i * SEC);
		a = step(p, &ev);
		/* Assert: repaced maybe, never unpaced by a prediction */
		if (a.kind & POLICY_SET_PACING)
			assert_true(a.pacing_bps > 0);
	}
	assert_true(policy_find(p, 1)->applied.pacing_bps > 0);
	free(p);
}

static void metrics_in_prometheus_text_format(void **state)
{
	struct policy *p = new_policy();
	struct dwcp_event ev;
	static char buf[8192];
	FILE *f;
	int i;

	(void)state;
	for (i = 0; i < 30; i++) {
		ev = measurement(9, DWCP_MODE_INTERNET, 10000000, (uint64_t)i * SEC);
		ev.bytes_acked = 1000 + (uint64_t)i;
		if (step(p, &ev).kind == POLICY_SET_PACING)
			break;	/* the first pacing */
	}
	ev.bytes_acked = 1029;
	ev.kind = DWCP_EVENT_MODE_CHANGED;
	step(p, &ev);
	f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);

	dwcpd_metrics_write(f, p);
	fclose(f);

	assert_non_null(strstr(buf, "# TYPE dwcp_sessions gauge\ndwcp_sessions 1\n"));
	assert_non_null(strstr(buf, "dwcp_mode_changes_total 1\n"));
	assert_non_null(strstr(buf, "dwcp_pacing_changes_total 1\n"));
	assert_non_null(strstr(buf, "dwcp_frame_changes_total 0\n"));
	assert_non_null(strstr(buf, "dwcp_session_frame_bytes{session=\"9\"} 0\n"));
	assert_non_null(strstr(buf, "dwcp_session_mode{session=\"9\"} 2\n"));
	assert_non_null(strstr(buf, "dwcp_session_bytes_acked{session=\"9\"} 1029\n"));
	assert_non_null(strstr(buf, "dwcp_session_delivery_rate_bytes{session=\"9\"} 10000000\n"));
	assert_non_null(strstr(buf, "dwcp_session_pacing_rate_bytes{session=\"9\"} 9"));
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(internet_session_is_paced_below_its_rate),
		cmocka_unit_test(steady_path_no_flapping),
		cmocka_unit_test(capped_samples_not_fed_and_probe_after_ten_seconds),
		cmocka_unit_test(datacenter_is_never_paced),
		cmocka_unit_test(idle_samples_and_failed_pushes),
		cmocka_unit_test(closed_sessions_free_their_slot),
		cmocka_unit_test(resync_tracks_listed_and_forgets_the_rest),
		cmocka_unit_test(metrics_in_prometheus_text_format),
		cmocka_unit_test(streams_follow_the_bdp_within_the_grant),
		cmocka_unit_test(streams_not_ours_or_datacenter_stay),
		cmocka_unit_test(collapsed_estimate_never_lifts_the_pacing),
		cmocka_unit_test(frame_size_follows_the_bdp_once),
		cmocka_unit_test(frame_size_not_ours_small_change_or_datacenter_stays),
		cmocka_unit_test(frame_size_clamped_to_the_peers_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
