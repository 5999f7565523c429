// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the mode detector (thresholds, hysteresis, cooldown, forced mode)
 * and the defaults-set validation.
 */
#include <kunit/test.h>

#include "../dwcp.h"

static const struct dwcp_sample dc_path = {
	.rtt_us = 200, .loss_ppm = 0, .rate = 1250000000,
};

static const struct dwcp_sample wan_path = {
	.rtt_us = 80000, .loss_ppm = 10000, .rate = 5000000,
};

static const struct dwcp_sample mid_path = {
	.rtt_us = 25000, .loss_ppm = 2000, .rate = 0,
};

/* Feed @n samples 100 ms apart from *@now; return how many changed mode. */
static int feed(struct dwcp_detect *d, const struct dwcp_detect_cfg *c,
		const struct dwcp_sample *s, int n, u64 *now)
{
	int changes = 0;

	while (n--) {
		*now += DWCP_SAMPLE_MS;
		changes += dwcp_detect_step(d, c, s, *now);
	}
	return changes;
}

static void votes_follow_the_thresholds(struct kunit *test)
{
	struct dwcp_detect_cfg c;
	struct dwcp_sample s = dc_path;

	dwcp_detect_cfg_default(&c);

	KUNIT_EXPECT_EQ(test, dwcp_detect_vote(&c, &dc_path),
			DWCP_MODE_DATACENTER);
	KUNIT_EXPECT_EQ(test, dwcp_detect_vote(&c, &wan_path),
			DWCP_MODE_INTERNET);
	KUNIT_EXPECT_EQ(test, dwcp_detect_vote(&c, &mid_path),
			DWCP_MODE_HYBRID);
	/* a short RTT with a measured slow rate is not a datacenter */
	s.rate = 10000000;
	KUNIT_EXPECT_EQ(test, dwcp_detect_vote(&c, &s), DWCP_MODE_INTERNET);
	/* unmeasured rate leaves bandwidth out */
	s.rate = 0;
	KUNIT_EXPECT_EQ(test, dwcp_detect_vote(&c, &s), DWCP_MODE_DATACENTER);
	/* loss alone makes it internet */
	s.loss_ppm = 20000;
	KUNIT_EXPECT_EQ(test, dwcp_detect_vote(&c, &s), DWCP_MODE_INTERNET);
}

/* Arrange: defaults (cooldown @cooldown_ms), settled in datacenter mode. */
static void settle_in_datacenter(struct kunit *test, struct dwcp_detect *d,
				 struct dwcp_detect_cfg *c, u32 cooldown_ms,
				 u64 *now)
{
	dwcp_detect_cfg_default(c);
	c->cooldown_ms = cooldown_ms;
	dwcp_detect_init(d);
	feed(d, c, &dc_path, 20, now);
	KUNIT_ASSERT_EQ(test, d->mode, DWCP_MODE_DATACENTER);
}

static void enters_datacenter_after_three_clear_samples(struct kunit *test)
{
	struct dwcp_detect_cfg c;
	struct dwcp_detect d;
	u64 now = 1000;

	dwcp_detect_cfg_default(&c);
	dwcp_detect_init(&d);

	/* Act: two clearly-datacenter samples are not enough ... */
	KUNIT_EXPECT_EQ(test, feed(&d, &c, &dc_path, 2, &now), 0);
	KUNIT_EXPECT_EQ(test, d.mode, DWCP_MODE_INTERNET);
	/* ... the third in a row is */
	KUNIT_EXPECT_EQ(test, feed(&d, &c, &dc_path, 1, &now), 1);

	KUNIT_EXPECT_EQ(test, d.mode, DWCP_MODE_DATACENTER);
	KUNIT_EXPECT_EQ(test, d.old_mode, DWCP_MODE_INTERNET);
	KUNIT_EXPECT_EQ(test, d.reason, DWCP_MODE_REASON_DETECTED);
	KUNIT_EXPECT_EQ(test, d.changes, 1ULL);
}

static void borderline_samples_wait_for_the_score(struct kunit *test)
{
	/* Arrange: datacenter, but within a quarter of the RTT threshold */
	const struct dwcp_sample near_dc = {
		.rtt_us = 9000, .loss_ppm = 0, .rate = 1250000000,
	};
	struct dwcp_detect_cfg c;
	struct dwcp_detect d;
	u64 now = 1000;

	dwcp_detect_cfg_default(&c);
	dwcp_detect_init(&d);

	/* Act + Assert: five are not enough, the sixth is (738 >= 700) */
	KUNIT_EXPECT_EQ(test, feed(&d, &c, &near_dc, 5, &now), 0);
	KUNIT_EXPECT_EQ(test, feed(&d, &c, &near_dc, 1, &now), 1);
	KUNIT_EXPECT_EQ(test, d.mode, DWCP_MODE_DATACENTER);
}

