#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Peers: every session feeds its samples to its peer's detector (peer-get,
# dwcpctl peers) and takes its mode from it; the next session to that peer
# starts in the peer's mode, congestion control included, without a mode
# change; a mode forced on the netns neither feeds nor warm-starts; a path
# change that one busy session measures moves an idle session to the same
# peer too (reason "peer").
source "$(dirname "$0")/lib.sh"

modprobe -q tcp_bbr
load_dwcp || { fail "insmod"; finish; }
netns_pair || { fail "netns"; finish; }
start_server || { fail "server"; cat "$TMP/server.log"; finish; }

# As in test_mode: the TCG guest shows neither datacenter bandwidth nor a
# datacenter's loss rate.
check "defaults-set for the TCG guest: bandwidth ignored, dc loss 0.5 %" \
	C dwcpctl defaults set dc-bw 0 inet-bw 0 dc-loss-ppm 5000

no_peers_yet() {
	local out
	out=$(C dwcpctl -j peers) || return 1
	echo "$out"
	[ "$(echo "$out" | tr -d ' \n')" = "[]" ]
}
check "a new netns has no peers" no_peers_yet

C dwcpctl -j monitor >"$TMP/events.json" 2>"$TMP/monitor.err" &
MON=$!
sleep 0.5

# transfer SECONDS: a paced transfer in the background ($PERF).  Paced so
# that this script gets CPU under TCG.
transfer() {
	C dwcp-perf -c $SRV -j -t "$1" --rate 4000000 >"$TMP/perf.json" \
		2>"$TMP/perf.err" &
	PERF=$!
}
verified() {
	wait "$PERF" || { cat "$TMP/perf.err"; return 1; }
	[ "$(json_get "$TMP/perf.json" verified)" = True ]
}
# established_session: the id of the one established session (ID).
established_session() {
	ID=$(C dwcpctl -j sessions | python3 -c '
import json, sys
ss = [s for s in json.load(sys.stdin) if s["state"] == "established"]
assert len(ss) == 1, ss
print(ss[0]["id"])') && [ -n "$ID" ]
}
# peers_json PYTHON: assert PYTHON on p, the list of peers.
peers_json() {
	C dwcpctl -j peers >"$TMP/peers.json" || return 1
	cat "$TMP/peers.json"
	python3 -c "import json, sys; p = json.load(open(sys.argv[1])); $1" \
		"$TMP/peers.json"
}

# mode_events ID [AFTER_LINE]: the mode-changed events of session ID.
mode_events() {
	tail -n +"$((${2:-0} + 1))" "$TMP/events.json" |
		grep "\"event\":\"mode-changed\",\"cmd\":[0-9]*,\"id\":$1,"
}

transfer 6
first_detects() {
	wait_for "$TMP/events.json" \
		'"event":"mode-changed".*"mode":"datacenter"' 300 ||
		{ cat "$TMP/events.json"; return 1; }
	established_session && mode_events "$ID" | grep -q '"mode":"datacenter"'
}
check "first session: internet -> datacenter, detected" first_detects
check "first session: every byte verified" verified

check "peers: the server's address in datacenter mode, its RTT, reported, no warm start yet" \
	peers_json 'assert len(p) == 1, p; p = p[0]; assert p["addr"].startswith("198.18.1.1"), p; assert p["mode"] == "datacenter" and p["reports"] >= 1 and p["warm_starts"] == 0, p; assert 0 < p["rtt_us"] < 10000 and len(p["scores"]) == 3, p'

MARK=$(wc -l <"$TMP/events.json")
WARM=$(stat dwcp-cli PeerWarmStarts)
transfer 6
sleep 1
second_warm() {
	established_session || return 1
	C dwcpctl -j session "$ID" | tee "$TMP/s.json" | python3 -c '
import json, sys
s = json.load(sys.stdin)
assert s["mode"] == "datacenter" and s["mode_changes"] == 0, s
ccs = {st["cc"] for st in s["streams"] if st["up"]}
assert ccs == {"cubic"}, ccs' || return 1
	[ "$(stat dwcp-cli PeerWarmStarts)" = $((WARM + 1)) ]
}
check "second session: starts in datacenter mode, streams on cubic, no mode change, PeerWarmStarts +1" second_warm
check "second session: every byte verified" verified
no_change_event() { ! mode_events "$ID" "$MARK"; }
check "second session: no mode-changed event" no_change_event
check "peers: one warm start" peers_json 'assert p[0]["warm_starts"] == 1, p'

REPORTS=$(C dwcpctl -j peers | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["reports"])')
check "defaults-set mode internet: forced on the netns" \
	C dwcpctl defaults set mode internet
transfer 3
forced_cold() {
	verified || return 1
	[ "$(stat dwcp-cli PeerWarmStarts)" = $((WARM + 1)) ]
}
check "a forced netns: the session neither warm-starts ..." forced_cold
check "... nor reports to its peer" \
	peers_json "assert p[0]['reports'] == $REPORTS and p[0]['warm_starts'] == 1, p"
check "defaults-set mode auto" C dwcpctl defaults set mode auto

# An idle session (connected, sending nothing for 12 s) to the peer, then
# the path gets longer and a busy session measures it.
MARK=$(wc -l <"$TMP/events.json")
C dwcp-perf -c $SRV -j -n 1000000 --idle 12 >"$TMP/idle.json" \
	2>"$TMP/idle.err" &
IDLE=$!
idle_up() {
	for _ in $(seq 50); do
		established_session 2>/dev/null && IDLE_ID=$ID && return 0
		sleep 0.2
	done
	return 1
}
check "idle session established, in the peer's mode" idle_up
check "netem 40 ms each way" eval 'C tc qdisc replace dev veth-c root netem delay 40ms &&
	S tc qdisc replace dev veth-s root netem delay 40ms'
transfer 6
idle_follows() {
	wait_for "$TMP/events.json" \
		"\"mode-changed\",\"cmd\":[0-9]*,\"id\":$IDLE_ID,.*\"mode\":\"internet\"" 300 ||
		{ tail -n +"$((MARK + 1))" "$TMP/events.json"; return 1; }
	mode_events "$IDLE_ID" "$MARK" | tee /dev/stderr |
		grep -q '"old_mode":"datacenter","reason":"peer".*"mode":"internet"'
}
check "idle session: datacenter -> internet, following its peer (reason peer)" idle_follows
check "busy session: every byte verified" verified
idle_verified() {
	wait "$IDLE" || { cat "$TMP/idle.err"; return 1; }
	[ "$(json_get "$TMP/idle.json" verified)" = True ]
}
check "idle session: every byte verified after its wait" idle_verified
check "peers: the peer's detector in internet mode, fed, changed" \
	peers_json 'p = p[0]; assert p["mode"] == "internet" and p["samples"] > 0 and p["mode_changes"] >= 1, p'
C tc qdisc del dev veth-c root 2>/dev/null
S tc qdisc del dev veth-s root 2>/dev/null

kill "$MON" 2>/dev/null
wait "$MON" 2>/dev/null
stop_server
netns_pair_del
check "rmmod" rmmod_wait
finish
