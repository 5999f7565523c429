#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Netlink control of live sessions: session-get (do and dump, per-stream
# nests), session-set (pacing, codec, streams, congestion control) with its
# privilege and errors, netns isolation, and malformed requests.
source "$(dirname "$0")/lib.sh"

load_dwcp || { fail "insmod"; finish; }
netns_pair || { fail "netns"; finish; }
start_server || { fail "server"; cat "$TMP/server.log"; finish; }

empty_dump() {
	local out
	out=$(dwcpctl -j sessions) && echo "$out" && [ "$out" = "[]" ]
}
check "sessions in a netns without sessions: an empty list" empty_dump

# A paced 4-stream transfer that lasts while we look at it (at 4 MB/s, then
# 1 MB/s, 4 MB/s again from change_frame: longer than the checks;
# finish_transfer lifts the pacing).
C dwcp-perf -c $SRV -j -P 4 -n 256M --rate 4000000 >"$TMP/perf.json" 2>"$TMP/perf.err" &
PERF=$!

# client_session: the id of the client's established session, in $ID.
client_session() {
	local i
	for i in $(seq 50); do
		C dwcpctl -j sessions >"$TMP/s.json" 2>&1
		ID=$(python3 - "$TMP/s.json" <<'PY'
import json, sys
for s in json.load(open(sys.argv[1])):
    if s["state"] == "established" and s["streams_total"] == 4 and s["streams_up"] == 4:
        print(s["id"])
PY
)
		[ -n "$ID" ] && return 0
		sleep 0.2
	done
	cat "$TMP/s.json"
	return 1
}
check "dump lists the live client session with its 4 streams up" client_session

session_details() {
	C dwcpctl -j session "$ID" >"$TMP/one.json" || return 1
	cat "$TMP/one.json"
	python3 - "$TMP/one.json" "$ID" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["id"] == int(sys.argv[2]), s
assert s["peer"] == "198.18.1.1:5201", s["peer"]
assert s["pacing_rate"] == 4000000, s["pacing_rate"]
assert len(s["streams"]) == 4, s["streams"]
assert sorted(st["index"] for st in s["streams"]) == [0, 1, 2, 3]
for st in s["streams"]:
    assert st["up"] and st["cc"] and st["rtt_us"] > 0, st
# paced, the least-delay scheduler may keep to the fastest stream: only
# the sum over the streams must show the data
assert s["bytes_sent"] > 0 and s["frames_sent"] > 0, s
assert sum(st["bytes_sent"] for st in s["streams"]) > 0, s
PY
}
check "session-get: address, pacing, per-stream figures" session_details

text_verbose() {
	C dwcpctl -v sessions | tee "$TMP/v.txt" &&
		[ "$(grep -c '^    stream [0-3] up' "$TMP/v.txt")" -ge 4 ]
}
check "sessions -v prints a line per stream" text_verbose

set_policy() {
	C dwcpctl policy set "$ID" pacing 1000000 codec 0 || return 1
	C dwcpctl -j session "$ID" >"$TMP/after.json" || return 1
	[ "$(json_get "$TMP/after.json" pacing_rate)" = 1000000 ] &&
		[ "$(json_get "$TMP/after.json" codec)" = 0 ]
}
check "policy set: pacing and codec change the live session" set_policy

bad_codec() {
	local rc=0
	C dwcpctl policy set "$ID" codec 7 2>"$TMP/err" || rc=$?
	cat "$TMP/err"
	[ "$rc" = 1 ] && grep -q 'Numerical result out of range\|Invalid argument' "$TMP/err" &&
		[ "$(C dwcpctl -j session "$ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["codec"])')" = 0 ]
}
check "policy set codec 7: refused, the session unchanged" bad_codec

unknown_id() {
	local rc=0
	C dwcpctl session 999999999 2>"$TMP/err" || rc=$?
	cat "$TMP/err"
	[ "$rc" = 1 ] && grep -q 'No such file or directory: no session' "$TMP/err"
}
check "an unknown session id: ENOENT with the kernel's reason" unknown_id

unprivileged() {
	local rc=0
	C setpriv --reuid=nobody --regid=nogroup --clear-groups dwcpctl -j sessions | grep -q "\"id\":$ID" || return 1
	C setpriv --reuid=nobody --regid=nogroup --clear-groups \
		dwcpctl policy set "$ID" pacing 5 2>"$TMP/err" || rc=$?
	cat "$TMP/err"
	[ "$rc" = 1 ] && grep -q 'Operation not permitted' "$TMP/err" &&
		grep -q 'CAP_NET_ADMIN' "$TMP/err" &&
		[ "$(json_get "$TMP/after.json" pacing_rate)" = 1000000 ]
}
check "unprivileged: may list sessions, policy set gets EPERM" unprivileged

# wait_up N: the client session has N streams up and N in use (20 s bound).
wait_up() {
	local i
	for i in $(seq 100); do
		C dwcpctl -j session "$ID" >"$TMP/st.json" 2>/dev/null &&
			[ "$(json_get "$TMP/st.json" streams_up)" = "$1" ] &&
			[ "$(json_get "$TMP/st.json" streams_total)" = "$1" ] && return 0
		sleep 0.2
	done
	cat "$TMP/st.json"
	return 1
}

