#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Retiring streams on a link-limited path.  The client's TCP send queues
# stay full (netem rate), so the FIN of a retired stream rides on the same
# segment as its last data: the server reads the last frame and the end of
# the stream in one pass and must still close its side (a server that
# noticed only the bytes left each retired stream up until the client's
# 60 s retire timeout reset it, counted as a failure: CI, stop 10).
# Asserted on counters, not on time.  Every byte arrives.
source "$(dirname "$0")/lib.sh"

load_dwcp || { fail "insmod"; finish; }
netns_pair || { fail "netns"; finish; }
start_server || { fail "server"; cat "$TMP/server.log"; finish; }

check "netem 5 ms, 40 Mbit/s client to server" \
	C tc qdisc replace dev veth-c root netem delay 5ms rate 40mbit limit 1000

# 1 GiB: at 40 Mbit/s it outlasts the rounds (the rest goes at veth speed
# once the qdisc is gone).
C dwcp-perf -c $SRV -j -P 4 -n 1G >"$TMP/perf.json" 2>"$TMP/perf.err" &
PERF=$!

# streams_up: the client session's streams up (one dwcpctl, no python:
# this runs many times under a saturating transfer).
streams_up() {
	C dwcpctl -j session "$ID" | grep -o '"streams_up":[0-9]*' | cut -d: -f2
}
# wait_up N: N streams up (bounded: 20 s).
wait_up() {
	local i up
	for i in $(seq 40); do
		up=$(streams_up)
		[ "$up" = "$1" ] && return 0
		sleep 0.5
	done
	echo "streams up: $up, want $1"
	dump_pair
	return 1
}

client_session() {
	local i
	for i in $(seq 50); do
		ID=$(C dwcpctl -j sessions | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
		[ -n "$ID" ] && [ "$(streams_up)" = 4 ] && return 0
		sleep 0.2
	done
	return 1
}
check "a 4-stream transfer over the limited link" client_session

# shrink_and_grow: 4 -> 1 streams, the 3 retire cleanly on both ends
# (none reset by the client's timeout), then 4 again.
shrink_and_grow() {
	retire_mark
	C dwcpctl policy set "$ID" streams 1 && retire_settled 3 &&
		retired_cleanly 3 && wait_up 1 &&
		C dwcpctl policy set "$ID" streams 4 && wait_up 4
}
check "streams 4 -> 1 -> 4 under load: the 3 retire on both ends, none reset" \
	shrink_and_grow
check "again: 4 -> 1 -> 4" shrink_and_grow

finish_transfer() {
	C tc qdisc del dev veth-c root || return 1
	wait $PERF || { cat "$TMP/perf.err"; return 1; }
	cat "$TMP/perf.json"
	[ "$(json_get "$TMP/perf.json" verified)" = True ]
}
check "the transfer ends verified" finish_transfer

stop_server
netns_pair_del
check "rmmod" rmmod_wait
finish
