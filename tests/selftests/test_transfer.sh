#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Data over AF_DWCP between two network namespaces: every byte verified by
# dwcp-perf, both directions, 1 to 64 streams, a lossy reordering link, a
# stream killed mid-transfer, many sessions at once.
source "$(dirname "$0")/lib.sh"

SIZE=${DWCP_TEST_SIZE:-256M}
load_dwcp || { fail "insmod"; finish; }
netns_pair || { fail "netns"; finish; }
start_server || { fail "server"; cat "$TMP/server.log"; finish; }

# transfer NAME ARGS...: one verified transfer; NAME.json keeps the result.
transfer() {
	local name=$1
	shift
	if ! C timeout "${DWCP_TRANSFER_TIMEOUT:-150}" dwcp-perf -c $SRV -j "$@" >"$TMP/$name.json"; then
		dump_pair
		return 1
	fi
	[ "$(json_get "$TMP/$name.json" verified)" = True ] && cat "$TMP/$name.json"
}

# transfer_n NAME STREAMS ARGS...: as transfer, and STREAMS were granted.
transfer_n() {
	local name=$1 p=$2
	shift 2
	transfer "$name" -P "$p" "$@" &&
		[ "$(json_get "$TMP/$name.json" streams_total)" = "$p" ]
}

for p in ${DWCP_TEST_STREAMS:-1 4 16 64}; do
	check "$SIZE client to server, $p streams, verified" transfer_n up$p "$p" -n "$SIZE"
	check "$SIZE server to client, $p streams, verified" transfer_n down$p "$p" -n "$SIZE" -R
done

# dwcp-perf's receiver-side figures: first to last byte, and -O (iperf3's
# --omit): a 2 s run measured after its first second has steady bytes, a
# 1M transfer with 100 s omitted has none.
receiver_timing() {
	transfer omit1 -t 2 -O 1 && transfer omit100 -n 1M -O 100 &&
		python3 - "$TMP/omit1.json" "$TMP/omit100.json" <<'END'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert 0 < a["steady_goodput_bps"] and 0 < a["rx_goodput_bps"], a
assert a["omit_seconds"] == 1 and b["omit_seconds"] == 100, (a, b)
assert b["steady_goodput_bps"] == 0 < b["rx_goodput_bps"], b
END
}
check "dwcp-perf: receiver timing and -O" receiver_timing

ipv6() {
	S ip addr add 2001:db8::1/64 dev veth-s nodad &&
		C ip addr add 2001:db8::2/64 dev veth-c nodad || return 1
	S dwcp-perf -s -B :: -p 5203 >"$TMP/server6.log" 2>&1 &
	wait_for "$TMP/server6.log" listening || return 1
	C timeout 120 dwcp-perf -c 2001:db8::1 -p 5203 -n 32M -P 4 -j >"$TMP/v6.json"
	local rc=$?
	pkill -f "dwcp-perf -s -B ::"
	cat "$TMP/v6.json"
	[ $rc = 0 ] && [ "$(json_get "$TMP/v6.json" verified)" = True ] &&
		[ "$(json_get "$TMP/v6.json" streams_total)" = 4 ]
}
check "IPv6: 32M over 4 streams, verified" ipv6

# A receiver whose buffer is below the sender's frame size (SO_RCVBUF 16
# KiB, doubled by the kernel, against 64 KiB frames): a frame goes alone
# once nothing is outstanding instead of waiting for a window it cannot fit.
small_rcvbuf() {
	DWCP_TRANSFER_TIMEOUT=120 transfer smallbuf -n 4M -P 2 -R --rcvbuf 16384
}
check "4M server to client into a 16 KiB SO_RCVBUF (below the 64 KiB frames), verified" small_rcvbuf

# The receiver shrinks SO_RCVBUF once its 32 MiB window went out: the
# sender keeps the widest window it saw, and the receiver holds what that
# let in (it is not a peer ignoring the window).
shrunk_rcvbuf() {
	transfer shrunk -n 128M -P 4 -R --idle 1 --shrink-rcvbuf 64K
}
check "128M server to client, SO_RCVBUF shrunk to 64 KiB after the first window: verified, no protocol error" shrunk_rcvbuf

