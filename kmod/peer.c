// SPDX-License-Identifier: GPL-2.0
/*
 * Peers: what the sessions of a netns last measured of each remote address.
 *
 * Sessions between two nodes share a path, and during a migration they
 * come in bursts; a new one need not spend its first second in internet
 * mode learning what the previous one already knew.  Every session reports
 * its detector's mode and scores with its latest sample at each
 * measurement event and each detected mode change, as long as its mode is
 * its detector's own (a forced mode says nothing about the path).  A new
 * session to a peer reported within DWCP_PEER_FRESH_MS starts in that mode
 * (dwcp_detect_warm_start()); its own detector carries on from there.
 *
 * The table is per netns, bounded (DWCP_PEERS_MAX, the least recently
 * reported peer evicted first) and keyed by address without the port.
 * Every user runs in process context; a plain spinlock covers the table.
 */
#include <linux/jhash.h>
#include <linux/random.h>
#include "dwcp.h"

/**
 * struct dwcp_peer - one remote address of the table
 * @node: in dwcp_net.peers[]
 * @lru: in dwcp_net.peers_lru, the most recently reported first
 * @v: what peer-get reports (@v.age_ms unused here)
 * @reported_ms: jiffies, in milliseconds, of the last report
 */
struct dwcp_peer {
	struct hlist_node node;
	struct list_head lru;
	struct dwcp_peer_view v;
	u64 reported_ms;
};

static u64 dwcp_peer_now_ms(void)
{
	return jiffies64_to_msecs(get_jiffies_64());
}

/* The table's key: family and address, port and flow label zeroed. */
static void dwcp_peer_key(const struct sockaddr_storage *ss,
			  struct sockaddr_storage *key)
{
	memset(key, 0, sizeof(*key));
	key->ss_family = ss->ss_family;
	if (ss->ss_family == AF_INET) {
		((struct sockaddr_in *)key)->sin_addr =
			((const struct sockaddr_in *)ss)->sin_addr;
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		struct sockaddr_in6 *k = (struct sockaddr_in6 *)key;

		k->sin6_addr = a->sin6_addr;
		k->sin6_scope_id = a->sin6_scope_id;
	}
}

static struct hlist_head *dwcp_peer_bucket(struct dwcp_net *dn,
					   const struct sockaddr_storage *key)
{
	/* seeded per netns: remote clients choose the addresses */
	u32 h = jhash(key, sizeof(struct sockaddr_in6), dn->peers_seed);

	return &dn->peers[h % ARRAY_SIZE(dn->peers)];
}

static struct dwcp_peer *dwcp_peer_lookup(struct dwcp_net *dn,
					  const struct sockaddr_storage *key)
{
	struct dwcp_peer *p;

	hlist_for_each_entry(p, dwcp_peer_bucket(dn, key), node)
		if (!memcmp(&p->v.addr, key, sizeof(*key)))
			return p;
	return NULL;
}

/* A peer came or went: a dump running across it is flagged.  Never 0,
 * which netlink takes for "no sequence yet".
 */
static void dwcp_peers_changed(struct dwcp_net *dn)
{
	if (!++dn->peers_gen)
		dn->peers_gen = 1;
}

static void dwcp_peer_free(struct dwcp_net *dn, struct dwcp_peer *p)
{
	hlist_del(&p->node);
	list_del(&p->lru);
	dn->npeers--;
	dwcp_peers_changed(dn);
	kfree(p);
}

/* Add @p (new, keyed) to the table, evicting the stalest peer if full. */
static void dwcp_peer_insert(struct dwcp_net *dn, struct dwcp_peer *p)
{
	if (dn->npeers >= DWCP_PEERS_MAX)
		dwcp_peer_free(dn, list_last_entry(&dn->peers_lru,
						   struct dwcp_peer, lru));
	hlist_add_head(&p->node, dwcp_peer_bucket(dn, &p->v.addr));
	list_add(&p->lru, &dn->peers_lru);
	dn->npeers++;
	dwcp_peers_changed(dn);
}

static void dwcp_peer_fill(struct dwcp_peer *p, const struct dwcp_sock *dsk,
			   const struct dwcp_sample *s)
{
	p->v.mode = dsk->det.mode;
	memcpy(p->v.score, dsk->det.score, sizeof(p->v.score));
	p->v.sample = *s;
	p->v.reports++;
	p->reported_ms = dwcp_peer_now_ms();
}

/**
 * dwcp_peer_report() - record what a session measured of its peer
 * @dsk: the session; its mode must not be forced
 * @s: its latest sample (a measurement report's, rate averaged)
 *
 * The first report of a peer allocates its entry; when that fails the
 * report is dropped (the table is a hint, never needed for correctness).
 *
 * Context: process, the socket lock held.
 */
