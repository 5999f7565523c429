#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Session behaviour beyond bulk transfer: non-blocking use with epoll, a
# hostile peer at the listener, options and DWCP_INFO, module unload with
# live sessions, a netns deleted under a live session.
source "$(dirname "$0")/lib.sh"

load_dwcp || { fail "insmod"; finish; }
netns_pair || { fail "netns"; finish; }

# ---- non-blocking client and server with epoll ----
S dwcp-epolltest server $SRV 6000 >"$TMP/echo.log" 2>&1 &
ECHO=$!
if wait_for "$TMP/echo.log" listening; then
	C dwcp-epolltest client $SRV 6000 8388608 | sed -u "s/^\(not \)\{0,1\}ok - /&$TEST: epoll: /"
	[ "${PIPESTATUS[0]}" = 0 ] || FAILED=1
else
	fail "epoll echo server did not start"
	diag <"$TMP/echo.log"
fi
pkill -x dwcp-epolltest
wait $ECHO 2>/dev/null

# ---- hostile peer at the listener ----
start_server || { fail "server"; finish; }
# hostile ACTION COUNTER [WANT_REPLY]: the counter goes up by one, and the
# server answers WANT_REPLY (a DECLINE reason, or "closed").
hostile() {
	local before after reply
	before=$(stat dwcp-srv "$2")
	reply=$(C timeout 60 python3 tests/selftests/hostile.py $SRV 5201 "$1")
	for _ in $(seq 50); do
		after=$(stat dwcp-srv "$2")
		[ "$after" -gt "$before" ] && break
		sleep 0.2
	done
	echo "$2: $before -> $after; server answered: $reply"
	[ "$after" = $((before + 1)) ] && { [ -z "${3:-}" ] || [ "$reply" = "$3" ]; }
}
check "garbage: refused and counted" hostile garbage RefusedVersion
check "bad CRC: refused and counted" hostile bad-crc RefusedBadCrc closed
check "oversized frame: refused before its payload" hostile oversize RefusedOversize closed
check "truncated hello: refused and counted" hostile truncated RefusedTruncated closed
check "other protocol version: declined (version)" hostile bad-version RefusedVersion "decline 1"
check "unknown frame type: refused" hostile unknown-type RefusedMalformed closed
check "join of no session: declined (no session)" hostile no-session RefusedNoSession "decline 3"
check "join with a bad proof: declined (bad proof)" hostile bad-proof RefusedBadProof "decline 4"
check "RESYNC in a byte-stream session: protocol error, the session ends" hostile resync ProtocolErrors closed
check "1025 small frames out of order: protocol error, the session ends" hostile small-flood ProtocolErrors closed
# An unprivileged user on both ends: listen, accept, connect, 4 streams,
# every byte verified (only policy changes need CAP_NET_ADMIN).
unprivileged_transfer() {
	local nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups" pid rc
	S $nobody dwcp-perf -s -1 -p 5211 >"$TMP/nobody-srv.log" 2>&1 &
	pid=$!
	wait_for "$TMP/nobody-srv.log" listening || return 1
	C $nobody timeout 120 dwcp-perf -c $SRV -p 5211 -n 16M -P 4 -j >"$TMP/nobody.json"
	rc=$?
	wait $pid
	cat "$TMP/nobody.json"
	[ $rc = 0 ] && [ "$(json_get "$TMP/nobody.json" verified)" = True ] &&
		[ "$(json_get "$TMP/nobody.json" streams_total)" = 4 ]
}
check "an unprivileged user on both ends: 16M over 4 streams, verified" unprivileged_transfer

# A listener whose accept queue holds its backlog declines (full).
backlog_full() {
	local before line reply
	before=$(stat dwcp-srv RefusedFull)
	coproc LSN { S dwcp-socktest listen 5210 1; }
	read -r line <&"${LSN[0]}"
	reply=$(C timeout 60 python3 tests/selftests/hostile.py $SRV 5210 backlog-full)
	exec {LSN[1]}>&-
	wait "$LSN_PID"
	echo "listener: $line; second hello: $reply; RefusedFull $before -> $(stat dwcp-srv RefusedFull)"
	[ "$line" = listening ] && [ "$reply" = "decline 5" ] &&
		[ "$(stat dwcp-srv RefusedFull)" -gt "$before" ]
}
check "backlog full: declined (full) and counted" backlog_full