streams_used() {
	transfer used -n 64M -P 8 || return 1
	python3 - "$TMP/used.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
busy = [s for s in d["per_stream"] if s["bytes_sent"] > 1 << 20]
print(f"{len(busy)} of {d['streams_total']} streams carried > 1 MiB, "
      f"{d['stream_joins']} joins")
sys.exit(0 if d["streams_total"] == 8 and d["stream_joins"] == 7 and
         len(busy) >= 2 else 1)
PY
}
check "data is striped over the streams" streams_used

netem() {
	C tc qdisc add dev veth-c root netem delay 50ms 10ms loss 1% reorder 5% duplicate 1% &&
		S tc qdisc add dev veth-s root netem delay 50ms 10ms loss 1% reorder 5% duplicate 1%
}
default_streams() {
	# $1: expected range of the kernel's choice, "lo hi"
	transfer "auto-$1" -n 4M || return 1
	local n
	n=$(json_get "$TMP/auto-$1.json" streams_total)
	echo "kernel chose $n streams"
	[ "$n" -ge "$1" ] && [ "$n" -le "$2" ]
}
check "default stream count on veth (RTT ~0): 4" default_streams 4 4
check "netem: 50 ms, 1 % loss, reorder, duplication" netem
# 4 + handshake RTT / 10 ms: 12..16 at 80..120 ms.  netem's "reorder 5%"
# sends a packet without its delay, so a handshake sample may be one way's
# delay only, 40..60 ms with the 10 ms jitter (seen: 10 streams once, 8
# once); still twice veth's 4.
check "default stream count at 100 ms RTT: 8..16" default_streams 8 16
check "32M up over netem, 8 streams, verified" transfer netem-up -n 32M -P 8
check "32M down over netem, 8 streams, verified" transfer netem-down -n 32M -P 8 -R
C tc qdisc del dev veth-c root 2>/dev/null
S tc qdisc del dev veth-s root 2>/dev/null

# Frames normally stay in TCP's skbs until the reader copies them out.  In
# small pieces (one MSS per skb: no GSO on the sender, 100 Mbit/s so they
# arrive one by one) a 64 KiB frame would pin dozens of skbs, so the
# receiver copies it into a buffer of its own instead (RxFramesCopied).
small_pieces() {
	local before after rc
	before=$(stat dwcp-srv RxFramesCopied)
	C ip link set dev veth-c gso_max_segs 1
	C tc qdisc add dev veth-c root netem rate 100mbit
	transfer pieces -n 16M -P 2
	rc=$?
	C tc qdisc del dev veth-c root
	C ip link set dev veth-c gso_max_segs 65535
	after=$(stat dwcp-srv RxFramesCopied)
	echo "RxFramesCopied $before -> $after"
	[ $rc = 0 ] && [ "$after" -gt "$before" ]
}
check "16M in one-MSS skbs: frames copied on receipt (counted), verified" small_pieces

# Byte streams: compressible data over a 200 Mbit/s link goes zstd-framed
# (the codec's measured choice), incompressible data and DWCP_CODEC 0 not.
compression() {
	local out=$TMP/z.json rc
	C tc qdisc add dev veth-c root netem delay 2ms rate 200mbit
	C timeout 300 dwcp-perf -c $SRV -j -n 64M -P 4 --compressible >"$out"
	rc=$?
	C tc qdisc del dev veth-c root
	cat "$out"
	[ $rc = 0 ] && [ "$(json_get "$out" verified)" = True ] &&
		python3 - "$out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("frames compressed", d["frames_compressed"], "of", d["frames_sent"],
      "bytes", d["compressed_in"], "->", d["compressed_out"])
sys.exit(not (d["frames_compressed"] > d["frames_sent"] // 2 and
              d["compressed_out"] * 10 < d["compressed_in"]))
PY
}
check "compressible 64M over 200 Mbit/s: most frames zstd-compressed, verified" compression

