// SPDX-License-Identifier: GPL-2.0
/*
 * dwcp.ko: module parameters and the one place that spells out init order.
 *
 * Init order:
 *   1. the CRC32C implementation frames use (the fastest measured, crc.c;
 *      cannot fail: libcrc32c's otherwise);
 *   2. the workqueues: dwcp_wq for every session's protocol engine, and
 *      two for blocking handshakes (dwcp_hs_wq, dwcp_conn_wq);
 *   3. per network namespace state (counters, join tokens);
 *   4. generic netlink family "dwcp" (so that the first session event has
 *      somewhere to go);
 *   5. the socket family (from here on userspace can create sessions).
 * Exit runs in reverse.  While any DWCP socket is open the module is pinned
 * (proto and net_proto_family carry THIS_MODULE), so rmmod fails with EBUSY
 * instead of pulling the code from under a live session.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <net/genetlink.h>

#include "dwcp.h"

int dwcp_family = DWCP_FAMILY_DEFAULT;
struct workqueue_struct *dwcp_wq;
struct workqueue_struct *dwcp_hs_wq;
struct workqueue_struct *dwcp_conn_wq;
module_param_named(family, dwcp_family, int, 0444);
MODULE_PARM_DESC(family,
		 "address family number of AF_DWCP: 19 (default), 13, 23 or 25");

/**
 * dwcp_features() - the enum dwcp_feature bits this module implements
 *
 * Return: the feature bit mask; never fails.
 */
u64 dwcp_features(void)
{
	return DWCP_FEATURE_SOCKET | DWCP_FEATURE_EVENTS | DWCP_FEATURE_TCP |
	       DWCP_FEATURE_PACING | DWCP_FEATURE_HDE | DWCP_FEATURE_MODE_DETECT;
}

/*
 * Handshakes block in workers (up to DWCP_CONNECT_TIMEOUT and
 * DWCP_HS_TIMEOUT, tcp.c), so they never run on dwcp_wq.  dwcp_wq is
 * WQ_MEM_RECLAIM: when new workers come slowly (a burst of 63 joins under
 * TCG), its rescuer takes every work queued on it and runs them one after
 * the other.  With blocking handshakes among them, a client join waited
 * out its timeout for the server handshake queued behind it, and the
 * listener's accept_work behind both: seen as a 64-stream session and 64
 * concurrent sessions idle for minutes, accept queue full, joins failing
 * (the selftests' dump showed the rescuer inside dwcp_join_work).  The
 * handshake queues have no rescuer; client (connect, join) and server
 * handshakes are apart, so when both ends share a kernel, no worker
 * waiting for an answer holds up the one that gives it.  All unbound: a
 * blocked worker holds up no CPU.
 */
static void dwcp_workqueues_exit(void)
{
	if (dwcp_conn_wq)
		destroy_workqueue(dwcp_conn_wq);
	if (dwcp_hs_wq)
		destroy_workqueue(dwcp_hs_wq);
	if (dwcp_wq)
		destroy_workqueue(dwcp_wq);
}

static int dwcp_workqueues_init(void)
{
	dwcp_wq = alloc_workqueue("dwcp", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	dwcp_hs_wq = alloc_workqueue("dwcp_hs", WQ_UNBOUND, 0);
	dwcp_conn_wq = alloc_workqueue("dwcp_conn", WQ_UNBOUND, 0);
	if (dwcp_wq && dwcp_hs_wq && dwcp_conn_wq)
		return 0;
	dwcp_workqueues_exit();
	return -ENOMEM;
}

static int __init dwcp_init(void)
{
	int err;

	if (!dwcp_family_allowed(dwcp_family)) {
		pr_err("family=%d refused: use 19, 13, 23 or 25 (families no 6.1 kernel implements)\n",
		       dwcp_family);
		return -EINVAL;
	}

	dwcp_crc_init();
	err = dwcp_workqueues_init();
	if (err)
		goto err_crc;

	err = dwcp_stats_init();
	if (err)
		goto err_wq;

	err = dwcp_genl_init();
	if (err)
		goto err_stats;

	err = dwcp_socket_init(dwcp_family);
	if (err)
		goto err_genl;

	pr_info("version " DWCP_MODULE_VERSION " loaded, AF_DWCP = %d\n",
		dwcp_family);
	return 0;

err_genl:
	dwcp_genl_exit();
err_stats:
	dwcp_stats_exit();
err_wq:
	dwcp_workqueues_exit();
err_crc:
	dwcp_crc_exit();
	return err;
}

static void __exit dwcp_exit(void)
{
	dwcp_socket_exit();
	dwcp_genl_exit();
	dwcp_stats_exit();
	dwcp_workqueues_exit();
	dwcp_crc_exit();
}

module_init(dwcp_init);
module_exit(dwcp_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("DWCP: multi-stream bulk transport socket family (AF_DWCP)");
MODULE_AUTHOR("DWCP developers");
MODULE_VERSION(DWCP_MODULE_VERSION);
MODULE_ALIAS_NETPROTO(DWCP_FAMILY_DEFAULT);
MODULE_ALIAS_GENL_FAMILY(DWCP_GENL_NAME);
