# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared by twonode_a.sh and twonode_b.sh: each guest loads dwcp and reaches
# the other over the virtual link.
TEST=twonode-$DWCP_NODE
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

reach_peer() {
	local i
	# The peer boots in parallel: keep trying for a bounded while.
	for ((i = 0; i < 60; i++)); do
		ping -c 1 -W 1 "$DWCP_PEER_IP" >/dev/null 2>&1 && return 0
	done
	ip addr show dev eth0
	return 1
}

twonode_checks() {
	check "eth0 is up with $DWCP_LOCAL_IP" ip -br addr show dev eth0
	check "both guests booted" barrier booted
	check "reaches the peer $DWCP_PEER_IP over the virtual link" reach_peer
	check "loads dwcp.ko" load_dwcp
	check "dwcpctl info" dwcpctl info
	if [ "$DWCP_NODE" = 1 ]; then
		dwcp-perf -s -1 >"$TMP/server.log" 2>&1 &
		local server=$!
		check "server up" wait_for "$TMP/server.log" listening
		check "peer ready" barrier server-up
		served() { wait $server; cat "$TMP/server.log"; grep -q "received 67108864 bytes, verified" "$TMP/server.log"; }
		check "64 MiB from the other guest over 4 streams, verified" served
	else
		check "peer ready" barrier server-up
		across() { timeout 300 dwcp-perf -c "$DWCP_PEER_IP" -n 64M -P 4 | tee /dev/stderr | grep -q verified; }
		check "64 MiB to the other guest over 4 streams, verified" across
	fi
	check "rmmod once the sessions are done" rmmod_wait
	# Stay up until the peer is done with us.
	check "both guests done" barrier done
	finish
}
