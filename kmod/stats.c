// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state: counters that explain what happened to
 * sessions and refused connections (/proc/net/dwcp_stat, "Name value" lines
 * like /proc/net/netstat), and the table of server sessions by join token.
 */
#include <linux/proc_fs.h>
#include <linux/sysctl.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "dwcp.h"

static unsigned int dwcp_net_id __read_mostly;

static const char *const dwcp_mib_names[DWCP_MIB_MAX] = {
	[DWCP_MIB_SESSIONS_OPENED] = "SessionsOpened",
	[DWCP_MIB_SESSIONS_ACCEPTED] = "SessionsAccepted",
	[DWCP_MIB_SESSIONS_ABORTED] = "SessionsAborted",
	[DWCP_MIB_STREAMS_JOINED] = "StreamsJoined",
	[DWCP_MIB_STREAM_FAILURES] = "StreamFailures",
	[DWCP_MIB_FRAMES_RESENT] = "FramesResent",
	[DWCP_MIB_REFUSED_VERSION] = "RefusedVersion",
	[DWCP_MIB_REFUSED_BAD_CRC] = "RefusedBadCrc",
	[DWCP_MIB_REFUSED_OVERSIZE] = "RefusedOversize",
	[DWCP_MIB_REFUSED_MALFORMED] = "RefusedMalformed",
	[DWCP_MIB_REFUSED_TRUNCATED] = "RefusedTruncated",
	[DWCP_MIB_REFUSED_NO_SESSION] = "RefusedNoSession",
	[DWCP_MIB_REFUSED_BAD_PROOF] = "RefusedBadProof",
	[DWCP_MIB_REFUSED_FULL] = "RefusedFull",
	[DWCP_MIB_PROTOCOL_ERRORS] = "ProtocolErrors",
	[DWCP_MIB_REFUSED_TYPE] = "RefusedType",
	[DWCP_MIB_HDE_REJECTED] = "HdeChunksRejected",
	[DWCP_MIB_HDE_STALE] = "HdeStaleBaselines",
	[DWCP_MIB_MODE_CHANGES] = "ModeChanges",
	[DWCP_MIB_STREAMS_RETIRED] = "StreamsRetired",
	[DWCP_MIB_PEER_WARM_STARTS] = "PeerWarmStarts",
	[DWCP_MIB_FALLBACK_NO_RDMA] = "FallbackNoRdma",
	[DWCP_MIB_RX_FRAMES_COPIED] = "RxFramesCopied",
	[DWCP_MIB_PEER_RESETS] = "PeerResets",
	[DWCP_MIB_DATA_CRC_ERRORS] = "DataCrcErrors",
};

/* Keyed-record baselines: 64 MiB per session end unless the admin says. */
#define DWCP_HDE_STORE_DEFAULT	(64UL << 20)
static unsigned long dwcp_hde_store_max = 1UL << 32;

static const struct ctl_table dwcp_sysctl_template[] = {
	{
		.procname = "hde_store_bytes",
		.maxlen = sizeof(unsigned long),
		.mode = 0644,
		.proc_handler = proc_doulongvec_minmax,
		.extra2 = &dwcp_hde_store_max,
	},
	{}
};

/**
 * dwcp_pernet() - the DWCP state of a network namespace
 * @net: the namespace
 *
 * Return: its struct dwcp_net; never NULL once the module is loaded.
 */
struct dwcp_net *dwcp_pernet(const struct net *net)
{
	return net_generic(net, dwcp_net_id);
}

/**
 * dwcp_count() - add one to a counter of @net
 * @net: the namespace
 * @mib: which counter
 */
void dwcp_count(const struct net *net, enum dwcp_mib mib)
{
	atomic64_inc(&dwcp_pernet(net)->mib[mib]);
}

/**
 * dwcp_stats_read() - copy the counters of @net
 * @net: the namespace
 * @mib: DWCP_MIB_MAX values, each read atomically (not all at one instant)
 */
void dwcp_stats_read(const struct net *net, u64 *mib)
{
	struct dwcp_net *dn = dwcp_pernet(net);
	int i;

	for (i = 0; i < DWCP_MIB_MAX; i++)
		mib[i] = atomic64_read(&dn->mib[i]);
}

static int dwcp_stat_show(struct seq_file *seq, void *v)
{
	struct dwcp_net *dn = dwcp_pernet(seq_file_single_net(seq));
	int i;

	for (i = 0; i < DWCP_MIB_MAX; i++)
		seq_printf(seq, "%s %lld\n", dwcp_mib_names[i],
			   (long long)atomic64_read(&dn->mib[i]));
	return 0;
}

static const char *const dwcp_state_names[] = {
	[DWCP_STATE_CLOSED] = "closed",
	[DWCP_STATE_LISTEN] = "listen",
	[DWCP_STATE_CONNECTING] = "connecting",
	[DWCP_STATE_ESTABLISHED] = "established",
	[DWCP_STATE_CLOSING] = "closing",
};

