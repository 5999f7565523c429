#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# HDE benchmark inside the guest (tests/bench/records boots it): the redis
# pre-copy rounds as keyed records over a 200 Mbit/s, 5 ms netem link, with
# HDE (kernel's codec choice; zstd 3 forced; both with 128 MiB baselines)
# and without (no baselines, no compression).  The server notes when each
# round arrived and does not hash it (the selftest checks the contents; in
# this TCG guest hashing 256 MiB per round would dominate the timing).
set -u
source tests/selftests/lib.sh >/dev/null
DATA=$PWD/../shared/data/vmmem/redis

load_dwcp || exit 1
netns_pair || exit 1
S sysctl -qw net.dwcp.hde_store_bytes=$((128 << 20))
C sysctl -qw net.dwcp.hde_store_bytes=$((128 << 20))
C tc qdisc add dev veth-c root netem delay 5ms rate 200mbit

run() {
	local name=$1 port=$2
	shift 2
	S dwcp-records server "$port" "$DATA" nocheck >"$TMP/$name.srv" 2>&1 &
	local srv=$!
	wait_for "$TMP/$name.srv" listening 600 || return 1
	C dwcp-records client $SRV "$port" "$DATA" 4 "$@" >"$TMP/$name.cli" 2>&1
	wait $srv
	echo "== $name"
	cat "$TMP/$name.cli" "$TMP/$name.srv"
}
run hde 7301 -1 $((128 << 20))
run zstd3 7302 2 $((128 << 20))
run raw 7303 0 0
