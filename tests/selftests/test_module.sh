#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Module metadata, load/unload cycles, the family parameter, and unload while
# sockets are open.
source "$(dirname "$0")/lib.sh"

modinfo_has() { modinfo -F "$1" "$DWCP_KO" | grep -q -- "$2"; }
check "modinfo license GPL" modinfo_has license '^GPL$'
check "modinfo description" modinfo_has description 'AF_DWCP'
check "modinfo version" modinfo_has version '^[0-9]\+\.[0-9]\+\.[0-9]\+$'
check "modinfo documents the family parameter" modinfo_has parm '^family:'

cycles() {
	local i
	for ((i = 1; i <= 20; i++)); do
		load_dwcp || { echo "cycle $i: insmod failed"; return 1; }
		[ "$(cat /sys/module/dwcp/parameters/family)" = 19 ] ||
			{ echo "cycle $i: sysfs family is not 19"; return 1; }
		genl_has_dwcp || { echo "cycle $i: genl family missing"; return 1; }
		dwcp-socktest open-close 5 || { echo "cycle $i: sockets"; return 1; }
		rmmod dwcp || { echo "cycle $i: rmmod failed"; return 1; }
		! genl_has_dwcp || { echo "cycle $i: genl family left behind"; return 1; }
	done
}
check "20 load/unload cycles with sockets in between" cycles

alt_family() {
	load_dwcp family=25 || return 1
	[ "$(cat /sys/module/dwcp/parameters/family)" = 25 ] &&
		dwcp-socktest open-close 3 &&
		dwcpctl -j info | grep -q '"family":25'
	local rc=$?
	rmmod dwcp
	return $rc
}
check "family=25 loads, sockets and info use 25" alt_family

for bad in 0 2 10 16 46 1000 -1; do
	refused() {
		! load_dwcp family="$bad" && ! dwcp_loaded &&
			dmesg | tail -5 | grep -q "family=$bad refused"
	}
	check "family=$bad refused with a clear message" refused
done

# A live socket pins the module: rmmod must fail, then succeed after close.
pinned() {
	load_dwcp || return 1
	coproc HOLD { dwcp-socktest hold 3; }
	read -r line <&"${HOLD[0]}"
	[ "$line" = "holding 3" ] || { echo "socktest: $line"; return 1; }
	local inuse
	inuse=$(dwcp_inuse)
	if rmmod dwcp 2>"$TMP/rmmod.err"; then
		echo "rmmod succeeded with 3 sockets open"
		return 1
	fi
	grep -qi 'in use' "$TMP/rmmod.err" || { cat "$TMP/rmmod.err"; return 1; }
	exec {HOLD[1]}>&-
	wait "$HOLD_PID"
	[ "$inuse" = 3 ] || { echo "/proc/net/protocols says $inuse open, want 3"; return 1; }
	[ "$(dwcp_inuse)" = 0 ] || { echo "sockets left after close: $(dwcp_inuse)"; return 1; }
	rmmod dwcp
}
check "rmmod refused while sockets are open, clean after close" pinned

unload_dwcp 2>/dev/null
finish