/*
 * One line per DWCP sock of the netns, like /proc/net/tcp: enough to see
 * why a session is still there.  Read without the socket locks: a snapshot.
 */
static int dwcp_sessions_show(struct seq_file *seq, void *v)
{
	struct dwcp_net *dn = dwcp_pernet(seq_file_single_net(seq));
	struct dwcp_sock *dsk;

	seq_puts(seq, "id state role alive orphan streams_up streams refs snd_nxt snd_una rcv_nxt rx_ready wmem\n");
	spin_lock_bh(&dn->socks_lock);
	list_for_each_entry(dsk, &dn->socks, netns_node) {
		u8 state = READ_ONCE(dsk->sk.sk_state);

		seq_printf(seq, "%llu %s %s %d %d %u %u %d %llu %llu %llu %llu %d\n",
			   dsk->id,
			   state < ARRAY_SIZE(dwcp_state_names) ?
			   dwcp_state_names[state] : "?",
			   dsk->client ? "client" : "server",
			   READ_ONCE(dsk->alive), READ_ONCE(dsk->closing),
			   READ_ONCE(dsk->st.dwci_streams_up), dsk->nstreams,
			   refcount_read(&dsk->sk.sk_refcnt),
			   READ_ONCE(dsk->snd_nxt), READ_ONCE(dsk->snd_una),
			   READ_ONCE(dsk->reorder.rcv_nxt),
			   READ_ONCE(dsk->rx_ready_bytes),
			   READ_ONCE(dsk->sk.sk_wmem_queued));
	}
	spin_unlock_bh(&dn->socks_lock);
	return 0;
}

/* net.dwcp.* of @net, pointing at its own dwcp_net. */
static int dwcp_sysctl_init(struct net *net, struct dwcp_net *dn)
{
	struct ctl_table *tbl;

	tbl = kmemdup(dwcp_sysctl_template, sizeof(dwcp_sysctl_template),
		      GFP_KERNEL);
	if (!tbl)
		return -ENOMEM;
	tbl[0].data = &dn->hde_store_bytes;
	dn->sysctl = register_net_sysctl(net, "net/dwcp", tbl);
	if (!dn->sysctl) {
		kfree(tbl);
		return -ENOMEM;
	}
	return 0;
}

static int __net_init dwcp_net_init(struct net *net)
{
	struct dwcp_net *dn = dwcp_pernet(net);
	int i;

	for (i = 0; i < DWCP_MIB_MAX; i++)
		atomic64_set(&dn->mib[i], 0);
	spin_lock_init(&dn->tokens_lock);
	spin_lock_init(&dn->socks_lock);
	INIT_LIST_HEAD(&dn->socks);
	for (i = 0; i < ARRAY_SIZE(dn->tokens); i++)
		INIT_HLIST_HEAD(&dn->tokens[i]);
	dn->hde_store_bytes = DWCP_HDE_STORE_DEFAULT;
	spin_lock_init(&dn->detect_lock);
	dwcp_detect_cfg_default(&dn->detect);
	dwcp_peers_init(dn);
	if (!proc_create_net_single("dwcp_stat", 0444, net->proc_net,
				    dwcp_stat_show, NULL))
		return -ENOMEM;
	if (!proc_create_net_single("dwcp_sessions", 0444, net->proc_net,
				    dwcp_sessions_show, NULL))
		goto err_stat;
	if (dwcp_sysctl_init(net, dn))
		goto err_sessions;
	return 0;
err_sessions:
	remove_proc_entry("dwcp_sessions", net->proc_net);
err_stat:
	remove_proc_entry("dwcp_stat", net->proc_net);
	return -ENOMEM;
}

static void __net_exit dwcp_net_exit(struct net *net)
{
	struct dwcp_net *dn = dwcp_pernet(net);
	const struct ctl_table *tbl = dn->sysctl->ctl_table_arg;

	unregister_net_sysctl_table(dn->sysctl);
	kfree(tbl);
	remove_proc_entry("dwcp_sessions", net->proc_net);
	remove_proc_entry("dwcp_stat", net->proc_net);
	dwcp_peers_exit(dn);
}

static struct pernet_operations dwcp_net_ops = {
	.init = dwcp_net_init,
	.exit = dwcp_net_exit,
	.id = &dwcp_net_id,
	.size = sizeof(struct dwcp_net),
};

/**
 * dwcp_stats_init() - register the per-namespace state
 *
 * Return: 0, or -ENOMEM.
 */
int dwcp_stats_init(void)
{
	return register_pernet_subsys(&dwcp_net_ops);
}

/**
 * dwcp_stats_exit() - unregister the per-namespace state
 */
void dwcp_stats_exit(void)
{
	unregister_pernet_subsys(&dwcp_net_ops);
}
