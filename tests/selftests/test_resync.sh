#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# HDE resync: a receiver that cannot keep a baseline (forced with the
# module parameter hde_fault_every) never rebuilds a record from the wrong
# one; it asks for the records again and both ends start over with empty
# stores.  Nothing may be lost, changed or reordered.
source "$(dirname "$0")/lib.sh"
FAULT=/sys/module/dwcp/parameters/hde_fault_every

load_dwcp || { fail "insmod"; finish; }

# Every other baseline lost: each pass after the first needs a resync.
echo 2 >$FAULT
dwcp-records resync 7400 || FAILED=1
echo 0 >$FAULT

netns_pair || { fail "netns"; finish; }

# Every 5000th baseline lost (the userspace replay of these rounds with
# the same store limit loses 19 and resyncs 8 times; the first loss that
# matters comes in round 0 whatever the timing).
resynced() {
	local stale
	stale=$(stat dwcp-srv HdeStaleBaselines)
	precopy 7300 5000 || return 1
	echo "resyncs asked, served: $RESYNCS; HdeStaleBaselines $stale -> $(stat dwcp-srv HdeStaleBaselines)"
	[ "${RESYNCS% *}" -ge 1 ] &&
		[ "$(stat dwcp-srv HdeStaleBaselines)" = $((stale + ${RESYNCS% *})) ]
}
check "5 pre-copy rounds of redis memory, every 5000th baseline the receiver stores failing, a stream killed: every round's sha256 matches after resyncs" resynced

netns_pair_del
check "rmmod" rmmod_wait
finish
