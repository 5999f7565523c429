#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A hostile or broken DWCP peer: plain TCP to a DWCP listener, sending
what a real client never would.

    hostile.py ADDR PORT ACTION

ACTION: garbage, bad-crc, oversize, truncated, bad-version, unknown-type,
no-session, bad-proof, hello (a well-formed hello; prints the reply type).
Prints what the server answered (a DECLINE reason, or the connection
closing) on stdout; the shell test checks the server's counters."""
import os
import socket
import struct
import sys
import time

HDR = struct.Struct(">BBHIQII")
HELLO, HELLO_ACK, JOIN, JOIN_ACK, DECLINE = 1, 2, 3, 4, 5
DATA, RESYNC = 6, 10
MAX_SMALL_UNACKED = 1024  # DWCP_MAX_SMALL_UNACKED


def crc32c(data, crc=0xFFFFFFFF):
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


VERSION = 2  # DWCP_PROTO_VERSION


def frame(ftype, payload=b"", seq=0, aux=0, version=VERSION, length=None):
    length = len(payload) if length is None else length
    hdr = HDR.pack(version, ftype, 0, length, seq, aux, 0)
    crc = crc32c(hdr + payload)
    return HDR.pack(version, ftype, 0, length, seq, aux, crc) + payload


def hello_payload(streams=2):
    return struct.pack(">HHII", streams, 0, 1, 65536) + os.urandom(32)


def connect(addr, port):
    s = socket.create_connection((addr, port), timeout=30)
    return s


def open_session(s):
    """A valid hello on @s; the HELLO_ACK payload, or None if refused."""
    s.sendall(frame(HELLO, hello_payload()))
    reply, payload = answer(s)
    if reply != f"type {HELLO_ACK}":
        print(f"hello refused: {reply}")
        return None
    return payload


def answer(s):
    """The server's reply: 'decline N', 'type N', or 'closed'."""
    try:
        data = b""
        while len(data) < HDR.size:
            chunk = s.recv(HDR.size - len(data))
            if not chunk:
                return "closed", None
            data += chunk
        version, ftype, _, length, _, aux, _ = HDR.unpack(data)
        payload = b""
        while len(payload) < length:
            chunk = s.recv(length - len(payload))
            if not chunk:
                break
            payload += chunk
        if ftype == DECLINE:
            return f"decline {aux}", payload
        return f"type {ftype}", payload
    except (ConnectionResetError, socket.timeout):
        return "closed", None


def main():
    addr, port, action = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    s = connect(addr, port)
    if action == "garbage":
        # random, but never our version byte: 1 in 256 random headers
        # would start like ours and be refused for something else
        junk = bytearray(os.urandom(64))
        junk[0] = junk[0] if junk[0] != VERSION else 0xFF
        s.sendall(bytes(junk))
    elif action == "bad-crc":
        f = bytearray(frame(HELLO, hello_payload()))
        f[-1] ^= 0xFF
        s.sendall(bytes(f))
    elif action == "oversize":
        # a header announcing 64 MiB; the payload never comes
        s.sendall(frame(HELLO, b"", length=64 << 20))
    elif action == "truncated":
        s.sendall(frame(HELLO, hello_payload())[:30])
        s.shutdown(socket.SHUT_WR)
    elif action == "bad-version":
        s.sendall(frame(HELLO, hello_payload(), version=7))
    elif action == "unknown-type":
        s.sendall(frame(99))
    elif action == "no-session":
        join = struct.pack(">IHH", 0xDEADBEEF, 1, 0) + os.urandom(48)
        s.sendall(frame(JOIN, join))
    elif action == "bad-proof":
        payload = open_session(s)
        if payload is None:
            return 1
        token = struct.unpack(">I", payload[12:16])[0]
        j = connect(addr, port)
        join = struct.pack(">IHH", token, 1, 0) + os.urandom(48)
        j.sendall(frame(JOIN, join))
        print(answer(j)[0])
        j.close()
        s.close()
        return 0
    elif action == "resync":
        # a keyed-record frame in a byte-stream session
        if open_session(s) is None:
            return 1
        s.sendall(frame(RESYNC, seq=0, aux=1))
        # the server's own frames may come first: read until it closes
        reply = ""
        while reply != "closed":
            reply, _ = answer(s)
    elif action == "small-flood":
        # more 1-byte frames out of order (byte 0 never comes) than a
        # sender may have unacknowledged: the receiver must not keep them
        if open_session(s) is None:
            return 1
        s.sendall(b"".join(frame(DATA, b"x", seq=2 * i + 1)
                           for i in range(MAX_SMALL_UNACKED + 1)))
        reply = ""
        while reply != "closed":
            reply, _ = answer(s)
    elif action == "hello":
        s.sendall(frame(HELLO, hello_payload()))
    elif action == "backlog-full":
        # a listener with backlog 1 that never accepts: the first session
        # fills its queue (kept open), a later hello is declined (full)
        if open_session(s) is None:
            return 1
        for _ in range(10):
            s2 = connect(addr, port)
            s2.sendall(frame(HELLO, hello_payload()))
            reply = answer(s2)[0]
            s2.close()
            if reply != f"type {HELLO_ACK}":
                break
            time.sleep(0.2)  # the first was not queued yet: try again
        print(reply)
        s.close()
        return 0
    else:
        print(f"unknown action {action}")
        return 2
    print(answer(s)[0])
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