no_compression() {
	local a=$TMP/n1.json b=$TMP/n2.json
	C dwcp-perf -c $SRV -j -n 16M -P 2 >"$a" &&
		C dwcp-perf -c $SRV -j -n 16M -P 2 --compressible --codec 0 >"$b" || return 1
	cat "$a" "$b"
	[ "$(json_get "$a" verified)" = True ] && [ "$(json_get "$b" verified)" = True ] &&
		[ "$(json_get "$b" frames_compressed)" = 0 ] &&
		[ "$(json_get "$a" frames_compressed)" -lt 4 ]
}
check "random data is (nearly) never compressed, DWCP_CODEC 0 never" no_compression

# Kill one stream's TCP connection (ss -K) while data flows.
kill_stream() {
	local before after mon
	before=$(stat dwcp-cli StreamFailures)
	C dwcpctl -j monitor >"$TMP/kill-events.json" &
	mon=$!
	sleep 1		# subscribed before the first stream comes up
	# 100 Mbit/s: the 128 MB take about 10 s, the kill comes after 3
	C tc qdisc add dev veth-c root netem delay 5ms rate 100mbit
	C timeout 300 dwcp-perf -c $SRV -j -n 128M -P 4 >"$TMP/kill.json" &
	local pid=$!
	sleep 3
	# the second established connection to the server port
	local port
	port=$(C ss -tnH state established "( dport = :5201 )" | awk 'NR == 2 { split($3, a, ":"); print a[2] }')
	echo "killing the stream from local port $port"
	[ -n "$port" ] && C ss -K -tn "( sport = :$port )" >/dev/null
	wait $pid
	local rc=$?
	kill $mon
	wait $mon
	C tc qdisc del dev veth-c root
	after=$(stat dwcp-cli StreamFailures)
	cat "$TMP/kill.json"
	echo "StreamFailures $before -> $after"
	[ $rc = 0 ] && [ "$(json_get "$TMP/kill.json" verified)" = True ] &&
		[ "$after" -gt "$before" ] || return 1
	# the events: the killed stream went down with an error, came back up
	grep stream- "$TMP/kill-events.json"
	python3 - "$TMP/kill-events.json" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
down = [e for e in ev if e["event"] == "stream-down"]
assert down and all(e["error"] > 0 for e in down), down
d = down[0]
assert any(e["event"] == "stream-up" and e["id"] == d["id"] and
           e["stream"] == d["stream"] and e["time_ns"] > d["time_ns"]
           for e in ev), "no stream-up after the stream-down"
PY
}
check "a stream killed mid-transfer: nothing lost, failure counted, stream-down and stream-up events" kill_stream

many_sessions() {
	local i pids=() rc=0
	for ((i = 0; i < 64; i++)); do
		C timeout 120 dwcp-perf -c $SRV -n 1M -P 2 >"$TMP/many.$i" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || { rc=1; cat "$TMP/many.$i"; }
	done
	[ $rc = 0 ] && [ "$(cat "$TMP"/many.* | grep -c verified)" = 64 ]
}
check "64 concurrent sessions, all verified" many_sessions

stop_server
sleep 1
settled() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(dwcp_inuse)" = 0 ] && [ "$(ip netns exec dwcp-srv awk '$1 == "DWCP" { print $3 }' /proc/net/protocols)" = 0 ] &&
			[ "$(ip netns exec dwcp-cli awk '$1 == "DWCP" { print $3 }' /proc/net/protocols)" = 0 ] && return 0
		sleep 0.2
	done
	for n in dwcp-srv dwcp-cli; do
		echo "$n: $(ip netns exec $n awk '$1 == "DWCP" { print $3 }' /proc/net/protocols) sessions"
	done
	return 1
}
check "every session is gone after the transfers" settled
for n in dwcp-srv dwcp-cli; do
	ip netns exec $n cat /proc/net/dwcp_stat | grep -v ' 0$' | diag
done
netns_pair_del
check "rmmod" rmmod dwcp
finish
