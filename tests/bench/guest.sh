#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark, inside the test guest (tests/bench/run boots it).  Prints one
# JSON object per measurement on stdout: AF_DWCP and plain TCP measured the
# same way in the same guest, so their ratios mean something even where the
# absolute numbers (TCG) do not.
set -u
source tests/selftests/lib.sh >/dev/null
SECS=${1:-20}	# per measurement
OMIT=${2:-3}	# seconds the receiver's steady figure skips

load_dwcp || exit 1
modprobe tcp_bbr
netns_pair || exit 1
start_server || exit 1
S dwcp-perf -s --tcp -p 5202 >"$TMP/tcpserver.log" 2>&1 &
wait_for "$TMP/tcpserver.log" listening || exit 1

busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat; }

# measure LINK NAME ARGS...: one dwcp-perf run, with guest CPU use.
measure() {
	local link=$1 name=$2 b0 i0 b1 i1 out
	shift 2
	read -r b0 i0 < <(busy)
	out=$(C dwcp-perf -c $SRV -j -O "$OMIT" "$@")
	read -r b1 i1 < <(busy)
	python3 - "$link" "$name" "$out" "$b0" "$i0" "$b1" "$i1" <<'PY'
import json, sys
link, name, out = sys.argv[1:4]
b0, i0, b1, i1 = map(int, sys.argv[4:8])
d = json.loads(out)
r = {"link": link, "name": name, "transport": d["transport"],
     "goodput_mbps": round(d["goodput_bps"] / 1e6, 1),
     "rx_mbps": round(d["rx_goodput_bps"] / 1e6, 1),
     "steady_mbps": round(d["steady_goodput_bps"] / 1e6, 1),
     "omit": d["omit_seconds"],
     "verified": d["verified"], "seconds": d["seconds"],
     "cpu_pct": round(100 * (b1 - b0) / max(1, (b1 - b0) + (i1 - i0)), 1),
     "resent": d.get("frames_resent", 0),
     "streams": d.get("streams_total", d.get("connections"))}
print(json.dumps(r), flush=True)
PY
}

# 1. veth, no netem, one stream, no codec (as the issue sets it; the
# lossy link below keeps the kernel's default choice)
measure veth dwcp-1 -t "$SECS" -P 1 --codec 0
measure veth tcp-1 --tcp -p 5202 -t "$SECS"
for p in 2 4 8 16 64; do
	measure veth "dwcp-$p" -t "$SECS" -P "$p" --codec 0
done

# 2. 100 ms RTT, 1 % loss on the data path, 200 Mbit/s each way
C tc qdisc add dev veth-c root netem delay 50ms loss 1% rate 200mbit limit 10000
S tc qdisc add dev veth-s root netem delay 50ms rate 200mbit limit 10000
measure wan tcp-cubic-1 --tcp -p 5202 -t "$SECS" -C cubic
measure wan tcp-bbr-1 --tcp -p 5202 -t "$SECS" -C bbr
for p in 1 2 4 8 16 64; do
	measure wan "dwcp-bbr-$p" -t "$SECS" -P "$p" -C bbr
done
measure wan dwcp-cubic-8 -t "$SECS" -P 8 -C cubic
# 8 plain TCP BBR connections: what the emulated link gives parallel TCP
# (the fair yardstick for 8 AF_DWCP streams)
measure wan tcp-bbr-8 --tcp -p 5202 -t "$SECS" -P 8 -C bbr

# 3. the same link without loss: how much of the gap is loss recovery
C tc qdisc change dev veth-c root netem delay 50ms rate 200mbit limit 10000
measure wan-noloss tcp-bbr-1 --tcp -p 5202 -t "$SECS" -C bbr
measure wan-noloss tcp-bbr-8 --tcp -p 5202 -t "$SECS" -P 8 -C bbr
measure wan-noloss dwcp-bbr-8 -t "$SECS" -P 8 -C bbr
stop_server
pkill -x dwcp-perf
netns_pair_del
