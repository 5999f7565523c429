// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the session engine's pure decisions: how many pacing tokens a
 * session may save up, the peer's window edge, whether it lets a frame go,
 * and how often a peer's resyncs are served.
 */
#include <kunit/test.h>

#include "../dwcp.h"

static void burst_is_two_frames_or_10ms(struct kunit *test)
{
	const u32 frame = DWCP_FRAME_HDR_LEN + 65536;

	/* Act, Assert: a slow rate saves up two frames ... */
	KUNIT_EXPECT_EQ(test, dwcp_pace_burst(1000000, 65536, frame),
			2ULL * frame);
	/* ... a fast one 10 ms worth */
	KUNIT_EXPECT_EQ(test, dwcp_pace_burst(1000000000, 65536, frame),
			10000000ULL);
}

static void burst_never_below_the_frame_at_hand(struct kunit *test)
{
	/* Arrange: 64 KiB frames queued, then the size set to 16 KiB */
	const u32 queued = DWCP_FRAME_HDR_LEN + 65536;
	u64 burst;

	/* Act */
	burst = dwcp_pace_burst(4000000, 16384, queued);

	/* Assert: the old frame can still collect enough tokens */
	KUNIT_EXPECT_GE(test, burst, (u64)queued);
}

static void window_lets_what_fits(struct kunit *test)
{
	/* Act, Assert: inside the window (edge 1500), new or resent */
	KUNIT_EXPECT_TRUE(test, dwcp_window_allows(1000, 500, false, 1000,
						   1500));
	KUNIT_EXPECT_TRUE(test, dwcp_window_allows(1200, 300, false, 1000,
						   1500));
	/* beyond it, with data outstanding before it */
	KUNIT_EXPECT_FALSE(test, dwcp_window_allows(1200, 301, false, 1000,
						    1500));
	/* a resend was inside the window when it first went */
	KUNIT_EXPECT_TRUE(test, dwcp_window_allows(1200, 65536, true, 1000,
						   1000));
}

static void frame_larger_than_the_window_goes_alone(struct kunit *test)
{
	/* Arrange: a 64 KiB frame, a receiver with a 32 KiB buffer */
	const u64 una = 1ULL << 33;

	/* Act, Assert: nothing outstanding and the window open: it goes */
	KUNIT_EXPECT_TRUE(test, dwcp_window_allows(una, 65536, false, una,
						   una + 32768));
	/* a closed window still holds it */
	KUNIT_EXPECT_FALSE(test, dwcp_window_allows(una, 65536, false, una,
						    una));
	/* so does data outstanding before it */
	KUNIT_EXPECT_FALSE(test, dwcp_window_allows(una + 1, 65536, false,
						    una, una + 32768));
}

static void stale_ack_does_not_close_the_window(struct kunit *test)
{
	/* Arrange: the receiver acked 128 KiB with its buffer full, then
	 * reopened 32 KiB; the two acks came on different streams
	 */
	const u64 ack = 131072;
	u64 edge = 65536 + 32768;

	/* Act: the window update overtakes the older ack */
	edge = dwcp_peer_edge(edge, ack, 32768);
	edge = dwcp_peer_edge(edge, ack, 0);

	/* Assert: still open, and the next frame may go */
	KUNIT_EXPECT_EQ(test, edge, ack + 32768);
	KUNIT_EXPECT_TRUE(test, dwcp_window_allows(ack, 65536, false, ack,
						   edge));
}

static void resyncs_served_in_a_burst_then_one_per_refill(struct kunit *test)
{
	unsigned long gap = max(msecs_to_jiffies(DWCP_RESYNC_REFILL_MS), 1UL);
	unsigned long t0 = 1000, at = t0;
	u32 credit = DWCP_RESYNC_BURST;
	int i;

	/* Act, Assert: a burst at once, then nothing more at once ... */
	for (i = 0; i < DWCP_RESYNC_BURST; i++)
		KUNIT_EXPECT_TRUE(test, dwcp_resync_credit_take(&credit, &at, t0));
	KUNIT_EXPECT_FALSE(test, dwcp_resync_credit_take(&credit, &at, t0));
	KUNIT_EXPECT_FALSE(test, dwcp_resync_credit_take(&credit, &at,
							 t0 + gap - 1));
	/* ... one per refill interval ... */
	KUNIT_EXPECT_TRUE(test, dwcp_resync_credit_take(&credit, &at, t0 + gap));
	KUNIT_EXPECT_FALSE(test, dwcp_resync_credit_take(&credit, &at,
							 t0 + gap));
}

static void resync_credit_saves_up_a_burst_at_most(struct kunit *test)
{
	unsigned long at = 0, later = 1000 * msecs_to_jiffies(1000);
	u32 credit = 0;
	int served = 0;

	/* Act: ask ten times after a long quiet spell */
	while (served < 10 && dwcp_resync_credit_take(&credit, &at, later))
		served++;

	/* Assert: no more than a burst; the clock is not behind */
	KUNIT_EXPECT_EQ(test, served, DWCP_RESYNC_BURST);
	KUNIT_EXPECT_LE(test, later - at,
			max(msecs_to_jiffies(DWCP_RESYNC_REFILL_MS), 1UL));
}

static struct kunit_case dwcp_session_cases[] = {
	KUNIT_CASE(resyncs_served_in_a_burst_then_one_per_refill),
	KUNIT_CASE(resync_credit_saves_up_a_burst_at_most),
	KUNIT_CASE(burst_is_two_frames_or_10ms),
	KUNIT_CASE(burst_never_below_the_frame_at_hand),
	KUNIT_CASE(window_lets_what_fits),
	KUNIT_CASE(frame_larger_than_the_window_goes_alone),
	KUNIT_CASE(stale_ack_does_not_close_the_window),
	{}
};

static struct kunit_suite dwcp_session_suite = {
	.name = "dwcp_session",
	.test_cases = dwcp_session_cases,
};

kunit_test_suite(dwcp_session_suite);
