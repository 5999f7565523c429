#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Print the operations of a generic netlink family as the kernel reports
them: one line "CMD FLAGS" (hex) per operation.  (iproute2's `genl ctrl`
hides the flags of families whose version is below 2.)"""
import socket
import struct
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_OPS = 6
CTRL_ATTR_OP_ID = 1
CTRL_ATTR_OP_FLAGS = 2
NLMSG_ERROR = 2
NLM_F_REQUEST = 1


def attrs(buf):
    """Yield (type, payload) of the netlink attributes in buf."""
    off = 0
    while off + 4 <= len(buf):
        length, kind = struct.unpack_from("=HH", buf, off)
        if length < 4 or off + length > len(buf):
            raise ValueError("malformed attribute")
        yield kind & 0x3FFF, buf[off + 4:off + length]
        off += (length + 3) & ~3


def main():
    name = sys.argv[1].encode() + b"\0"
    nla = struct.pack("=HH", 4 + len(name), CTRL_ATTR_FAMILY_NAME) + name
    nla += b"\0" * (-len(nla) % 4)
    genl = struct.pack("=BBH", CTRL_CMD_GETFAMILY, 1, 0)
    msg = struct.pack("=IHHII", 16 + len(genl) + len(nla), GENL_ID_CTRL,
                      NLM_F_REQUEST, 1, 0) + genl + nla
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    s.send(msg)
    reply = s.recv(65536)
    _, kind = struct.unpack_from("=IH", reply, 0)
    if kind == NLMSG_ERROR:
        err = struct.unpack_from("=i", reply, 16)[0]
        sys.exit(f"genl_ops: {sys.argv[1]}: error {err}")
    for kind, payload in attrs(reply[20:]):
        if kind != CTRL_ATTR_OPS:
            continue
        for _, op in attrs(payload):
            fields = dict(attrs(op))
            cmd = struct.unpack("=I", fields[CTRL_ATTR_OP_ID])[0]
            flags = struct.unpack("=I", fields[CTRL_ATTR_OP_FLAGS])[0]
            print(f"{cmd} {flags:#x}")


if __name__ == "__main__":
    main()
