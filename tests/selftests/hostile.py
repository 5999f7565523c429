#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A hostile or broken DWCP peer: plain TCP to a DWCP listener, sending
what a real client never would.

    hostile.py ADDR PORT ACTION

ACTION: garbage, bad-crc, oversize, truncated, bad-version, unknown-type,
no-session, bad-proof, hello (a well-formed hello; prints the reply type),
pcrc-resend (a dwcp-perf client whose payload is corrupted after its
header's CRC: prints what the server asked again, the highest ack before,
and the server's verdict).
Prints what the server answered (a DECLINE reason, or the connection
closing) on stdout; the shell test checks the server's counters."""
import os
import socket
import struct
import sys
import time

HDR = struct.Struct(">BBHIQII")
HELLO, HELLO_ACK, JOIN, JOIN_ACK, DECLINE = 1, 2, 3, 4, 5
DATA, ACK, FIN, RESYNC, RESEND = 6, 7, 8, 10, 12
F_PCRC = 0x2
CAP_TCP, CAP_PCRC = 0x1, 0x20
MAX_SMALL_UNACKED = 1024  # DWCP_MAX_SMALL_UNACKED


def _crc_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        table.append(c)
    return table


CRC_TABLE = _crc_table()


def crc32c(data, crc=0xFFFFFFFF):
    for b in data:
        crc = CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


VERSION = 2  # DWCP_PROTO_VERSION


def frame(ftype, payload=b"", seq=0, aux=0, version=VERSION, length=None):
    length = len(payload) if length is None else length
    hdr = HDR.pack(version, ftype, 0, length, seq, aux, 0)
    crc = crc32c(hdr + payload)
    return HDR.pack(version, ftype, 0, length, seq, aux, crc) + payload


def pcrc_frame(payload, seq, corrupt=False):
    """A DATA frame with DWCP_FRAME_F_PCRC: aux is the payload's CRC, the
    header's CRC covers the header alone; @corrupt flips a payload bit after
    both were computed (what a bad NIC or middlebox would do)."""
    aux = crc32c(payload)
    hdr = HDR.pack(VERSION, DATA, F_PCRC, len(payload), seq, aux, 0)
    hdr = HDR.pack(VERSION, DATA, F_PCRC, len(payload), seq, aux, crc32c(hdr))
    if corrupt:
        payload = bytearray(payload)
        payload[len(payload) // 2] ^= 0x10
    return hdr + bytes(payload)


def hello_payload(streams=2, caps=CAP_TCP):
    return struct.pack(">HHII", streams, 0, caps, 65536) + os.urandom(32)


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


def read_frame(s):
    """The next frame: (type, seq, aux, payload); type None once closed."""
    data = b""
    while len(data) < HDR.size:
        chunk = s.recv(HDR.size - len(data))
        if not chunk:
            return None, 0, 0, b""
        data += chunk
    _, ftype, _, length, seq, aux, _ = HDR.unpack(data)
    payload = b""
    while len(payload) < length:
        chunk = s.recv(length - len(payload))
        if not chunk:
            return None, 0, 0, b""
        payload += chunk
    return ftype, seq, aux, payload


def pcrc_resend(s):
    """A dwcp-perf upload of three 8 KiB F_PCRC frames, the first
    corrupted: the server's reader finds it, asks for it (RESEND) and
    acknowledges nothing from it on before; sent again, all is verified."""
    s.sendall(frame(HELLO, hello_payload(1, CAP_TCP | CAP_PCRC)))
    reply, _ = answer(s)
    if reply != f"type {HELLO_ACK}":
        print(f"hello refused: {reply}")
        return 1
    size, nframes = 8192, 3
    # struct request: magic, reverse, bytes, base, seconds, flags
    # (REQ_COMPRESSIBLE: 'A' + (offset >> 12) % 26), omit_ms, pad
    request = struct.pack("<IIQQIIII", 0x44575046, 0, size * nframes, 0, 0,
                          2, 0, 0)
    data = bytes(ord("A") + (i >> 12) % 26 for i in range(size * nframes))
    start = len(request)
    end = start + size * nframes
    max_ack, asked = 0, None
    try:
        s.sendall(frame(ACK, seq=0, aux=1 << 20))  # a window for the verdict
        s.sendall(frame(DATA, request, seq=0))
        for i in range(nframes):
            s.sendall(pcrc_frame(data[i * size:(i + 1) * size],
                                 start + i * size, corrupt=(i == 0)))
    except (ConnectionResetError, BrokenPipeError):
        pass  # checked on arrival: the stream closed
    while asked is None:
        try:
            ftype, seq, _, _ = read_frame(s)
        except ConnectionResetError:
            ftype = None
        if ftype is None:
            print(f"closed before a RESEND; highest ack {max_ack}")
            return 1
        if ftype == ACK:
            max_ack = max(max_ack, seq)
        elif ftype == RESEND:
            asked = seq
    s.sendall(pcrc_frame(data[:size], start))
    s.sendall(frame(FIN, seq=end))
    verdict = b""
    while True:  # the verdict, then its FIN acknowledged: a clean end
        ftype, seq, _, payload = read_frame(s)
        if ftype is None:
            break
        if ftype == DATA:
            verdict += payload
        elif ftype == FIN:
            s.sendall(frame(ACK, seq=seq + 1, aux=1 << 20))
    got, bad = struct.unpack("<QQ", verdict[:16]) if len(verdict) >= 16 \
        else (0, 0)
    ok = "verified" if bad == 0xFFFFFFFFFFFFFFFF else f"bad at {bad}"
    print(f"resend {asked} (frame at {start}); highest ack before {max_ack}; "
          f"server got {got} of {size * nframes} bytes, {ok}")
    s.close()
    return 0


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
    elif action == "pcrc-resend":
        return pcrc_resend(s)
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
