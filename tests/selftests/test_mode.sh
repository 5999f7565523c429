#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Mode detection on a live transfer: the path changes under it (netem from
# 0.2 ms to 80 ms and 1 % loss, then back); the session goes datacenter ->
# internet -> datacenter, the mode-changed events carry the measurements
# that caused them, the streams' congestion control and the kernel's stream
# count follow the mode, datacenter mode falls back to TCP (no RDMA) with
# one fallback event per entry, and every byte arrives.  Also: per-netns
# defaults, forced modes, privileges.
source "$(dirname "$0")/lib.sh"

modprobe -q tcp_bbr
load_dwcp || { fail "insmod"; finish; }
netns_pair || { fail "netns"; finish; }
start_server || { fail "server"; cat "$TMP/server.log"; finish; }

defaults_are_product_defaults() {
	C dwcpctl -j defaults | tee "$TMP/def.json" &&
		python3 - "$TMP/def.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
want = dict(mode="auto", dc_rtt_us=10000, inet_rtt_us=50000, dc_bw=125000000,
            inet_bw=125000000, dc_loss_ppm=1000, inet_loss_ppm=10000,
            enter_pct=70, leave_pct=60, cooldown_ms=3000)
assert d == want, d
PY
}
check "defaults-get: the product defaults" defaults_are_product_defaults

unprivileged_refused() {
	local rc=0
	C setpriv --reuid=nobody --regid=nogroup --clear-groups \
		dwcpctl mode set default internet 2>"$TMP/err" || rc=$?
	cat "$TMP/err"
	[ $rc = 1 ] && grep -q 'Operation not permitted' "$TMP/err" &&
		grep -q 'needs CAP_NET_ADMIN' "$TMP/err"
}
check "unprivileged mode set: EPERM with a clear message" unprivileged_refused

inconsistent_refused() {
	local rc=0
	C dwcpctl defaults set dc-rtt-us 60000 2>"$TMP/err" || rc=$?
	cat "$TMP/err"
	[ $rc = 1 ] && grep -q 'dc-rtt-us must not exceed inet-rtt-us' "$TMP/err" &&
		[ "$(C dwcpctl -j defaults | python3 -c 'import json,sys; print(json.load(sys.stdin)["dc_rtt_us"])')" = 10000 ]
}
check "defaults-set dc-rtt-us above inet-rtt-us: EINVAL naming it, nothing changed" inconsistent_refused

out_of_range_refused() {
	local rc=0
	C dwcpctl defaults set enter-pct 101 2>"$TMP/err" || rc=$?
	cat "$TMP/err"
	[ $rc = 1 ] && grep -qi 'range\|invalid' "$TMP/err"
}
check "defaults-set enter-pct 101: refused by the policy" out_of_range_refused

# The guest (TCG) does not move 1 Gbit/s: leave bandwidth out.  Its timer
# jitter makes TCP send tail-loss probes and spurious retransmits (0.1 to
# 0.2 % of segments on a clean veth): datacenter below 0.5 %.  A short
# cooldown keeps the test short.
check "defaults-set for the test: bandwidth ignored, dc loss 0.5 %, cooldown 1.5 s" \
	C dwcpctl defaults set dc-bw 0 inet-bw 0 dc-loss-ppm 5000 cooldown-ms 1500

# path CLIENT_NETEM SERVER_NETEM: both directions of the veth.  The server
# side (the acks' way, no loss) goes first: between the two commands the
# detector sees half the delay, and with the client side first it also saw
# the loss and switched to internet on a 40 ms RTT (CI, stop 9).
path() {
	S tc qdisc replace dev veth-s root netem $2 &&
		C tc qdisc replace dev veth-c root netem $1
}
check "netem 0.1 ms each way" path "delay 100us" "delay 100us"

C dwcpctl -j monitor >"$TMP/events.json" 2>"$TMP/monitor.err" &
MON=$!
sleep 0.5
# Paced by the application (8 MB/s): a saturating transfer starves this
# script of CPU under TCG.  The detector leaves a paced session's rate out.
# No -P: the stream count is the kernel's choice (4 on this path).
C dwcp-perf -c $SRV -j -t 150 --rate 8000000 >"$TMP/perf.json" 2>"$TMP/perf.err" &
PERF=$!

