#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Keyed records (SOCK_SEQPACKET) with HDE: the record API, and pre-copy
# rounds of real guest memory over a lossy link with a stream killed midway,
# each round's reconstruction checked against the data set's manifest.
source "$(dirname "$0")/lib.sh"

load_dwcp || { fail "insmod"; finish; }

# The API checks print their own TAP lines.
dwcp-records api 7100 || FAILED=1

type_refused() {
	local n
	n=$(awk '$1 == "RefusedType" { print $2 }' /proc/net/dwcp_stat)
	echo "RefusedType $n"
	[ "$n" -ge 1 ]
}
check "the refused byte-stream client is counted (RefusedType)" type_refused

netns_pair || { fail "netns"; finish; }

no_resync() { precopy 7200 0 && [ "$RESYNCS" = "0 0" ]; }
check "5 pre-copy rounds of redis memory over netem, a stream killed: every round's sha256 matches, no resync" no_resync

netns_pair_del
check "rmmod" rmmod_wait
finish