void dwcp_peer_report(struct dwcp_sock *dsk, const struct dwcp_sample *s)
{
	struct dwcp_net *dn = dwcp_pernet(sock_net(&dsk->sk));
	struct dwcp_peer *p, *fresh;
	struct sockaddr_storage key;

	dwcp_peer_key(&dsk->peer, &key);
	if (key.ss_family != AF_INET && key.ss_family != AF_INET6)
		return;
	spin_lock(&dn->peers_lock);
	p = dwcp_peer_lookup(dn, &key);
	if (p)
		goto found;
	spin_unlock(&dn->peers_lock);

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return;
	fresh->v.addr = key;
	spin_lock(&dn->peers_lock);
	p = dwcp_peer_lookup(dn, &key);	/* another session may have added it */
	if (p) {
		kfree(fresh);
	} else {
		p = fresh;
		dwcp_peer_insert(dn, p);
	}
found:
	dwcp_peer_fill(p, dsk, s);
	list_move(&p->lru, &dn->peers_lru);
	spin_unlock(&dn->peers_lock);
}

/**
 * dwcp_peer_warm_start() - start a new session in its peer's mode
 * @dsk: the session, its peer address set, its detector as initialised
 *
 * Nothing happens when a mode is forced on the session or its netns, or
 * when the peer has not been reported within DWCP_PEER_FRESH_MS.
 *
 * Context: process, the socket lock held, before the session's first
 * stream is attached (so that it starts with the mode's congestion
 * control).
 * Return: true if the session now starts in the peer's mode.
 */
bool dwcp_peer_warm_start(struct dwcp_sock *dsk)
{
	struct net *net = sock_net(&dsk->sk);
	struct dwcp_net *dn = dwcp_pernet(net);
	struct sockaddr_storage key;
	struct dwcp_detect_cfg cfg;
	struct dwcp_peer *p;
	bool warm = false;

	dwcp_defaults_get(net, &cfg);
	if (dsk->det.forced || cfg.forced)
		return false;
	dwcp_peer_key(&dsk->peer, &key);
	spin_lock(&dn->peers_lock);
	p = dwcp_peer_lookup(dn, &key);
	if (p && dwcp_peer_now_ms() - p->reported_ms <= DWCP_PEER_FRESH_MS) {
		dwcp_detect_warm_start(&dsk->det, p->v.mode, p->v.score);
		p->v.warm_starts++;
		warm = true;
	}
	spin_unlock(&dn->peers_lock);
	if (warm)
		dwcp_count(net, DWCP_MIB_PEER_WARM_STARTS);
	return warm;
}

/**
 * dwcp_peers_read() - copy peers of the table, for a dump
 * @net: network namespace
 * @pos: position to start from (0 first); advanced past what was copied
 * @v: filled in
 * @n: room in @v
 * @gen: set to the table's generation, which changes with every peer added
 *	or evicted (a dump spanning two generations may miss or repeat one)
 *
 * Return: the number of peers copied, 0 at the end of the table.
 */
int dwcp_peers_read(struct net *net, unsigned long *pos,
		    struct dwcp_peer_view *v, int n, u32 *gen)
{
	struct dwcp_net *dn = dwcp_pernet(net);
	unsigned long i = 0;
	struct dwcp_peer *p;
	int b, got = 0;
	u64 now;

	spin_lock(&dn->peers_lock);
	now = dwcp_peer_now_ms();	/* not before a report under the lock */
	*gen = dn->peers_gen;
	for (b = 0; b < ARRAY_SIZE(dn->peers) && got < n; b++) {
		hlist_for_each_entry(p, &dn->peers[b], node) {
			if (i++ < *pos)
				continue;
			v[got] = p->v;
			v[got].age_ms = now - p->reported_ms;
			if (++got == n)
				break;
		}
	}
	spin_unlock(&dn->peers_lock);
	*pos += got;
	return got;
}

/**
 * dwcp_peers_init() - an empty peer table
 * @dn: the netns's DWCP state
 */
void dwcp_peers_init(struct dwcp_net *dn)
{
	int b;

	spin_lock_init(&dn->peers_lock);
	dn->peers_seed = get_random_u32();
	dn->peers_gen = 1;
	for (b = 0; b < ARRAY_SIZE(dn->peers); b++)
		INIT_HLIST_HEAD(&dn->peers[b]);
	INIT_LIST_HEAD(&dn->peers_lru);
}

/**
 * dwcp_peers_exit() - free the peer table of a netns going away
 * @dn: the netns's DWCP state; no session of it is left
 */
void dwcp_peers_exit(struct dwcp_net *dn)
{
	struct dwcp_peer *p, *tmp;

	list_for_each_entry_safe(p, tmp, &dn->peers_lru, lru)
		dwcp_peer_free(dn, p);
}
