#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# dwcp-run: unmodified TCP programs (a Python echo server and client) talk
# over AF_DWCP when both run under it.
source "$(dirname "$0")/lib.sh"

load_dwcp || { fail "insmod"; finish; }
netns_pair || { fail "netns"; finish; }

cat >"$TMP/echo.py" <<'PY'
import hashlib, os, socket, sys, threading
if sys.argv[1] == "server":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", 7000))
    s.listen(4)
    s.settimeout(120)   # a bound on a hang, never reached when all is well
    print("listening", flush=True)
    c, peer = s.accept()
    c.settimeout(120)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    print(f"accepted from {peer[0]}", flush=True)
    while data := c.recv(65536):
        c.sendall(data)
    c.close()
else:
    data = os.urandom(4 << 20)
    c = socket.create_connection((sys.argv[2], 7000), timeout=120)
    print(f"local {c.getsockname()[0]}, peer {c.getpeername()}", flush=True)
    # Send from a thread while this one reads: an echo of more than the
    # socket buffers hold deadlocks a client that sends everything first.
    def send():
        c.sendall(data)
        c.shutdown(socket.SHUT_WR)
    sender = threading.Thread(target=send)
    sender.start()
    back = b""
    while chunk := c.recv(65536):
        back += chunk
    sender.join()
    ok = hashlib.sha256(back).digest() == hashlib.sha256(data).digest()
    print("echo ok" if ok else f"echo MISMATCH ({len(back)} bytes back)")
    sys.exit(0 if ok else 1)
PY

echo_over_dwcp() {
	local before after
	before=$(stat dwcp-srv SessionsAccepted)
	S dwcp-run python3 "$TMP/echo.py" server >"$TMP/server.out" 2>&1 &
	wait_for "$TMP/server.out" listening || { cat "$TMP/server.out"; return 1; }
	C dwcp-run python3 "$TMP/echo.py" client $SRV || return 1
	wait
	cat "$TMP/server.out"
	after=$(stat dwcp-srv SessionsAccepted)
	echo "SessionsAccepted $before -> $after"
	[ "$after" = $((before + 1)) ] && grep -q "accepted from 198.18.1.2" "$TMP/server.out"
}
check "python echo over dwcp-run: 4 MiB back intact, a DWCP session" echo_over_dwcp

plain_tcp_still() {
	# Without dwcp-run the same programs use TCP: no new DWCP session.
	local before after
	before=$(stat dwcp-srv SessionsAccepted)
	S python3 "$TMP/echo.py" server >"$TMP/server2.out" 2>&1 &
	wait_for "$TMP/server2.out" listening || return 1
	C python3 "$TMP/echo.py" client $SRV || return 1
	wait
	after=$(stat dwcp-srv SessionsAccepted)
	[ "$after" = "$before" ]
}
check "the same programs without dwcp-run stay on TCP" plain_tcp_still

netns_pair_del
check "rmmod" rmmod_wait
finish