still_serving() {
	C timeout 120 dwcp-perf -c $SRV -n 8M -P 4 | grep verified
}
check "the listener keeps serving after all that" still_serving

# ---- options and DWCP_INFO ----
info_and_options() {
	C timeout 120 dwcp-perf -c $SRV -n 16M -P 6 -C cubic --rate 50M --frame 16384 -j >"$TMP/opt.json" || return 1
	cat "$TMP/opt.json"
	python3 - "$TMP/opt.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verified"], "data"
assert d["streams_total"] == 6, d["streams_total"]
assert d["frames_sent"] >= 16 * 1024 * 1024 // 16384, d["frames_sent"]
assert d["goodput_bps"] < 50e6 * 8 * 1.3, "pacing at 50 MB/s exceeded"
PY
}
check "DWCP_STREAMS, DWCP_CONGESTION, DWCP_PACING_RATE, DWCP_FRAME_SIZE honoured" info_and_options
stop_server

# ---- close() with data in flight ----
# close_delivers NAME ARGS: the client closes right after its last send;
# the server must still get every byte.
close_delivers() {
	local name=$1
	shift
	start_server -1 || return 1
	C tc qdisc add dev veth-c root netem delay 20ms rate 200mbit
	C timeout 120 dwcp-perf -c $SRV -n 32M -P 4 --close "$@" || return 1
	wait_for "$TMP/server.log" "received" 300
	C tc qdisc del dev veth-c root
	cat "$TMP/server.log"
	stop_server
	grep -q "received 33554432 bytes, verified" "$TMP/server.log"
}
check "close() right after sending: the orphaned session delivers it all" close_delivers orphan
check "close() with SO_LINGER 30 s: delivered before close returns" close_delivers linger --linger 30

# SO_LINGER 0: close() resets the session at once, as TCP's does: the
# client's streams finish the frame they are writing and send a RESET; the
# receiver ends with ECONNRESET (counted in PeerResets), never with a clean
# end of the stream short of data.
linger_zero() {
	local resets0
	resets0=$(stat dwcp-srv PeerResets)
	start_server -1 || return 1
	C tc qdisc add dev veth-c root netem delay 20ms rate 200mbit
	C timeout 120 dwcp-perf -c $SRV -n 64M -P 4 --close --linger 0 || return 1
	wait_for "$TMP/server.log" "received\|recv:" 600
	C tc qdisc del dev veth-c root
	cat "$TMP/server.log"
	stop_server
	echo "server PeerResets $resets0 -> $(stat dwcp-srv PeerResets)"
	grep -q "recv: Connection reset by peer" "$TMP/server.log" &&
		! grep -q "received" "$TMP/server.log" &&
		[ "$(stat dwcp-srv PeerResets)" -gt "$resets0" ]
}
check "close() with SO_LINGER 0: the peer gets ECONNRESET at once, not an end" linger_zero

# ---- unload with a live session ----
unload_live() {
	start_server -1 || return 1
	C dwcp-perf -c $SRV -t 4 -P 2 >"$TMP/live.log" 2>&1 &
	local pid=$!
	sleep 1.5
	if rmmod dwcp 2>"$TMP/rmmod.err"; then
		echo "rmmod succeeded under a live session"
		return 1
	fi
	cat "$TMP/rmmod.err"
	wait $pid || { cat "$TMP/live.log"; return 1; }
	stop_server
	grep -q verified "$TMP/live.log"
}
check "rmmod refused while a session is live; the session completes" unload_live