# wait_mode MODE [AFTER_LINE]: a mode-changed event to MODE after line
# AFTER_LINE of the event log (30 s bound); its fields in EV_* variables.
# Few processes per step: under TCG every python3 start costs a second.
wait_mode() {
	local end=$((SECONDS + 30))
	while [ $SECONDS -lt $end ]; do
		tail -n +"$((${2:-0} + 1))" "$TMP/events.json" |
			grep -m1 "\"event\":\"mode-changed\".*\"mode\":\"$1\"" >"$TMP/ev.json" &&
			break
		sleep 0.2
	done
	[ -s "$TMP/ev.json" ] || return 1
	cat "$TMP/ev.json"
	eval "$(python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))
for k in ("id", "old_mode", "reason", "rtt_us", "time_ns", "streams_total"):
    print(f"EV_{k}={e[k]}")' "$TMP/ev.json")"
}
lines() { wc -l <"$TMP/events.json"; }
# streams_up_are N: the session's up streams become N (20 s bound).
streams_up_are() {
	local end=$((SECONDS + 20)) up
	while [ $SECONDS -lt $end ]; do
		up=$(C dwcpctl -j session "$ID" |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["streams_up"])')
		[ "$up" = "$1" ] && return 0
		sleep 0.5
	done
	echo "streams up: $up, want $1"
	C dwcpctl -v sessions
	return 1
}
stream_ccs() {
	C dwcpctl -j session "$ID" |
		python3 -c 'import json,sys; print(" ".join(sorted({s["cc"] for s in json.load(sys.stdin)["streams"] if s["up"]})))'
}

to_datacenter() {
	wait_mode datacenter || { cat "$TMP/events.json"; return 1; }
	ID=$EV_id
	[ "$EV_old_mode" = internet ] && [ "$EV_reason" = detected ] &&
		[ "$EV_rtt_us" -lt 10000 ] && [ "$EV_rtt_us" -gt 0 ]
}
check "0.2 ms path: internet -> datacenter, detected, RTT < 10 ms in the event" to_datacenter

cc_cubic() { [ "$(stream_ccs)" = cubic ]; }
check "datacenter mode: every stream on cubic" cc_cubic

# fallback_events: the session's fallback events so far.
fallback_events() {
	grep "\"event\":\"fallback\",\"cmd\":[0-9]*,\"id\":$ID," "$TMP/events.json"
}
session_fallback_is() {
	C dwcpctl -j session "$ID" | grep -q "\"fallback\":\"$1\""
}
fallback_dc() {
	wait_for "$TMP/events.json" "\"event\":\"fallback\",\"cmd\":[0-9]*,\"id\":$ID," 50 ||
		{ cat "$TMP/events.json"; return 1; }
	fallback_events | tee /dev/stderr |
		grep -q '"mode":"datacenter".*"fallback":"no-rdma"' &&
		session_fallback_is no-rdma &&
		[ "$(stat dwcp-cli FallbackNoRdma)" -ge 1 ]
}
check "datacenter mode without RDMA: fallback event (no-rdma), session-get shows it, FallbackNoRdma counted" fallback_dc
check "0.2 ms path: the kernel's choice is 4 streams" streams_up_are 4

# Let the cooldown pass so that the figure below is detection time alone.
sleep 2
MARK=$(lines)
T0=$(date +%s%N)
check "netem 40 ms each way, 1 % loss client to server" path "delay 40ms loss 1%" "delay 40ms"
T1=$(date +%s%N)
# what the path and the streams looked like, when a change did not come
path_diag() {
	C tc -s qdisc show dev veth-c
	S tc -s qdisc show dev veth-s
	C dwcpctl -v sessions
	C ss -tin
	grep '"event":"mode-changed"' "$TMP/events.json"
	grep '"event":"measurement"' "$TMP/events.json" | tail -5
}

to_internet() {
	wait_mode internet "$MARK" || { path_diag; return 1; }
	# while the RTT climbs, a sample or two may say hybrid on the way
	[ "$EV_id" = "$ID" ] && [ "$EV_old_mode" != internet ] &&
		[ "$EV_reason" = detected ] && [ "$EV_rtt_us" -gt 50000 ] || return 1
	echo "mode switch to internet $(((EV_time_ns - T1) / 1000000)) ms after the netem change ($(((T1 - T0) / 1000000)) ms to run it)"
}
check "80 ms, 1 % loss: datacenter -> internet (detected, RTT > 50 ms in the event)" to_internet
grep 'mode switch' "$TMP/check.out" | diag