static void a_clear_streak_broken_starts_over(struct kunit *test)
{
	struct dwcp_detect_cfg c;
	struct dwcp_detect d;
	u64 now = 1000;

	dwcp_detect_cfg_default(&c);
	dwcp_detect_init(&d);

	/* Act: two clear, one in-between, two clear: no streak of three */
	feed(&d, &c, &dc_path, 2, &now);
	feed(&d, &c, &mid_path, 1, &now);
	KUNIT_EXPECT_EQ(test, feed(&d, &c, &dc_path, 2, &now), 0);

	/* Assert: the third of the new streak switches */
	KUNIT_EXPECT_EQ(test, feed(&d, &c, &dc_path, 1, &now), 1);
	KUNIT_EXPECT_EQ(test, d.mode, DWCP_MODE_DATACENTER);
}

static void only_fresh_loss_makes_a_streak(struct kunit *test)
{
	/* Arrange: a datacenter session, then lossy samples on a short RTT */
	struct dwcp_sample lossy = {
		.rtt_us = 200, .loss_ppm = 15000, .rate = 0, .loss_fresh = true,
	};
	struct dwcp_detect_cfg c;
	struct dwcp_detect d;
	u64 now = 1000;

	settle_in_datacenter(test, &d, &c, 0, &now);

	/* Act + Assert: one fresh figure carried over two more samples is
	 * one measurement, not a streak; the scores need six samples
	 */
	KUNIT_EXPECT_EQ(test, feed(&d, &c, &lossy, 1, &now), 0);
	lossy.loss_fresh = false;
	KUNIT_EXPECT_EQ(test, feed(&d, &c, &lossy, 4, &now), 0);
	KUNIT_EXPECT_EQ(test, feed(&d, &c, &lossy, 1, &now), 1);
	KUNIT_EXPECT_EQ(test, d.mode, DWCP_MODE_INTERNET);

	/* three fresh ones in a row switch at once */
	feed(&d, &c, &dc_path, 20, &now);
	KUNIT_ASSERT_EQ(test, d.mode, DWCP_MODE_DATACENTER);
	lossy.loss_fresh = true;
	KUNIT_EXPECT_EQ(test, feed(&d, &c, &lossy, 2, &now), 0);
	KUNIT_EXPECT_EQ(test, feed(&d, &c, &lossy, 1, &now), 1);
}

static void flapping_path_does_not_switch(struct kunit *test)
{
	struct dwcp_detect_cfg c;
	struct dwcp_detect d;
	u64 now = 1000;
	int i, changes = 0;

	dwcp_detect_cfg_default(&c);
	c.cooldown_ms = 0;
	dwcp_detect_init(&d);

	/* Act: alternate datacenter and internet samples for a minute */
	for (i = 0; i < 600; i++)
		changes += feed(&d, &c, i & 1 ? &wan_path : &dc_path, 1, &now);

	/* Assert: neither score ever reaches 70 %: no change at all */
	KUNIT_EXPECT_EQ(test, changes, 0);
	KUNIT_EXPECT_EQ(test, d.mode, DWCP_MODE_INTERNET);
}

static void cooldown_delays_the_next_change(struct kunit *test)
{
	struct dwcp_detect_cfg c;
	struct dwcp_detect d;
	u64 now = 1000, switched;

	dwcp_detect_cfg_default(&c);	/* cooldown 3000 ms */
	dwcp_detect_init(&d);
	while (d.mode != DWCP_MODE_DATACENTER && now < 10000)
		feed(&d, &c, &dc_path, 1, &now);
	KUNIT_ASSERT_EQ(test, d.mode, DWCP_MODE_DATACENTER);
	switched = now;

	/* Act: the path degrades at once */
	while (d.mode == DWCP_MODE_DATACENTER && now < switched + 10000)
		feed(&d, &c, &wan_path, 1, &now);

	/* Assert: back to internet, but not before the cooldown ran out */
	KUNIT_EXPECT_EQ(test, d.mode, DWCP_MODE_INTERNET);
	KUNIT_EXPECT_GE(test, now - switched, (u64)c.cooldown_ms);
	KUNIT_EXPECT_LE(test, now - switched, (u64)c.cooldown_ms + 100);
}

