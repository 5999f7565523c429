#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send malformed dwcp generic netlink requests: random attribute types,
wrong lengths, out-of-range values, truncated headers, to every command.
Prints one line per errno seen; exits 1 if the kernel ever answered a
malformed session-set with success or stopped answering.

    genl_fuzz.py COUNT SEED"""
import random
import socket
import struct
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
SESSION_GET, SESSION_SET = 4, 5
DEFAULTS_GET, DEFAULTS_SET = 8, 9
A_ID, A_PACING, A_CODEC = 1, 13, 14


def attr(kind, payload):
    a = struct.pack("=HH", 4 + len(payload), kind) + payload
    return a + b"\0" * (-len(a) % 4)


def family_id(s):
    name = b"dwcp\0"
    body = struct.pack("=BBH", 3, 1, 0) + attr(2, name)
    s.send(struct.pack("=IHHII", 16 + len(body), GENL_ID_CTRL, NLM_F_REQUEST, 1, 0) + body)
    reply = s.recv(65536)
    off = 20
    while off + 4 <= len(reply):
        length, kind = struct.unpack_from("=HH", reply, off)
        if kind == 1:
            return struct.unpack_from("=H", reply, off + 4)[0]
        off += (length + 3) & ~3
    sys.exit("genl_fuzz: no dwcp family")


def request(s, fam, seq, cmd, flags, body):
    msg = struct.pack("=IHHII", 20 + len(body), fam, NLM_F_REQUEST | flags, seq, 0)
    msg += struct.pack("=BBH", cmd, 1, 0) + body
    s.send(msg)
    errors = []
    while True:
        data = s.recv(1 << 20)
        off = 0
        while off + 16 <= len(data):
            length, kind, _, rseq, _ = struct.unpack_from("=IHHII", data, off)
            if rseq != seq:
                off += (length + 3) & ~3
                continue
            if kind == NLMSG_ERROR:
                errors.append(struct.unpack_from("=i", data, off + 16)[0])
                return errors
            if kind == NLMSG_DONE:
                return errors
            off += (length + 3) & ~3


def random_body(rng):
    body = b""
    for _ in range(rng.randint(0, 4)):
        kind = rng.choice([0, A_ID, A_PACING, A_CODEC, 2, 3, 4, 5, 8, 10, 11,
                           15, 16, 17, 18, 26, 27, 28, 29, 30, 99, 0x8001])
        size = rng.choice([0, 1, 2, 4, 8, 9, 16, rng.randint(0, 64)])
        body += attr(kind, bytes(rng.getrandbits(8) for _ in range(size)))
    if rng.random() < 0.1:
        body = body[:rng.randint(0, len(body))]
    return body


def main():
    count, seed = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    s.settimeout(5)
    fam = family_id(s)
    seen, bad = {}, 0
    for seq in range(2, count + 2):
        cmd = rng.choice([1, 2, 3, SESSION_GET, SESSION_SET, 6, 7,
                          DEFAULTS_GET, DEFAULTS_SET, 10, 11, 12, 13, 200])
        flags = NLM_F_ACK | (NLM_F_DUMP if rng.random() < 0.3 else 0)
        body = random_body(rng)
        try:
            errs = request(s, fam, seq, cmd, flags, body)
        except socket.timeout:
            print(f"no answer to cmd {cmd} seq {seq}")
            sys.exit(1)
        for e in errs:
            seen[e] = seen.get(e, 0) + 1
        # a set without a valid id never succeeds (no session has a random id)
        if cmd == SESSION_SET and errs == [0]:
            print(f"session-set accepted: {body.hex()}")
            bad += 1
    for e, n in sorted(seen.items()):
        print(f"errno {e}: {n}")
    # one well-formed request still works afterwards
    if request(s, fam, count + 3, 1, NLM_F_ACK, b"") != [0]:
        print("info-get failed after the fuzzing")
        bad += 1
    # defaults-set may have accepted random in-range values; the kernel
    # must still answer defaults-get (its values are checked by dwcpctl)
    if request(s, fam, count + 4, DEFAULTS_GET, NLM_F_ACK, b"") != [0]:
        print("defaults-get failed after the fuzzing")
        bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
