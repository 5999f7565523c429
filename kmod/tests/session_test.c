// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the session engine's pure decisions: how many pacing tokens a
 * session may save up, the peer's window edge, and whether it lets a
 * frame go.
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

static struct kunit_case dwcp_session_cases[] = {
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
