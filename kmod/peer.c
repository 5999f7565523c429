// SPDX-License-Identifier: GPL-2.0
/*
 * Peers: one mode detector per remote address of a netns.
 *
 * Sessions between two nodes share a path, and during a migration they
 * come in bursts.  The mode is a property of the path, so every session to
 * an address feeds its samples to one detector, the peer's, and takes its
 * mode from it: what one busy session measures moves them all, idle ones
 * included, and a new session starts where the others stand instead of
 * spending its first second in internet mode.  A session whose mode is
 * forced (or left over from a lifted force) neither feeds nor follows; its
 * own detector (detect.c) keeps its scores.  Without an entry (no memory)
 * a session runs its own detector, as it did before peers existed.
 *
 * A peer not measured for DWCP_PEER_FRESH_MS starts afresh from the
 * detector of the next session that measures it: what it knew is too old
 * to hold a new session to, and nothing else feeds it meanwhile.
 *
 * The table is per netns, bounded (DWCP_PEERS_MAX, the least recently
 * measured peer evicted first) and keyed by address without the port.
 * Every user runs in process context; a plain spinlock covers the table.
 */
#include <linux/jhash.h>
#include <linux/random.h>
#include "dwcp.h"

/**
 * struct dwcp_peer - one remote address of the table
 * @node: in dwcp_net.peers[]
 * @lru: in dwcp_net.peers_lru, the most recently reported first
 * @v: what peer-get reports, less what @det holds
 * @det: the detector every session to the peer feeds
 * @fed: the last sample fed to it
 * @reported_ms: jiffies, in milliseconds, of the last sample or report
 */
struct dwcp_peer {
	struct hlist_node node;
	struct list_head lru;
	struct dwcp_peer_view v;
	struct dwcp_detect det;
	struct dwcp_sample fed;
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

/*
 * The peer's entry, created if missing (memory charged to the session's
 * cgroup; allocated with the lock dropped).  NULL when there is no memory.
 */
static struct dwcp_peer *dwcp_peer_lookup_add(struct dwcp_net *dn,
					      const struct sockaddr_storage *key)
	__must_hold(&dn->peers_lock)
{
	struct dwcp_peer *p = dwcp_peer_lookup(dn, key), *fresh;

	if (p)
		return p;
	spin_unlock(&dn->peers_lock);
	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	spin_lock(&dn->peers_lock);
	p = dwcp_peer_lookup(dn, key);	/* another session may have added it */
	if (p) {
		kfree(fresh);
		return p;
	}
	if (fresh) {
		fresh->v.addr = *key;
		dwcp_peer_insert(dn, fresh);
	}
	return fresh;
}

/* The session's peer address as the table's key; false if it has none. */
static bool dwcp_peer_key_of(const struct dwcp_sock *dsk,
			     struct sockaddr_storage *key)
{
	dwcp_peer_key(&dsk->peer, key);
	return key->ss_family == AF_INET || key->ss_family == AF_INET6;
}

/*
 * A peer nobody measured lately (jiffies clock, @now_ms) starts again from
 * @dsk's detector.
 */
static void dwcp_peer_refresh(struct dwcp_peer *p, const struct dwcp_sock *dsk,
			      u64 now_ms)
{
	if (p->reported_ms && now_ms - p->reported_ms <= DWCP_PEER_FRESH_MS)
		return;
	p->det = dsk->det;
	p->det.forced = DWCP_MODE_AUTO;
	p->det.samples = 0;
	p->det.changes = 0;
}

/* Holding the peer's lock: @p measured now, the most recently used. */
static void dwcp_peer_touch(struct dwcp_net *dn, struct dwcp_peer *p,
			    u64 now_ms)
{
	p->reported_ms = now_ms;
	list_move(&p->lru, &dn->peers_lru);
}

/**
 * dwcp_peer_detect() - feed a sample to the peer's detector, follow its mode
 * @dsk: the session; its mode must be its detector's own (not forced)
 * @cfg: the netns's thresholds
 * @s: the session's new sample, or NULL when it took none (idle): it then
 *	only follows
 * @now_ms: the detector's clock (ktime, in milliseconds) at @s
 * @cause: set, on a change, to the sample that moved the peer's detector
 *	(@s itself, or another session's)
 *
 * Context: process, the socket lock held.
 * Return: 1 if the session's mode changed (its detector says how), 0 if
 * not, -ENOENT when the peer has no detector for it: no entry and no
 * sample, an entry not measured for DWCP_PEER_FRESH_MS and no sample,
 * no memory for an entry, or no address to key it by.  The caller then
 * runs the session's own detector.
 */
int dwcp_peer_detect(struct dwcp_sock *dsk, const struct dwcp_detect_cfg *cfg,
		     const struct dwcp_sample *s, u64 now_ms,
		     struct dwcp_sample *cause)
{
	struct dwcp_net *dn = dwcp_pernet(sock_net(&dsk->sk));
	struct sockaddr_storage key;
	struct dwcp_peer *p;
	bool moved = false;
	int changed;
	u64 t;