cc_bbr() { [ "$(stream_ccs)" = bbr ]; }
# 4 + RTT / 10 ms within 4..16, from the latest or the smoothed RTT, the
# larger: at least the path's 80 ms, so 12..16
streams_follow_rtt() {
	echo "rtt ${EV_rtt_us} us: $EV_streams_total streams, want 12..16"
	[ "$EV_streams_total" -ge 12 ] && [ "$EV_streams_total" -le 16 ] &&
		streams_up_are "$EV_streams_total"
}
check "internet mode: the kernel's stream count follows the RTT (4 + RTT / 10 ms), the new streams join" streams_follow_rtt

check "internet mode: every stream back on bbr" cc_bbr
check "internet mode: no fallback in force" session_fallback_is none

sleep 2
MARK=$(lines)
T0=$(date +%s%N)
check "netem back to 0.1 ms each way" path "delay 100us" "delay 100us"
T1=$(date +%s%N)
back_to_datacenter() {
	wait_mode datacenter "$MARK" || { path_diag; return 1; }
	[ "$EV_id" = "$ID" ] && [ "$EV_reason" = detected ] || return 1
	echo "mode switch to datacenter $(((EV_time_ns - T1) / 1000000)) ms after the netem change ($(((T1 - T0) / 1000000)) ms to run it)"
}
check "back to 0.2 ms: internet -> datacenter" back_to_datacenter
grep 'mode switch' "$TMP/check.out" | diag

back_to_4() { [ "$EV_streams_total" = 4 ] && streams_up_are 4; }
check "datacenter again: back to 4 streams, the surplus retired" back_to_4

fallback_again() {
	sleep 0.5
	[ "$(fallback_events | wc -l)" = 2 ] && session_fallback_is no-rdma
}
check "datacenter again: one more fallback event (one per entry)" fallback_again

forced_hybrid() {
	local mark
	mark=$(lines)
	C dwcpctl mode set "$ID" hybrid || return 1
	wait_mode hybrid "$mark" || return 1
	[ "$EV_reason" = forced ] &&
		C dwcpctl mode get "$ID" | tee /dev/stderr | grep -q 'hybrid (forced: hybrid)'
}
check "mode set ID hybrid: forced at once, event reason forced" forced_hybrid

forced_stays() {
	sleep 1.5	# 15 samples of a datacenter path
	C dwcpctl mode get "$ID" | grep -q '^session .*: hybrid'
}
check "a forced mode holds against the measurements" forced_stays

auto_again() {
	local mark
	mark=$(lines)
	C dwcpctl mode set "$ID" auto || return 1
	wait_mode datacenter "$mark" && [ "$EV_reason" = detected ]
}
check "mode set ID auto: detection takes over again" auto_again

# A count the policy set is the policy's: a mode change leaves it (the
# kernel's choice for this RTT would be 4).
policy_count_stays() {
	local mark
	C dwcpctl policy set "$ID" streams 6 && streams_up_are 6 || return 1
	mark=$(lines)
	C dwcpctl mode set "$ID" internet && wait_mode internet "$mark" &&
		[ "$EV_streams_total" = 6 ] || return 1
	mark=$(lines)
	C dwcpctl mode set "$ID" auto && wait_mode datacenter "$mark" &&
		[ "$EV_streams_total" = 6 ] && streams_up_are 6
}
check "policy set streams 6: the count stays across mode changes" policy_count_stays

verified() {
	wait "$PERF" || { cat "$TMP/perf.err"; return 1; }
	cat "$TMP/perf.json"
	[ "$(json_get "$TMP/perf.json" verified)" = True ]
}
check "the transfer across the mode and stream-count changes: every byte verified" verified

measurements() {
	grep -c '"event":"measurement"' "$TMP/events.json" &&
		grep '"event":"measurement"' "$TMP/events.json" | tail -1 |
		python3 -c '
import json, sys
e = json.loads(sys.stdin.read())
assert e["bytes_acked"] > 0 and e["rtt_us"] > 0 and sum(e["scores"]) > 900, e'
}
check "measurement events once a second, with bytes acked and scores" measurements

counter() { [ "$(stat dwcp-cli ModeChanges)" -ge 4 ]; }
check "ModeChanges counts the changes" counter

kill "$MON" 2>/dev/null
wait "$MON" 2>/dev/null
stop_server
netns_pair_del
rmmod_wait
finish