static void same_direction_steps_skip_the_cooldown(struct kunit *test)
{
	struct dwcp_detect_cfg c;
	struct dwcp_detect d;
	u64 now = 1000;

	settle_in_datacenter(test, &d, &c, 3000, &now);
	now += c.cooldown_ms;

	/* Act: the RTT climbs through hybrid, then settles on internet */
	feed(&d, &c, &mid_path, 6, &now);
	KUNIT_ASSERT_EQ(test, d.mode, DWCP_MODE_HYBRID);

	/* Assert: the step on to internet does not wait the cooldown ... */
	KUNIT_EXPECT_EQ(test, feed(&d, &c, &wan_path, 7, &now), 1);
	KUNIT_EXPECT_EQ(test, d.mode, DWCP_MODE_INTERNET);
	/* ... but turning back to datacenter does */
	feed(&d, &c, &dc_path, 10, &now);
	KUNIT_EXPECT_EQ(test, d.mode, DWCP_MODE_INTERNET);
	feed(&d, &c, &dc_path, 20, &now);
	KUNIT_EXPECT_EQ(test, d.mode, DWCP_MODE_DATACENTER);
}

static void without_cooldown_it_switches_back_in_three(struct kunit *test)
{
	struct dwcp_detect_cfg c;
	struct dwcp_detect d;
	u64 now = 1000;

	settle_in_datacenter(test, &d, &c, 0, &now);

	KUNIT_EXPECT_EQ(test, feed(&d, &c, &wan_path, 2, &now), 0);
	KUNIT_EXPECT_EQ(test, feed(&d, &c, &wan_path, 1, &now), 1);
	KUNIT_EXPECT_EQ(test, d.mode, DWCP_MODE_INTERNET);
}

static void in_between_path_goes_hybrid(struct kunit *test)
{
	struct dwcp_detect_cfg c;
	struct dwcp_detect d;
	u64 now = 1000;

	dwcp_detect_cfg_default(&c);
	dwcp_detect_init(&d);

	feed(&d, &c, &mid_path, 10, &now);

	KUNIT_EXPECT_EQ(test, d.mode, DWCP_MODE_HYBRID);
}

static void session_force_wins_and_scores_keep_tracking(struct kunit *test)
{
	struct dwcp_detect_cfg c;
	struct dwcp_detect d;
	u64 now = 1000;

	dwcp_detect_cfg_default(&c);
	dwcp_detect_init(&d);

	/* Act: force datacenter on a WAN path */
	d.forced = DWCP_MODE_DATACENTER;
	KUNIT_EXPECT_TRUE(test, dwcp_detect_apply_force(&d, &c, now));
	KUNIT_EXPECT_EQ(test, d.reason, DWCP_MODE_REASON_FORCED);
	KUNIT_EXPECT_EQ(test, feed(&d, &c, &wan_path, 50, &now), 0);
	KUNIT_EXPECT_EQ(test, d.mode, DWCP_MODE_DATACENTER);
	KUNIT_EXPECT_GE(test, d.score[DWCP_MODE_INTERNET - 1], 900);

	/* lifting the force: the next sample moves it, no cooldown */
	d.forced = DWCP_MODE_AUTO;
	KUNIT_EXPECT_FALSE(test, dwcp_detect_apply_force(&d, &c, now));
	KUNIT_EXPECT_EQ(test, feed(&d, &c, &wan_path, 1, &now), 1);
	KUNIT_EXPECT_EQ(test, d.mode, DWCP_MODE_INTERNET);
	KUNIT_EXPECT_EQ(test, d.reason, DWCP_MODE_REASON_DETECTED);
}

static void netns_force_applies_at_next_sample(struct kunit *test)
{
	struct dwcp_detect_cfg c;
	struct dwcp_detect d;
	u64 now = 1000;

	dwcp_detect_cfg_default(&c);
	dwcp_detect_init(&d);
	c.forced = DWCP_MODE_HYBRID;

	KUNIT_EXPECT_EQ(test, feed(&d, &c, &dc_path, 1, &now), 1);
	KUNIT_EXPECT_EQ(test, d.mode, DWCP_MODE_HYBRID);
	KUNIT_EXPECT_EQ(test, d.reason, DWCP_MODE_REASON_FORCED);
	/* the session's own force beats the netns's */
	d.forced = DWCP_MODE_INTERNET;
	KUNIT_EXPECT_EQ(test, feed(&d, &c, &dc_path, 1, &now), 1);
	KUNIT_EXPECT_EQ(test, d.mode, DWCP_MODE_INTERNET);
}

