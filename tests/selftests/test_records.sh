#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Keyed records (SOCK_SEQPACKET) with HDE: the record API, and pre-copy
# rounds of real guest memory over a lossy link with a stream killed midway,
# each round's reconstruction checked against the data set's manifest.
source "$(dirname "$0")/lib.sh"
DATA=$PWD/../shared/data/vmmem/redis

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

precopy_rounds() {
	local before after port rc_c rc_s
	[ -r "$DATA/manifest.json" ] || { echo "no data set at $DATA"; return 1; }
	before=$(stat dwcp-cli StreamFailures)
	# Baselines for half of the 256 MiB guest (the default is 64 MiB).
	S sysctl -qw net.dwcp.hde_store_bytes=$((128 << 20)) &&
		C sysctl -qw net.dwcp.hde_store_bytes=$((128 << 20)) || return 1
	S dwcp-records server 7200 "$DATA" >"$TMP/srv.log" 2>&1 &
	local srv=$!
	wait_for "$TMP/srv.log" listening 600 || { cat "$TMP/srv.log"; return 1; }
	C tc qdisc add dev veth-c root netem delay 5ms loss 0.5% rate 200mbit
	C dwcp-records client $SRV 7200 "$DATA" 4 >"$TMP/cli.log" 2>&1 &
	local cli=$!
	# Kill the second stream once the base round is queued.
	wait_for "$TMP/cli.log" "sent round 0" 1200
	port=$(C ss -tnH state established "( dport = :7200 )" | awk 'NR == 2 { split($3, a, ":"); print a[2] }')
	echo "killing the stream from local port $port"
	[ -n "$port" ] && C ss -K -tn "( sport = :$port )" >/dev/null
	wait $cli
	rc_c=$?
	wait $srv
	rc_s=$?
	C tc qdisc del dev veth-c root
	after=$(stat dwcp-cli StreamFailures)
	cat "$TMP/cli.log" "$TMP/srv.log"
	echo "StreamFailures $before -> $after"
	[ $rc_c = 0 ] && [ $rc_s = 0 ] && [ "$after" -gt "$before" ] &&
		[ "$(grep -c 'sha256 ok' "$TMP/srv.log")" = 5 ]
}
check "5 pre-copy rounds of redis memory over netem, a stream killed: every round's sha256 matches" precopy_rounds

netns_pair_del
check "rmmod" rmmod_wait
finish