settled() {
	local i s c
	for ((i = 0; i < 600; i++)); do
		s=$(S awk '$1 == "DWCP" { print $3 }' /proc/net/protocols)
		c=$(C awk '$1 == "DWCP" { print $3 }' /proc/net/protocols)
		[ "$s" = 0 ] && [ "$c" = 0 ] && { echo "settled after $((i / 5)) s"; return 0; }
		sleep 0.2
	done
	echo "server netns: $s sessions, client netns: $c"
	S cat /proc/net/dwcp_sessions
	C cat /proc/net/dwcp_sessions
	return 1
}
check "every session ends (orphans and aborted peers included)" settled

# ---- a payload corrupted past its header's CRC (DWCP_FRAME_F_PCRC) ----
# pcrc_corrupt COPY_CRC WANT: the module loaded with copy_crc COPY_CRC, a
# client sends three 8 KiB frames, the first corrupted after its CRCs were
# computed.  copy_crc 1: the server's reader checks the payload in its copy,
# asks for the frame again and acknowledges nothing from it on before; sent
# again, every byte is verified.  copy_crc 0: checked on arrival, the
# stream closes.  DataCrcErrors counts it once either way.
pcrc_corrupt() {
	local before after reply
	rmmod_wait && load_dwcp copy_crc="$1" && start_server || return 1
	before=$(stat dwcp-srv DataCrcErrors)
	reply=$(C timeout 60 python3 tests/selftests/hostile.py $SRV 5201 \
		pcrc-resend)
	after=$(stat dwcp-srv DataCrcErrors)
	stop_server
	echo "$reply; DataCrcErrors $before -> $after"
	[ "$after" = $((before + 1)) ] && [[ $reply =~ $2 ]]
}
check "F_PCRC payload corrupted, checked in the reader's copy: asked again, nothing after it acknowledged before, all verified" \
	pcrc_corrupt 1 '^resend 40 \(frame at 40\); highest ack before (0|40); server got 24576 of 24576 bytes, verified$'
check "F_PCRC payload corrupted, copy_crc=0: caught on arrival, the stream closes" \
	pcrc_corrupt 0 '^closed before a RESEND'
reload_default() { rmmod_wait && load_dwcp; }
check "module loaded again with the choices it makes" reload_default

# ---- a network namespace that goes away under a live session ----
# Every process of the client's netns is killed mid-transfer and the netns
# loses its link and its name: the orphaned session cannot reach the server
# and gives up, which frees the netns (the session held it); the server's
# session ends for want of streams, and the one-session server exits.
# Nothing is left: no DWCP socket, the module's references back where they
# were before, no kernel warning.
module_refs() { cat /sys/module/dwcp/refcnt; }
netns_gone() {
	local refs0 i s refs
	refs0=$(module_refs)
	start_server -1 || return 1
	C dwcp-perf -c $SRV -t 300 -P 4 >"$TMP/gone.log" 2>&1 &
	for ((i = 0; i < 100; i++)); do		# the session is accepted
		[ "$(S awk '$1 == "DWCP" { print $3 }' /proc/net/protocols)" -ge 2 ] && break
		sleep 0.1
	done
	sleep 2
	echo "module references: $refs0, $(module_refs) with the session"
	ip netns pids dwcp-cli | xargs -r kill -9
	ip -n dwcp-cli link del veth-c
	ip netns del dwcp-cli
	for ((i = 0; i < 180; i++)); do	# 60 s orphan timeout and more
		s=$(S awk '$1 == "DWCP" { print $3 }' /proc/net/protocols)
		refs=$(module_refs)
		if [ "$s" = 0 ] && [ "$refs" = "$refs0" ] && ! kill -0 "$SERVER" 2>/dev/null; then
			echo "all gone after about $i s"
			stop_server
			! dmesg | grep -E "WARNING|BUG:|refcount_t"
			return
		fi
		sleep 1
	done
	echo "after 180 s: server netns $s DWCP sockets, module references $refs"
	S cat /proc/net/dwcp_sessions
	stop_server
	return 1
}
check "client netns deleted under a live session: all of it goes away" netns_gone

netns_pair_del
check "rmmod once all sessions are closed" rmmod_wait
finish