static void config_check_names_the_problem(struct kunit *test)
{
	struct dwcp_detect_cfg c;

	dwcp_detect_cfg_default(&c);
	KUNIT_EXPECT_EQ(test, dwcp_detect_cfg_check(&c), DWCP_CFG_OK);

	c.dc_rtt_us = c.inet_rtt_us + 1;
	KUNIT_EXPECT_EQ(test, dwcp_detect_cfg_check(&c), DWCP_CFG_BAD_RTT);
	dwcp_detect_cfg_default(&c);
	c.dc_loss_ppm = c.inet_loss_ppm + 1;
	KUNIT_EXPECT_EQ(test, dwcp_detect_cfg_check(&c), DWCP_CFG_BAD_LOSS);
	dwcp_detect_cfg_default(&c);
	c.enter_pct = 0;
	KUNIT_EXPECT_EQ(test, dwcp_detect_cfg_check(&c), DWCP_CFG_BAD_PCT);
	dwcp_detect_cfg_default(&c);
	c.forced = DWCP_MODE_MAX + 1;
	KUNIT_EXPECT_EQ(test, dwcp_detect_cfg_check(&c), DWCP_CFG_BAD_MODE);
	dwcp_detect_cfg_default(&c);
	c.cooldown_ms = DWCP_COOLDOWN_MAX_MS + 1;
	KUNIT_EXPECT_EQ(test, dwcp_detect_cfg_check(&c), DWCP_CFG_BAD_COOLDOWN);
}

static void warm_start_begins_in_the_peers_mode(struct kunit *test)
{
	/* Arrange: a peer's detector settled in datacenter mode */
	const u16 peer_score[DWCP_NMODES] = { 1000, 0, 0 };
	const u16 bogus[DWCP_NMODES] = { 5000, 0, 0 };
	struct dwcp_detect_cfg c;
	struct dwcp_detect d;
	u64 now = 1000;

	dwcp_detect_cfg_default(&c);
	dwcp_detect_init(&d);

	/* Act */
	dwcp_detect_warm_start(&d, DWCP_MODE_DATACENTER, peer_score);

	/* Assert: datacenter from the start, no change counted, and the
	 * path agreeing keeps it there
	 */
	KUNIT_EXPECT_EQ(test, d.mode, DWCP_MODE_DATACENTER);
	KUNIT_EXPECT_EQ(test, d.changes, 0ULL);
	KUNIT_EXPECT_EQ(test, feed(&d, &c, &dc_path, 10, &now), 0);
	KUNIT_EXPECT_EQ(test, d.mode, DWCP_MODE_DATACENTER);

	/* Act, Assert: a path that is not the peer's moves it as usual */
	KUNIT_EXPECT_EQ(test, feed(&d, &c, &wan_path, 10, &now), 1);
	KUNIT_EXPECT_EQ(test, d.mode, DWCP_MODE_INTERNET);

	/* Act, Assert: AUTO or unknown modes are ignored, scores clamped */
	dwcp_detect_init(&d);
	dwcp_detect_warm_start(&d, DWCP_MODE_AUTO, peer_score);
	dwcp_detect_warm_start(&d, DWCP_MODE_MAX + 1, peer_score);
	KUNIT_EXPECT_EQ(test, d.mode, DWCP_MODE_INTERNET);
	dwcp_detect_warm_start(&d, DWCP_MODE_DATACENTER, bogus);
	KUNIT_EXPECT_EQ(test, d.score[0], 1000);
}

static void report_rate_averages_the_backlogged_ticks(struct kunit *test)
{
	/* Arrange: ticks of 1 MB and 3 MB over 100 ms each, of a second */
	u64 bytes = 1000000 + 3000000, busy = 2 * 100 * NSEC_PER_MSEC;

	/* Act, Assert: too little of the second backlogged to say */
	KUNIT_EXPECT_EQ(test, dwcp_measure_report_rate(bytes, busy,
						       NSEC_PER_SEC), 0);
	KUNIT_EXPECT_EQ(test, dwcp_measure_report_rate(0, 0, 0), 0);

	/* Act, Assert: half of it is enough; the ticks' mean, not the last */
	busy = 5 * 100 * NSEC_PER_MSEC;
	bytes = 3 * 1000000 + 2 * 3000000;
	KUNIT_EXPECT_EQ(test, dwcp_measure_report_rate(bytes, busy,
						       NSEC_PER_SEC),
			18000000);
}