# Fewer streams, then more, while the data flows: the surplus closes
# cleanly on both ends (retired, not failed), the missing ones join again.
change_streams() {
	retire_mark
	C dwcpctl policy set "$ID" streams 2 && wait_up 2 || return 1
	echo "2 streams up"
	C dwcpctl policy set "$ID" streams 4 && wait_up 4 || return 1
	echo "4 streams up again"
	retired_cleanly 2
}
check "policy set streams 2 then 4 mid-transfer: 2 retire cleanly, 2 join again" change_streams

streams_refused() {
	local rc=0 sid
	C dwcpctl policy set "$ID" streams 5 2>"$TMP/err" || rc=$?
	cat "$TMP/err"
	[ "$rc" = 1 ] && grep -q 'above the streams the peer granted' "$TMP/err" || return 1
	sid=$(S dwcpctl -j sessions | python3 -c '
import json, sys
print([s["id"] for s in json.load(sys.stdin) if s["state"] == "established"][0])')
	rc=0
	S dwcpctl policy set "$sid" streams 2 2>"$TMP/err" || rc=$?
	cat "$TMP/err"
	[ "$rc" = 1 ] && grep -q 'only the connecting side opens streams' "$TMP/err"
}
check "streams above the grant, or on the accepting side: refused with the reason" streams_refused

# every up stream's congestion control, sorted and unique
session_ccs() {
	C dwcpctl -j session "$ID" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(s["congestion"] or "-", " ".join(sorted({t["cc"] for t in s["streams"] if t["up"]})))'
}

change_cc() {
	local got
	C dwcpctl policy set "$ID" cc reno || return 1
	got=$(session_ccs)
	echo "cc reno: $got"
	[ "$got" = "reno reno" ] || return 1
	C dwcpctl policy set "$ID" cc auto || return 1
	got=$(session_ccs)
	echo "cc auto: $got"
	[ "$got" = "- bbr" ] || [ "$got" = "- cubic" ]
}
check "policy set cc reno, then auto: every stream follows, then the mode's choice" change_cc

cc_unknown() {
	local rc=0
	C dwcpctl policy set "$ID" cc nosuchcc 2>"$TMP/err" || rc=$?
	cat "$TMP/err"
	[ "$rc" = 1 ] && grep -q 'No such file or directory: congestion control not available' "$TMP/err"
}
check "policy set cc of an unknown algorithm: ENOENT with the reason" cc_unknown

# frames_bytes: "FRAMES BYTES SIZE MAX": data frames and bytes sent so far,
# the frame size and the most a policy may set.
frames_bytes() {
	C dwcpctl -j session "$ID" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(s["frames_sent"], s["bytes_sent"], s["frame_size"], s["frame_size_max"])'
}

# The frame size is the policy's while the application left it alone; it
# applies to data queued from then on: the frames measured are those sent
# after two send buffers (32 MiB each) went out since the change.
change_frame() {
	local f0 b0 f1 b1 size max bc fc end
	read -r fc bc size max <<<"$(frames_bytes)"
	echo "frame size $size, a policy may set up to $max"
	[ "$size" = 65536 ] && [ "$max" = 1048576 ] || return 1
	C dwcpctl policy set "$ID" pacing 4000000 frame 16384 || return 1
	end=$((SECONDS + 60))
	while read -r f0 b0 size max <<<"$(frames_bytes)" &&
		[ $((b0 - bc)) -lt $((64 << 20)) ] && [ $SECONDS -lt $end ]; do
		sleep 0.5
	done
	echo "since the change: $((b0 - bc)) bytes sent, $((f0 - fc)) frames"
	sleep 2
	read -r f1 b1 size max <<<"$(frames_bytes)"
	echo "frame size $size: $((f1 - f0)) frames, $((b1 - b0)) bytes in 2 s"
	[ "$size" = 16384 ] && [ $((f1 - f0)) -gt 0 ] &&
		[ $(((b1 - b0) / (f1 - f0))) -le 16384 ]
}
check "policy set frame 16384: session-get shows it, new data goes in frames of at most 16 KiB" change_frame

isolation() {
	# the server netns sees its accepted session, not the client's id
	S dwcpctl -j sessions >"$TMP/srv.json" || return 1
	! grep -q "\"id\":$ID," "$TMP/srv.json" && grep -q '"state":"established"' "$TMP/srv.json" &&
		! dwcpctl -j sessions | grep -q established
}
check "each netns dumps only its own sessions" isolation

malformed() {
	C python3 tests/selftests/genl_fuzz.py 3000 "${DWCP_SEED:-1}" || return 1
	# whatever defaults-set accepted, the netns's defaults stay consistent
	C dwcpctl -j defaults | tee /dev/stderr | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["dc_rtt_us"] <= d["inet_rtt_us"] and d["dc_loss_ppm"] <= d["inet_loss_ppm"], d
assert 1 <= d["enter_pct"] <= 100 and 1 <= d["leave_pct"] <= 100 and d["cooldown_ms"] <= 600000, d'
}
check "3000 malformed netlink requests: errors, never a session-set success, consistent defaults, no oops" malformed

# A slow guest may spend so long in the checks above that the transfer
# has ended: its session is then gone (ENOENT), which is fine.
finish_transfer() {
	C dwcpctl policy set "$ID" pacing 0 2>"$TMP/err" ||
		grep -q 'no session with this id' "$TMP/err" ||
		{ cat "$TMP/err"; return 1; }
	wait $PERF || { cat "$TMP/perf.err"; return 1; }
	[ "$(json_get "$TMP/perf.json" verified)" = True ]
}
check "the transfer ends verified after the changes" finish_transfer

stop_server
netns_pair_del
check "rmmod" rmmod_wait
finish
