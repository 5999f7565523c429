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
	check "rmmod" rmmod dwcp
	# Stay up until the peer is done with us.
	check "both guests done" barrier done
	finish
}
