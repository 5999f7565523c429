#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# dwcp-run: unmodified TCP programs (Python echo server and client, a client
# of many small writes) talk over AF_DWCP when both run under it.
source "$(dirname "$0")/lib.sh"

load_dwcp || { fail "insmod"; finish; }
netns_pair || { fail "netns"; finish; }

# The unmodified programs: a Python echo server and client, and a client
# of many small writes with a server that reads late.
cat >"$TMP/apps.py" <<'PY'
import hashlib, os, random, socket, sys, threading, time

def accept_one(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(4)
    s.settimeout(120)   # a bound on a hang, never reached when all is well
    print("listening", flush=True)
    c, peer = s.accept()
    c.settimeout(120)
    return c, peer

def echo_server():
    c, peer = accept_one(7000)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    print(f"accepted from {peer[0]}", flush=True)
    while data := c.recv(65536):
        c.sendall(data)
    c.close()

def echo_client(host):
    data = os.urandom(4 << 20)
    c = socket.create_connection((host, 7000), timeout=120)
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
    return 0 if ok else 1

def small_server():
    c, _ = accept_one(7001)
    time.sleep(3)       # fall behind: small frames pile up unread
    h, n = hashlib.sha256(), 0
    while data := c.recv(65536):
        h.update(data)
        n += len(data)
    print(f"received {n} {h.hexdigest()}", flush=True)

def small_client(host):
    rng = random.Random(7)
    c = socket.create_connection((host, 7001), timeout=120)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    h, n = hashlib.sha256(), 0
    for i in range(100000):
        data = rng.randbytes(rng.randint(1, 40))
        c.sendall(data)
        h.update(data)
        n += len(data)
    # DWCP_INFO (SOL_DWCP 290, option 4): dwci_frames_sent at offset 48
    frames = int.from_bytes(c.getsockopt(290, 4, 64)[48:56], "little")
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
    print(f"{i + 1} writes in {frames} frames", file=sys.stderr)
    print(f"sent {n} {h.hexdigest()}", flush=True)

apps = {"echo-server": echo_server, "echo-client": echo_client,
        "small-server": small_server, "small-client": small_client}
sys.exit(apps[sys.argv[1]](*sys.argv[2:]))
PY

echo_over_dwcp() {
	local before after
	before=$(stat dwcp-srv SessionsAccepted)
	S dwcp-run python3 "$TMP/apps.py" echo-server >"$TMP/server.out" 2>&1 &
	wait_for "$TMP/server.out" listening || { cat "$TMP/server.out"; return 1; }
	C dwcp-run python3 "$TMP/apps.py" echo-client $SRV || return 1
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
	S python3 "$TMP/apps.py" echo-server >"$TMP/server2.out" 2>&1 &
	wait_for "$TMP/server2.out" listening || return 1
	C python3 "$TMP/apps.py" echo-client $SRV || return 1
	wait
	after=$(stat dwcp-srv SessionsAccepted)
	[ "$after" = "$before" ]
}
check "the same programs without dwcp-run stay on TCP" plain_tcp_still

# Many small writes while the reader sleeps: the sender coalesces them and
# keeps at most DWCP_MAX_SMALL_UNACKED small frames unacknowledged, the
# receiver packs in-order small frames together; every byte arrives in
# order and no side calls it a protocol error.

small_writes() {
	local perr0 perr1 sent got
	perr0=$(( $(stat dwcp-srv ProtocolErrors) + $(stat dwcp-cli ProtocolErrors) ))
	S dwcp-run python3 "$TMP/apps.py" small-server >"$TMP/small.out" 2>&1 &
	wait_for "$TMP/small.out" listening || return 1
	sent=$(C dwcp-run python3 "$TMP/apps.py" small-client $SRV 2>"$TMP/small.err") ||
		{ cat "$TMP/small.err"; return 1; }
	cat "$TMP/small.err"
	wait
	got=$(grep received "$TMP/small.out")
	perr1=$(( $(stat dwcp-srv ProtocolErrors) + $(stat dwcp-cli ProtocolErrors) ))
	echo "$sent / $got / ProtocolErrors $perr0 -> $perr1"
	[ "${sent#sent }" = "${got#received }" ] && [ "$perr0" = "$perr1" ]
}
check "100000 small writes, reader behind: every byte in order, no protocol error" small_writes

netns_pair_del
check "rmmod" rmmod_wait
finish