	if (!dwcp_peer_key_of(dsk, &key))
		return -ENOENT;
	spin_lock(&dn->peers_lock);
	t = dwcp_peer_now_ms();
	p = s ? dwcp_peer_lookup_add(dn, &key) : dwcp_peer_lookup(dn, &key);
	if (!p || (!s && t - p->reported_ms > DWCP_PEER_FRESH_MS)) {
		spin_unlock(&dn->peers_lock);
		return -ENOENT;
	}
	if (s) {
		dwcp_peer_refresh(p, dsk, t);
		moved = dwcp_detect_step(&p->det, cfg, s, now_ms);
		p->fed = *s;
		dwcp_peer_touch(dn, p, t);
		dsk->det.samples++;
	}
	changed = dwcp_detect_follow(&dsk->det, &p->det, moved);
	if (changed)
		*cause = p->fed;
	spin_unlock(&dn->peers_lock);
	return changed;
}

/**
 * dwcp_peer_report() - record a session's averaged sample of its peer
 * @dsk: the session; its mode must not be forced
 * @s: a measurement report's sample (rate averaged over its interval)
 *
 * The first report of a peer allocates its entry; when that fails the
 * report is dropped (the table is a hint, never needed for correctness).
 *
 * Context: process, the socket lock held.
 */
void dwcp_peer_report(struct dwcp_sock *dsk, const struct dwcp_sample *s)
{
	struct dwcp_net *dn = dwcp_pernet(sock_net(&dsk->sk));
	struct sockaddr_storage key;
	struct dwcp_peer *p;
	u64 t;

	if (!dwcp_peer_key_of(dsk, &key))
		return;
	spin_lock(&dn->peers_lock);
	p = dwcp_peer_lookup_add(dn, &key);
	if (!p) {
		spin_unlock(&dn->peers_lock);
		return;
	}
	t = dwcp_peer_now_ms();
	dwcp_peer_refresh(p, dsk, t);
	p->v.sample = *s;
	p->v.reports++;
	dwcp_peer_touch(dn, p, t);
	spin_unlock(&dn->peers_lock);
}

/**
 * dwcp_peer_warm_start() - start a new session in its peer's mode
 * @dsk: the session, its peer address set, its detector as initialised
 *
 * Nothing happens when a mode is forced on the session or its netns, or
 * when the peer has not been measured within DWCP_PEER_FRESH_MS.
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
	if (!dwcp_peer_key_of(dsk, &key))
		return false;
	spin_lock(&dn->peers_lock);
	p = dwcp_peer_lookup(dn, &key);
	if (p && dwcp_peer_now_ms() - p->reported_ms <= DWCP_PEER_FRESH_MS) {
		dwcp_detect_warm_start(&dsk->det, p->det.mode, p->det.score);
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
			v[got].mode = p->det.mode;
			memcpy(v[got].score, p->det.score,
			       sizeof(v[got].score));
			v[got].samples = p->det.samples;
			v[got].changes = p->det.changes;
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
