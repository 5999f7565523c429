#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# socket() in AF_DWCP, errors of the operations not built yet, other families
# unaffected, network namespaces and unprivileged users.
source "$(dirname "$0")/lib.sh"

load_dwcp || { fail "insmod"; finish; }

# dwcp-socktest prints its own TAP lines; prefix them with the test name.
dwcp-socktest basic | sed -u "s/^\(not \)\{0,1\}ok - /&$TEST: /"
[ "${PIPESTATUS[0]}" = 0 ] || FAILED=1

# Sends from memory that faults, in both ways of copying (copy_crc): the
# one the module chose at load, and the other.
faulting_sends() {
	local copy_crc=$(cat /sys/module/dwcp/parameters/copy_crc) rc=0
	ip netns add dwcp-fault || return 1
	ip -n dwcp-fault link set lo up
	echo "module chose copy_crc=$copy_crc"
	ip netns exec dwcp-fault dwcp-socktest efault 5010 || rc=1
	rmmod_wait && load_dwcp copy_crc=$((1 - copy_crc)) &&
		[ "$(cat /sys/module/dwcp/parameters/copy_crc)" = $((1 - copy_crc)) ] &&
		ip netns exec dwcp-fault dwcp-socktest efault 5011 || rc=1
	ip netns del dwcp-fault
	rmmod_wait && load_dwcp || rc=1
	return $rc
}
check "sends from memory that faults: EFAULT, nothing of them sent" faulting_sends

# close() with data unread resets the peer's session (a RESET frame); and
# both ends at once: every session ends, no warning.
unread_close() {
	local i n resets
	ip netns add dwcp-unread || return 1
	ip -n dwcp-unread link set lo up
	ip netns exec dwcp-unread dwcp-socktest unread-close 5020 || { ip netns del dwcp-unread; return 1; }
	for ((i = 0; i < 100; i++)); do
		n=$(ip netns exec dwcp-unread awk '$1 == "DWCP" { print $3 }' /proc/net/protocols)
		[ "$n" = 0 ] && break
		sleep 0.2
	done
	resets=$(stat dwcp-unread PeerResets)
	ip netns del dwcp-unread
	echo "DWCP sockets left: $n, PeerResets: $resets"
	[ "$n" = 0 ] && [ "${resets:-0}" -ge 2 ] && ! dmesg | grep -E "WARNING|BUG:"
}
check "close() with data unread: the peer gets ECONNRESET; both ends at once end too" unread_close

# (net.core.wmem_max is global: raised for the 4 MiB case, then restored)
buffers() {
	local rc=0 wmem_max
	wmem_max=$(sysctl -n net.core.wmem_max)
	sysctl -qw net.core.wmem_max=8388608 || return 1
	ip netns add dwcp-buf || return 1
	ip -n dwcp-buf link set lo up
	ip netns exec dwcp-buf dwcp-socktest buffers 5030 || rc=1
	ip netns del dwcp-buf
	sysctl -qw net.core.wmem_max="$wmem_max"
	return $rc
}
check "non-blocking accept: EAGAIN; SO_SNDBUF bounds the send queue" buffers

check "an unprivileged user creates DWCP sockets" as_nobody dwcp-socktest open-close 10

# A privileged port needs CAP_NET_BIND_SERVICE at bind(), as for TCP: the
# client's first stream binds it later in a kernel worker.
privileged_port() {
	local nobody80 nobody5000 root80
	nobody80=$(as_nobody dwcp-socktest bind 80)
	nobody5000=$(as_nobody dwcp-socktest bind 5000)
	root80=$(dwcp-socktest bind 80)
	echo "nobody 80: $nobody80, nobody 5000: $nobody5000, root 80: $root80"
	[ "$nobody80" = "bind: EACCES" ] && [ "$nobody5000" = "bind: 0" ] &&
		[ "$root80" = "bind: 0" ]
}
check "bind to a privileged port: EACCES without CAP_NET_BIND_SERVICE" privileged_port

netns_sockets() {
	ip netns add dwcp-t1 || return 1
	ip netns exec dwcp-t1 dwcp-socktest open-close 10 || return 1
	coproc HOLD { ip netns exec dwcp-t1 dwcp-socktest hold 4; }
	read -r line <&"${HOLD[0]}"
	local in_ns in_init
	in_ns=$(ip netns exec dwcp-t1 awk '$1 == "DWCP" { print $3 }' /proc/net/protocols)
	in_init=$(dwcp_inuse)
	exec {HOLD[1]}>&-
	wait "$HOLD_PID"
	ip netns del dwcp-t1
	echo "line=$line in_ns=$in_ns in_init=$in_init"
	[ "$line" = "holding 4" ] && [ "$in_ns" = 4 ] && [ "$in_init" = 0 ]
}
check "sockets live in their netns and are counted there" netns_sockets

many() {
	dwcp-socktest open-close 2000 && [ "$(dwcp_inuse)" = 0 ]
}
check "2000 socket/close cycles leave no socket behind" many

check "rmmod after all sockets closed" rmmod dwcp
finish
