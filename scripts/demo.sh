#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`, inside the test guest: load dwcp.ko, show it over netlink,
# watch dwcpd report a session, then move 64 MiB between two network
# namespaces over 8 TCP streams with every byte verified.
set -e
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "insmod dwcp.ko"
modprobe libcrc32c
modprobe zstd_compress
insmod dwcp.ko
dmesg | grep 'dwcp:' | tail -1
echo "AF_DWCP = $(cat /sys/module/dwcp/parameters/family) (from /sys/module/dwcp/parameters/family)"

step "dwcpctl info"
dwcpctl info
step "dwcpctl -j info"
dwcpctl -j info

step "dwcpd listening for events; python3 creates an AF_DWCP socket"
dwcpd 2>/tmp/dwcpd.log &
DWCPD=$!
for _ in $(seq 50); do grep -q listening /tmp/dwcpd.log && break; sleep 0.1; done
python3 - <<'PY'
import socket
family = int(open("/sys/module/dwcp/parameters/family").read())
s = socket.socket(family, socket.SOCK_STREAM, 0)
print(f"socket({family}, SOCK_STREAM, 0) -> fd {s.fileno()}, "
      f"SO_DOMAIN={s.getsockopt(socket.SOL_SOCKET, socket.SO_DOMAIN)}")
try:
    s.send(b"hello")
except OSError as e:
    print(f"send before connect: {e.strerror}")
s.close()
PY
sleep 0.5
kill -TERM "$DWCPD"
wait "$DWCPD"
cat /tmp/dwcpd.log

step "two hosts (network namespaces joined by veth, 20 ms RTT, 1 % loss)"
ip netns add demo-a
ip netns add demo-b
ip link add veth-a netns demo-a type veth peer name veth-b netns demo-b
ip -n demo-a addr add 198.18.9.1/24 dev veth-a
ip -n demo-b addr add 198.18.9.2/24 dev veth-b
for n in a b; do
	ip -n demo-$n link set veth-$n up
	ip -n demo-$n link set lo up
	ip netns exec demo-$n tc qdisc add dev veth-$n root netem delay 10ms loss 0.5%
done
ip netns exec demo-a dwcp-perf -s -1 >/tmp/server.log &
for _ in $(seq 50); do grep -q listening /tmp/server.log && break; sleep 0.1; done

step "dwcp-perf: 64 MiB over AF_DWCP, 8 TCP streams, every byte verified"
ip netns exec demo-b dwcp-perf -c 198.18.9.1 -n 64M -P 8 -j >/tmp/perf.json
python3 - <<'PY'
import json
d = json.load(open("/tmp/perf.json"))
print(f"{d['bytes']} bytes in {d['seconds']:.2f} s = {d['goodput_bps'] / 1e6:.0f} Mbit/s, "
      f"verified: {d['verified']}")
print(f"streams: {d['streams_total']} ({d['stream_joins']} joined after the first), "
      f"frames sent {d['frames_sent']}, resent {d['frames_resent']}")
for i, s in enumerate(d["per_stream"]):
    print(f"  stream {i}: {s['bytes_sent'] / 1e6:7.1f} MB sent")
PY
wait
echo "counters of the server's namespace (/proc/net/dwcp_stat, non-zero):"
ip netns exec demo-a grep -v ' 0$' /proc/net/dwcp_stat | sed 's/^/  /'
ip netns del demo-a
ip netns del demo-b
for _ in $(seq 100); do grep -q '^DWCP .* 0 ' /proc/net/protocols && break; sleep 0.2; done

step "rmmod dwcp"
rmmod dwcp
echo "demo done"