static void stream_count_follows_the_rtt_within_4_to_16(struct kunit *test)
{
	/* Act, Assert: a datacenter path keeps the floor */
	KUNIT_EXPECT_EQ(test, dwcp_streams_for_rtt(200, 512), 4);
	KUNIT_EXPECT_EQ(test, dwcp_streams_for_rtt(9999, 512), 4);

	/* Act, Assert: one more per 10 ms, then the internet ceiling */
	KUNIT_EXPECT_EQ(test, dwcp_streams_for_rtt(80000, 512), 12);
	KUNIT_EXPECT_EQ(test, dwcp_streams_for_rtt(120000, 512), 16);
	KUNIT_EXPECT_EQ(test, dwcp_streams_for_rtt(U32_MAX, 512), 16);

	/* Act, Assert: never above what the peer granted */
	KUNIT_EXPECT_EQ(test, dwcp_streams_for_rtt(80000, 6), 6);
	KUNIT_EXPECT_EQ(test, dwcp_streams_for_rtt(0, 1), 1);
}

static void sessions_follow_their_peers_detector(struct kunit *test)
{
	/* Arrange: a peer's detector that one busy session feeds, and an
	 * idle session that only follows it
	 */
	struct dwcp_detect peer, busy, idle;
	struct dwcp_detect_cfg c;
	u64 now = 1000;
	int fed;

	dwcp_detect_cfg_default(&c);
	dwcp_detect_init(&peer);
	dwcp_detect_init(&busy);
	dwcp_detect_init(&idle);

	/* Act: datacenter samples until the peer's detector moves */
	for (fed = 0; fed < 20; fed++) {
		now += DWCP_SAMPLE_MS;
		if (dwcp_detect_step(&peer, &c, &dc_path, now))
			break;
	}
	KUNIT_ASSERT_EQ(test, peer.mode, DWCP_MODE_DATACENTER);

	/* Assert: the session whose sample moved it changed as detected,
	 * the idle one as following its peer, both once
	 */
	KUNIT_EXPECT_TRUE(test, dwcp_detect_follow(&busy, &peer, true));
	KUNIT_EXPECT_TRUE(test, dwcp_detect_follow(&idle, &peer, false));
	KUNIT_EXPECT_EQ(test, busy.reason, DWCP_MODE_REASON_DETECTED);
	KUNIT_EXPECT_EQ(test, idle.reason, DWCP_MODE_REASON_PEER);
	KUNIT_EXPECT_EQ(test, idle.old_mode, DWCP_MODE_INTERNET);
	KUNIT_EXPECT_EQ(test, idle.mode, DWCP_MODE_DATACENTER);
	KUNIT_EXPECT_FALSE(test, dwcp_detect_follow(&idle, &peer, false));
	KUNIT_EXPECT_EQ(test, idle.changes, 1ULL);

	/* Assert: the follower took the scores and the cooldown, so its
	 * own detector, alone, would not reverse the change at once
	 */
	KUNIT_EXPECT_EQ(test, idle.score[0], peer.score[0]);
	KUNIT_EXPECT_TRUE(test, idle.cooling);
	KUNIT_EXPECT_EQ(test, feed(&idle, &c, &wan_path, 3, &now), 0);
}

static struct kunit_case dwcp_detect_cases[] = {
	KUNIT_CASE(votes_follow_the_thresholds),
	KUNIT_CASE(enters_datacenter_after_three_clear_samples),
	KUNIT_CASE(borderline_samples_wait_for_the_score),
	KUNIT_CASE(a_clear_streak_broken_starts_over),
	KUNIT_CASE(only_fresh_loss_makes_a_streak),
	KUNIT_CASE(flapping_path_does_not_switch),
	KUNIT_CASE(cooldown_delays_the_next_change),
	KUNIT_CASE(same_direction_steps_skip_the_cooldown),
	KUNIT_CASE(without_cooldown_it_switches_back_in_three),
	KUNIT_CASE(in_between_path_goes_hybrid),
	KUNIT_CASE(session_force_wins_and_scores_keep_tracking),
	KUNIT_CASE(netns_force_applies_at_next_sample),
	KUNIT_CASE(config_check_names_the_problem),
	KUNIT_CASE(report_rate_averages_the_backlogged_ticks),
	KUNIT_CASE(warm_start_begins_in_the_peers_mode),
	KUNIT_CASE(sessions_follow_their_peers_detector),
	KUNIT_CASE(stream_count_follows_the_rtt_within_4_to_16),
	{}
};

static struct kunit_suite dwcp_detect_suite = {
	.name = "dwcp_detect",
	.test_cases = dwcp_detect_cases,
};

kunit_test_suite(dwcp_detect_suite);
