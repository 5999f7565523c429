#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Mode-switch latency, inside the test guest (tests/bench/mode boots it).  A
# 4-stream transfer runs while netem flips the path between 0.2 ms and 80 ms
# with 1 % loss, ROUNDS times each way; for each flip prints one JSON object:
# the time from the netem change to the mode-changed event's timestamp.  The
# cooldown is waited out before each flip, so the figure is detection alone.
# One tc run on the client's side makes the change (the server's side keeps
# 0.1 ms): it takes a second or more under TCG, and the change happens
# somewhere inside it, so both bounds are printed: "ms" from the end of the
# tc run, "ms" + "tc_ms" from its start.
set -u
source tests/selftests/lib.sh >/dev/null
ROUNDS=${MODE_ROUNDS:-3}

modprobe -q tcp_bbr
load_dwcp || exit 1
netns_pair || exit 1
start_server || exit 1
# the guest (TCG) moves far less than 1 Gbit/s, and its timer jitter makes
# 0.1-0.2 % spurious retransmits: bandwidth left out, datacenter loss 0.5 %
C dwcpctl defaults set dc-bw 0 inet-bw 0 dc-loss-ppm 5000 || exit 1
C tc qdisc replace dev veth-c root netem delay 100us
S tc qdisc replace dev veth-s root netem delay 100us
C dwcpctl -j monitor >"$TMP/events.json" 2>/dev/null &
MON=$!
sleep 0.5
# paced (8 MB/s) so that this script gets CPU under TCG
C dwcp-perf -c $SRV -j -P 4 -t $((ROUNDS * 30 + 20)) --rate 8000000 >"$TMP/perf.json" &
PERF=$!

# wait_event MODE AFTER_LINE: the first mode-changed to MODE after that line.
wait_event() {
	local end=$((SECONDS + 30))
	while [ $SECONDS -lt $end ]; do
		tail -n +"$(($2 + 1))" "$TMP/events.json" |
			grep -m1 "\"event\":\"mode-changed\".*\"mode\":\"$1\"" && return 0
		sleep 0.1
	done
	return 1
}

flip() {	# flip NAME MODE NETEM_CLIENT
	local mark t0 t1 ev
	sleep 3.5	# the default cooldown (3 s) is over
	mark=$(wc -l <"$TMP/events.json")
	t0=$(date +%s%N)
	C tc qdisc replace dev veth-c root netem $3
	t1=$(date +%s%N)
	ev=$(wait_event "$2" "$mark") || { echo "{\"flip\":\"$1\",\"error\":\"no event\"}"; return; }
	# ms: from the end of the tc run; tc_ms: how long it ran
	python3 -c '
import json, sys
e = json.loads(sys.argv[1]); t0 = int(sys.argv[2]); t1 = int(sys.argv[4])
print(json.dumps({"flip": sys.argv[3], "ms": round((e["time_ns"] - t1) / 1e6),
                  "tc_ms": round((t1 - t0) / 1e6),
                  "rtt_us": e["rtt_us"], "loss_ppm": e["loss_ppm"]}))' "$ev" "$t0" "$1" "$t1"
}

wait_event datacenter 0 >/dev/null || echo '{"error":"never reached datacenter"}'
for ((r = 0; r < ROUNDS; r++)); do
	flip to-internet internet "delay 80ms loss 1%"
	flip to-datacenter datacenter "delay 100us"
done
wait "$PERF"
echo "{\"verified\":$(json_get "$TMP/perf.json" verified | tr A-Z a-z)}"
kill "$MON"
stop_server
netns_pair_del
rmmod_wait
