#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Retiring streams on a link-limited path.  The client's TCP send queues
# stay full (netem rate), so the FIN of a retired stream rides on the same
# segment as its last data: the server reads the last frame and the end of
# the stream in one pass and must still close its side (a server that
# noticed only the bytes left each retired stream up until the client's
# 60 s retire timeout reset it: CI, stop 10).  Every byte arrives.
source "$(dirname "$0")/lib.sh"

load_dwcp || { fail "insmod"; finish; }
netns_pair || { fail "netns"; finish; }
start_server || { fail "server"; cat "$TMP/server.log"; finish; }

check "netem 5 ms, 40 Mbit/s client to server" \
	C tc qdisc replace dev veth-c root netem delay 5ms rate 40mbit limit 1000

C dwcp-perf -c $SRV -j -P 4 -n 256M >"$TMP/perf.json" 2>"$TMP/perf.err" &
PERF=$!

# streams_up: the client session's streams up (one dwcpctl, no python:
# this runs many times under a saturating transfer).
streams_up() {
	C dwcpctl -j session "$ID" | grep -o '"streams_up":[0-9]*' | cut -d: -f2
}
# wait_up N: N streams up within 20 s, a third of the retire timeout.
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

# shrink_and_grow ROUND: 4 -> 1 streams (3 retire cleanly on both ends
# in time), then 4 again.
shrink_and_grow() {
	local cr sr cf
	cr=$(stat dwcp-cli StreamsRetired)
	sr=$(stat dwcp-srv StreamsRetired)
	cf=$(stat dwcp-cli StreamFailures)
	C dwcpctl policy set "$ID" streams 1 && wait_up 1 || return 1
	echo "client StreamsRetired $cr -> $(stat dwcp-cli StreamsRetired)," \
		"server $sr -> $(stat dwcp-srv StreamsRetired)," \
		"client StreamFailures $cf -> $(stat dwcp-cli StreamFailures)"
	[ "$(stat dwcp-cli StreamsRetired)" = $((cr + 3)) ] &&
		[ "$(stat dwcp-srv StreamsRetired)" = $((sr + 3)) ] &&
		[ "$(stat dwcp-cli StreamFailures)" = "$cf" ] || return 1
	C dwcpctl policy set "$ID" streams 4 && wait_up 4
}
check "streams 4 -> 1 -> 4 under load: the 3 retire on both ends within 20 s" \
	shrink_and_grow 1
check "again: 4 -> 1 -> 4" shrink_and_grow 2

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
