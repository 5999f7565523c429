/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * DWCP - the contract between the dwcp.ko kernel module and userspace.
 *
 * This header is the specification of everything userspace can see of the
 * module: the socket family, and the generic netlink family "dwcp" used for
 * control, statistics and events.  The netlink part is also described in
 * Documentation/netlink/specs/dwcp.yaml; a test (tests/spec-check) fails when
 * the two disagree on a name or a number.
 *
 * Compatibility rules:
 *  - numbers below never change meaning; new attributes, commands and
 *    feature bits are only ever appended;
 *  - DWCP_GENL_VERSION is bumped only for an incompatible change; the helper
 *    refuses to run against a family version it does not know;
 *  - readers ignore attributes they do not know (newer kernels add some).
 */
#ifndef _UAPI_LINUX_DWCP_H
#define _UAPI_LINUX_DWCP_H

#include <linux/types.h>

/*
 * 1. The socket family
 *
 * Linux has no free address family number for an out-of-tree module:
 * sock_register() refuses numbers >= AF_MAX (46 in 6.1).  DWCP therefore
 * borrows the number of a family that no 6.1 kernel implements, chosen by the
 * module parameter "family".  Applications must not hard-code it: read it from
 * DWCP_FAMILY_SYSFS (or from DWCP_A_INFO_FAMILY of info-get).
 *
 * The default, 19, is AF_ECONET (Acorn Econet), removed from Linux in 3.5.
 * The module also accepts DWCP_FAMILY_ALLOWED: 13 (AF_NETBEUI, never
 * implemented), 23 (AF_IRDA, removed in 4.17) and 25 (AF_WANPIPE, never in
 * mainline).  Any other value fails the module load with -EINVAL, so that a
 * typo can never shadow a real family whose module is not loaded yet.
 *
 * socket(family, SOCK_STREAM, 0) creates a DWCP socket; any other type gives
 * ESOCKTNOSUPPORT and any protocol other than 0 gives EPROTONOSUPPORT.
 * Operations that are not built yet fail with EOPNOTSUPP.
 */
#define DWCP_FAMILY_DEFAULT	19
#define DWCP_FAMILY_SYSFS	"/sys/module/dwcp/parameters/family"

/*
 * 2. Generic netlink family "dwcp"
 *
 * Resolve the family id by name (CTRL_CMD_GETFAMILY) and check that its
 * version is DWCP_GENL_VERSION.  Read-only commands are open to every user;
 * commands that change state require CAP_NET_ADMIN in the user namespace
 * owning the network namespace.  Everything is per network namespace: a
 * request sees, and an event reports, only the objects of the requester's
 * (listener's) namespace.
 *
 * Events are multicast on the group DWCP_MCGRP_EVENTS.  They are hints:
 * multicast messages can be lost (ENOBUFS), so every object an event names
 * can also be read back with a get or dump command.
 */
#define DWCP_GENL_NAME		"dwcp"
#define DWCP_GENL_VERSION	1
#define DWCP_MCGRP_EVENTS	"events"

/* Longest module version string, including the terminating NUL. */
#define DWCP_VERSION_LEN	32

/*
 * Feature bits, reported in DWCP_A_INFO_FEATURES.  A bit is set only when
 * the running module implements the feature.
 *
 * @DWCP_FEATURE_SOCKET: socket(family, SOCK_STREAM, 0) creates DWCP sockets
 * @DWCP_FEATURE_EVENTS: session events are sent on DWCP_MCGRP_EVENTS
 * @DWCP_FEATURE_TCP: sessions carried over kernel TCP streams
 * @DWCP_FEATURE_RDMA: sessions carried over RDMA RC queue pairs
 * @DWCP_FEATURE_HDE: delta encoding and compression of records
 * @DWCP_FEATURE_PACING: aggregate pacing of a session
 * @DWCP_FEATURE_MODE_DETECT: datacenter/internet mode detection
 */
enum dwcp_feature {
	DWCP_FEATURE_SOCKET = 1,
	DWCP_FEATURE_EVENTS = 2,
	DWCP_FEATURE_TCP = 4,
	DWCP_FEATURE_RDMA = 8,
	DWCP_FEATURE_HDE = 16,
	DWCP_FEATURE_PACING = 32,
	DWCP_FEATURE_MODE_DETECT = 64,
};

/*
 * Attributes of info-get replies.
 *
 * @DWCP_A_INFO_VERSION: string, module version (at most DWCP_VERSION_LEN
 *	bytes with the NUL)
 * @DWCP_A_INFO_FAMILY: u32, the address family number of AF_DWCP
 * @DWCP_A_INFO_FEATURES: u64, enum dwcp_feature bits
 * @DWCP_A_INFO_PAD: padding for 64-bit attributes, carries nothing
 */
enum {
	DWCP_A_INFO_VERSION = 1,
	DWCP_A_INFO_FAMILY,
	DWCP_A_INFO_FEATURES,
	DWCP_A_INFO_PAD,

	__DWCP_A_INFO_MAX,
	DWCP_A_INFO_MAX = (__DWCP_A_INFO_MAX - 1)
};

/*
 * Attributes of a session (session events).
 *
 * A session object exists for every DWCP socket, from socket() to the last
 * close().
 *
 * @DWCP_A_SESSION_ID: u64, session id, unique until the next reboot
 * @DWCP_A_SESSION_SOCK_TYPE: u32, socket type (SOCK_STREAM, ...)
 * @DWCP_A_SESSION_PAD: padding for 64-bit attributes, carries nothing
 */
enum {
	DWCP_A_SESSION_ID = 1,
	DWCP_A_SESSION_SOCK_TYPE,
	DWCP_A_SESSION_PAD,

	__DWCP_A_SESSION_MAX,
	DWCP_A_SESSION_MAX = (__DWCP_A_SESSION_MAX - 1)
};

/*
 * Commands.
 *
 * @DWCP_CMD_INFO_GET: do; no request attributes; the reply carries the
 *	DWCP_A_INFO_* attributes.  Open to every user.
 * @DWCP_CMD_SESSION_CREATED: event (DWCP_A_SESSION_*): a session was created.
 * @DWCP_CMD_SESSION_CLOSED: event (DWCP_A_SESSION_*): a session was closed.
 */
enum {
	DWCP_CMD_INFO_GET = 1,
	DWCP_CMD_SESSION_CREATED,
	DWCP_CMD_SESSION_CLOSED,

	__DWCP_CMD_MAX,
	DWCP_CMD_MAX = (__DWCP_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_DWCP_H */
