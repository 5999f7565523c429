#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Inside the test guest for tests/bench/crc-share: rounds of dwcp.ko, the
# no-CRC build and TCP, 1 stream over veth; the receiver's rate after 2 s.
set -u
source tests/selftests/lib.sh >/dev/null
ROUNDS=${1:-3}
SECS=${2:-10}

netns_pair || exit 1
S dwcp-perf -s --tcp -p 5202 >"$TMP/tcpserver.log" 2>&1 &
wait_for "$TMP/tcpserver.log" listening || exit 1

# rate ARGS...: the receiver's Mbit/s after 2 s; "bad" unless verified.
rate() {
	C dwcp-perf -c $SRV -j -O 2 -t "$SECS" "$@" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(round(d["steady_goodput_bps"] / 1e6) if d["verified"] else "bad")'
}

# one KO CRC [PARAM...]: AF_DWCP Mbit/s with module KO loaded (with PARAMs),
# which must have chosen CRC32C implementation CRC ("none" for the no-CRC
# build).
one() {
	local r crc ko=$1 want=$2
	shift 2
	DWCP_KO=$ko load_dwcp "$@" || return 1
	crc=$(cat /sys/module/dwcp/parameters/crc32c_driver)
	case "$crc" in
	none) [ "$want" = none ] ;;
	*) [ "$want" != none ] ;;
	esac || { echo "crc-share: $ko uses crc32c_driver $crc" >&2; return 1; }
	start_server || return 1
	r=$(rate)
	stop_server
	S dwcp-perf -s --tcp -p 5202 >"$TMP/tcpserver.log" 2>&1 &
	wait_for "$TMP/tcpserver.log" listening
	rmmod_wait
	echo "$r"
}

DWCP_KO=$PWD/dwcp.ko load_dwcp || exit 1
echo "dwcp.ko chose crc32c_driver $(cat /sys/module/dwcp/parameters/crc32c_driver)," \
	"copy_crc $(cat /sys/module/dwcp/parameters/copy_crc)"
rmmod_wait
for ((i = 1; i <= ROUNDS; i++)); do
	with=$(one "$PWD/dwcp.ko" any) &&
		apart=$(one "$PWD/dwcp.ko" any copy_crc=0) &&
		without=$(one "$PWD/build/bench/nocrc/dwcp.ko" none) &&
		tcp=$(rate --tcp -p 5202) || exit 1
	echo "round $i: AF_DWCP $with, copy and CRC apart $apart," \
		"without CRC32C $without, TCP $tcp Mbit/s"
	echo "$with $apart $without $tcp" >>"$TMP/rounds"
done
awk '{ w += $1 / $4; a += $2 / $4; n += $3 / $4; r++ }
     END { printf "mean AF_DWCP / TCP %.2f, copy and CRC apart %.2f, without CRC32C %.2f (%d rounds)\n", w / r, a / r, n / r, r }' "$TMP/rounds"
stop_server
pkill -x dwcp-perf
netns_pair_del
