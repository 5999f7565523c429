#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`, inside the test guest: load dwcp.ko, show it over netlink,
# create an AF_DWCP socket and watch dwcpd report it.
set -e
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "insmod dwcp.ko"
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
    print(f"send: {e.strerror} (data transfer is not built yet)")
s.close()
PY
sleep 0.5
kill -TERM "$DWCPD"
wait "$DWCPD"
cat /tmp/dwcpd.log

step "rmmod dwcp"
rmmod dwcp
echo "demo done"
