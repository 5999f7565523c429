// SPDX-License-Identifier: GPL-2.0
/*
 * HDE, hierarchical delta encoding of keyed records (uapi: "1b. HDE").
 *
 * Per record, cheapest first: unchanged since the baseline (SAME), all zero
 * (ZERO), equal to another baseline (DUP), runs against the baseline
 * (DELTA), else the content (RAW).  Records gather in a chunk that zstd
 * compresses as a whole when the selector says it pays.  Both ends keep the
 * same baselines: the sender decides every change, the receiver replays it.
 *
 * Builds in the kernel and, unchanged, in userspace (see hde.h).
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/log2.h>
#include <linux/string.h>
#include <linux/xxhash.h>
#include <linux/ktime.h>
#include <asm/unaligned.h>
#endif
#include "hde.h"

/* --- Baseline store ------------------------------------------------------ */

static u32 hde_bucket(const struct hde_store *st, u64 v)
{
	return (u32)((v * 0x9E3779B97F4A7C15ull) >> 32) & st->mask;
}

static size_t hde_cost(u32 len, bool zero)
{
	return sizeof(struct hde_base) + (zero ? 0 : len);
}

/**
 * hde_store_init() - set up an empty baseline store
 * @st: the store
 * @limit: bytes the baselines may use (entries included)
 * @dedup: index contents too, for the encoder's duplicate search
 *
 * Return: 0, or -ENOMEM.
 */
int hde_store_init(struct hde_store *st, size_t limit, bool dedup)
{
	u32 buckets = clamp_t(size_t, limit / 4096, 64, 1u << 20);

	memset(st, 0, sizeof(*st));
	buckets = roundup_pow_of_two(buckets);
	st->mask = buckets - 1;
	st->limit = limit;
	st->keys = kvcalloc(buckets, sizeof(*st->keys), GFP_KERNEL);
	if (!st->keys)
		return -ENOMEM;
	if (dedup) {
		st->hashes = kvcalloc(buckets, sizeof(*st->hashes), GFP_KERNEL);
		if (!st->hashes) {
			kvfree(st->keys);
			st->keys = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

/**
 * hde_store_destroy() - free every baseline and the tables
 * @st: the store (may be one whose init failed)
 */
void hde_store_destroy(struct hde_store *st)
{
	struct hde_base *b = st->oldest, *next;

	for (; b; b = next) {
		next = b->newer;
		kvfree(b);
	}
	kvfree(st->keys);
	kvfree(st->hashes);
	memset(st, 0, sizeof(*st));
}

/**
 * hde_store_find() - the baseline of a key
 * @st: the store
 * @key: record key
 *
 * Return: the baseline, or NULL when the store has none for @key.
 */
struct hde_base *hde_store_find(const struct hde_store *st, u64 key)
{
	struct hde_base *b = st->keys[hde_bucket(st, key)];

	while (b && b->key != key)
		b = b->next;
	return b;
}

static const u8 *hde_base_data(const struct hde_base *b, u8 *scratch)
{
	if (!b->zero)
		return b->data;
	memset(scratch, 0, b->len);
	return scratch;
}

static void hde_order_unlink(struct hde_store *st, struct hde_base *b)
{
	if (b->older)
		b->older->newer = b->newer;
	else
		st->oldest = b->newer;
	if (b->newer)
		b->newer->older = b->older;
	else
		st->newest = b->older;
	b->older = NULL;
	b->newer = NULL;
}

static void hde_order_append(struct hde_store *st, struct hde_base *b)
{
	b->older = st->newest;
	b->newer = NULL;
	if (st->newest)
		st->newest->newer = b;
	else
		st->oldest = b;
	st->newest = b;
}

/* A baseline referenced by a record moves to the young end at both ends. */
static void hde_touch(struct hde_store *st, struct hde_base *b)
{
	hde_order_unlink(st, b);
	hde_order_append(st, b);
}

static void hde_chain_unlink(struct hde_base **head, struct hde_base *b,
			     bool dedup)
{
	struct hde_base **pp = head;

	while (*pp && *pp != b)
		pp = dedup ? &(*pp)->dnext : &(*pp)->next;
	if (*pp)
		*pp = dedup ? b->dnext : b->next;
}

static void hde_remove(struct hde_store *st, struct hde_base *b)
{
	hde_chain_unlink(&st->keys[hde_bucket(st, b->key)], b, false);
	if (st->hashes && !b->zero)
		hde_chain_unlink(&st->hashes[hde_bucket(st, b->hash)], b, true);
	hde_order_unlink(st, b);
	st->bytes -= hde_cost(b->len, b->zero);
	st->count--;
	kvfree(b);
}

/*
 * Make @key's baseline (@version, @data or zeros).  The same calls in the
 * same order give the same store at both ends: the old version goes, then
 * the oldest baselines until the new one fits.  The copy is made first,
 * because @data may be a baseline that is about to be evicted.  A record
 * larger than the whole store is not kept; nor is one that finds no memory
 * (counted; a later reference to that key resyncs).
 */
static void hde_store_put(struct hde_store *st, u64 key, u32 version,
			  const u8 *data, u32 len, u64 hash, bool zero)
{
	size_t cost = hde_cost(len, zero);
	struct hde_base *b = NULL, *old;

	if (cost <= st->limit) {
		b = kvmalloc(cost, GFP_KERNEL | __GFP_NOWARN);
		if (!b)
			st->alloc_failures++;
		else if (!zero)
			memcpy(b->data, data, len);
	}
	old = hde_store_find(st, key);
	if (old)
		hde_remove(st, old);
	if (cost > st->limit)
		return;
	while (st->oldest && st->bytes + cost > st->limit) {
		hde_remove(st, st->oldest);
		st->evictions++;
	}
	if (!b)
		return;
	b->key = key;
	b->hash = hash;
	b->version = version;
	b->len = len;
	b->zero = zero;
	b->dnext = NULL;
	b->next = st->keys[hde_bucket(st, key)];
	st->keys[hde_bucket(st, key)] = b;
	if (st->hashes && !zero) {
		b->dnext = st->hashes[hde_bucket(st, hash)];
		st->hashes[hde_bucket(st, hash)] = b;
	}
	hde_order_append(st, b);
	st->bytes += cost;
	st->count++;
}

static struct hde_base *hde_dedup_find(const struct hde_store *st, u64 hash,
				       const u8 *data, u32 len)
{
	struct hde_base *b = st->hashes[hde_bucket(st, hash)];

	for (; b; b = b->dnext)
		if (b->hash == hash && b->len == len &&
		    !memcmp(b->data, data, len))
			return b;
	return NULL;
}

static bool hde_all_zero(const u8 *data, u32 len)
{
	return data[0] == 0 && (len == 1 || !memcmp(data, data + 1, len - 1));
}

/* --- Varints and delta runs ------------------------------------------------ */

static u32 hde_uleb_put(u8 *p, u64 v)
{
	u32 n = 0;

	while (v >= 0x80) {
		p[n++] = (u8)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (u8)v;
	return n;
}

/*
 * A ULEB128 of at most @max, no overlong encoding; consumes from *@pos and
 * returns false when malformed or out of @avail.
 */
static bool hde_uleb_get(const u8 *p, u32 avail, u32 *pos, u64 max, u64 *v)
{
	u64 acc = 0;
	u32 n;

	for (n = 0; *pos + n < avail && n < 10; n++) {
		u8 byte = p[*pos + n];

		if (n == 9 && byte > 1)
			return false;
		acc |= (u64)(byte & 0x7f) << (7 * n);
		if (!(byte & 0x80)) {
			if ((n && !byte) || acc > max)
				return false;
			*pos += n + 1;
			*v = acc;
			return true;
		}
	}
	return false;
}

static u64 hde_zigzag(u64 to, u64 from)
{
	s64 d = (s64)(to - from);

	return ((u64)d << 1) ^ (u64)(d >> 63);
}

static u64 hde_unzigzag(u64 from, u64 z)
{
	return from + ((z >> 1) ^ (0 - (z & 1)));
}

/* Has the 64-bit word a zero byte?  (Equal bytes XOR to zero.) */
static bool hde_has_zero_byte(u64 x)
{
	return (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
}

static u64 hde_load64(const u8 *p)
{
	return get_unaligned((const u64 *)p);
}

static u32 hde_equal_run(const u8 *a, const u8 *b, u32 i, u32 len)
{
	while (i + 8 <= len && hde_load64(a + i) == hde_load64(b + i))
		i += 8;
	while (i < len && a[i] == b[i])
		i++;
	return i;
}

/* End of a copy run from @i: the start of HDE_MIN_SKIP equal bytes, or @len. */
static u32 hde_copy_run(const u8 *a, const u8 *b, u32 i, u32 len)
{
	u32 eq;

	for (;;) {
		while (i + 8 <= len &&
		       !hde_has_zero_byte(hde_load64(a + i) ^ hde_load64(b + i)))
			i += 8;
		while (i < len && a[i] != b[i])
			i++;
		if (i == len)
			return len;
		for (eq = i; eq < len && a[eq] == b[eq] && eq - i < HDE_MIN_SKIP; eq++)
			;
		if (eq - i >= HDE_MIN_SKIP || eq == len)
			return i;
		i = eq;
	}
}

/**
 * hde_delta_encode() - the run table and literals that turn @old into @cur
 * @old: baseline content
 * @cur: new content
 * @len: bytes of each
 * @runs: where the run table goes
 * @runs_len: its bytes, out
 * @lits: where the literals go
 * @lits_len: their bytes, out
 * @cap: most bytes the two may take together
 *
 * Return: 0, or -E2BIG when they would exceed @cap.
 */
int hde_delta_encode(const u8 *old, const u8 *cur, u32 len, u8 *runs,
		     u32 *runs_len, u8 *lits, u32 *lits_len, u32 cap)
{
	u32 i = 0, r = 0, l = 0, start, skip;

	while (i < len) {
		start = i;
		i = hde_equal_run(old, cur, i, len);
		if (i == len)
			break;
		skip = i - start;
		start = i;
		i = hde_copy_run(old, cur, i, len);
		if (r + l + 10 + (i - start) > cap)
			return -E2BIG;
		r += hde_uleb_put(runs + r, skip);
		r += hde_uleb_put(runs + r, i - start);
		memcpy(lits + l, cur + start, i - start);
		l += i - start;
	}
	*runs_len = r;
	*lits_len = l;
	return 0;
}

/**
 * hde_delta_apply() - apply a run table to a baseline copy
 * @runs: the run table
 * @runs_len: its bytes
 * @lits: literal bytes
 * @lits_avail: literal bytes there are
 * @len: content bytes
 * @out: the baseline's content on entry, the new content on return; NULL
 *	to check the table only
 *
 * Return: literal bytes used, or -EBADMSG for a table that is malformed,
 * runs past @len or needs more than @lits_avail literals.
 */
int hde_delta_apply(const u8 *runs, u32 runs_len, const u8 *lits,
		    u32 lits_avail, u32 len, u8 *out)
{
	u32 r = 0, pos = 0, l = 0;
	u64 skip, copy;

	while (r < runs_len) {
		if (!hde_uleb_get(runs, runs_len, &r, len - pos, &skip))
			return -EBADMSG;
		pos += skip;
		if (!hde_uleb_get(runs, runs_len, &r, len - pos, &copy) || !copy ||
		    copy > lits_avail - l)
			return -EBADMSG;
		if (out)
			memcpy(out + pos, lits + l, copy);
		pos += copy;
		l += copy;
	}
	return l;
}

/* --- Codec selection ------------------------------------------------------- */

static const int hde_levels[HDE_NR_OPTS] = { 0, 1, 3, 6 };

/* By default, every this many chunks all options are measured on one. */
#define HDE_PROBE_EVERY		32

/**
 * hde_opt_level() - zstd level of a codec option
 * @opt: enum hde_opt
 *
 * Return: the level, 0 for no compression.
 */
int hde_opt_level(int opt)
{
	return opt > 0 && opt < HDE_NR_OPTS ? hde_levels[opt] : 0;
}

/**
 * hde_selector_init() - a selector that measures before it chooses
 * @sel: the selector
 */
void hde_selector_init(struct hde_selector *sel)
{
	memset(sel, 0, sizeof(*sel));
	sel->fixed = -1;
	sel->max_opt = HDE_NR_OPTS - 1;
	sel->probe_every = HDE_PROBE_EVERY;
}

/**
 * hde_selector_set_max() - the costliest option the selector may choose
 * @sel: the selector
 * @max_opt: enum hde_opt; clamped to zstd 1 .. the costliest there is
 *
 * Bounds the measured choice and the probes (the options a probe does
 * not try cost nothing); a policy-fixed option is not bounded.
 */
void hde_selector_set_max(struct hde_selector *sel, int max_opt)
{
	sel->max_opt = clamp_t(int, max_opt, HDE_OPT_ZSTD1, HDE_NR_OPTS - 1);
}

static u32 hde_ewma(u32 old, u32 sample, bool first)
{
	return first ? sample : (u32)(((u64)old * 7 + sample) / 8);
}

/**
 * hde_selector_feed() - report what encoding one chunk cost and gave
 * @sel: the selector
 * @opt: option used
 * @plain: plain bytes in
 * @out: bytes out
 * @ns: encode time
 */
void hde_selector_feed(struct hde_selector *sel, int opt, u32 plain, u32 out,
		       u64 ns)
{
	struct hde_opt_stats *s;
	bool first;

	if (opt < 0 || opt >= HDE_NR_OPTS || !plain)
		return;
	s = &sel->opt[opt];
	first = !s->chunks;
	s->chunks++;
	s->plain += plain;
	s->out += out;
	s->ratio_ppm = hde_ewma(s->ratio_ppm,
				(u32)min_t(u64, (u64)out * 1000000 / plain, U32_MAX),
				first);
	s->ns_per_kib = hde_ewma(s->ns_per_kib,
				 (u32)min_t(u64, ns * 1024 / plain, U32_MAX),
				 first);
}

/*
 * Time to move one KiB of plain bytes with option @s over a link of @rate
 * bytes/s: encoding and sending overlap, so the slower of the two counts.
 */
static u64 hde_ns_per_kib(const struct hde_opt_stats *s, u64 rate)
{
	u64 wire = (u64)s->ratio_ppm * 1024 * 1000 / rate;

	return max_t(u64, wire, s->ns_per_kib);
}

/**
 * hde_select() - the codec option for the next chunk
 * @sel: the selector
 * @rate: the session's delivery rate, bytes/s (0: not measured yet)
 *
 * Now and then (and first) the answer is HDE_PROBE: the encoder then tries
 * every option on the same chunk, so their figures compare like with like.
 * Otherwise the option with the least time per plain byte at @rate wins,
 * among those up to @sel->max_opt.  A policy-fixed option always wins.
 *
 * Return: enum hde_opt, or HDE_PROBE.
 */
int hde_select(struct hde_selector *sel, u64 rate)
{
	int opt, best = HDE_OPT_NONE;
	u64 t, best_t = U64_MAX;

	if (sel->fixed >= 0)
		return sel->fixed;
	if (sel->chunks++ % max_t(u32, sel->probe_every, 1) == 0)
		return HDE_PROBE;
	if (!rate)
		return HDE_OPT_ZSTD1;
	for (opt = 0; opt <= sel->max_opt && opt < HDE_NR_OPTS; opt++) {
		t = hde_ns_per_kib(&sel->opt[opt], rate);
		if (t < best_t) {
			best_t = t;
			best = opt;
		}
	}
	return best;
}

/* --- Encoder --------------------------------------------------------------- */

/**
 * hde_encoder_init() - set up the sending end
 * @enc: the encoder
 * @store_limit: baseline memory, bytes (the receiver must use the same)
 *
 * Return: 0, or -ENOMEM.
 */
int hde_encoder_init(struct hde_encoder *enc, size_t store_limit)
{
	size_t ws = 0, need;
	zstd_parameters p;
	int opt, err;

	memset(enc, 0, sizeof(*enc));
	hde_selector_init(&enc->sel);
	err = hde_store_init(&enc->store, store_limit, true);
	if (err)
		return err;
	for (opt = 1; opt < HDE_NR_OPTS; opt++) {
		p = zstd_get_params(hde_levels[opt], DWCP_HDE_MAX_PLAIN);
		need = zstd_cctx_workspace_bound(&p.cParams);
		ws = max(ws, need);
	}
	enc->sec.hdrs = kvmalloc(DWCP_HDE_MAX_PLAIN, GFP_KERNEL);
	enc->sec.runs = kvmalloc(DWCP_HDE_MAX_PLAIN, GFP_KERNEL);
	enc->sec.lits = kvmalloc(DWCP_HDE_MAX_PLAIN, GFP_KERNEL);
	enc->plain = kvmalloc(DWCP_HDE_MAX_PLAIN, GFP_KERNEL);
	enc->cwork = kvmalloc(ws, GFP_KERNEL);
	if (enc->sec.hdrs && enc->sec.runs && enc->sec.lits && enc->plain &&
	    enc->cwork)
		enc->cctx = zstd_init_cctx(enc->cwork, ws);
	if (!enc->cctx) {
		hde_encoder_destroy(enc);
		return -ENOMEM;
	}
	return 0;
}

/**
 * hde_encoder_destroy() - free the sending end
 * @enc: the encoder (may be one whose init failed)
 */
void hde_encoder_destroy(struct hde_encoder *enc)
{
	hde_store_destroy(&enc->store);
	kvfree(enc->sec.hdrs);
	kvfree(enc->sec.runs);
	kvfree(enc->sec.lits);
	kvfree(enc->plain);
	kvfree(enc->cwork);
	memset(enc, 0, sizeof(*enc));
}

static void hde_put_check(struct hde_sections *sec, u64 hash)
{
	u8 *p = sec->hdrs + sec->hdrs_len;

	p[0] = (u8)hash;
	p[1] = (u8)(hash >> 8);
	p[2] = (u8)(hash >> 16);
	p[3] = (u8)(hash >> 24);
	sec->hdrs_len += 4;
}

/* Kind, key, version and length: the start of every record header. */
static void hde_put_hdr(struct hde_encoder *enc, u8 kind, u64 key, u32 version,
			u32 len)
{
	struct hde_sections *sec = &enc->sec;

	sec->hdrs[sec->hdrs_len++] = kind;
	sec->hdrs_len += hde_uleb_put(sec->hdrs + sec->hdrs_len,
				      hde_zigzag(key, enc->prev_key));
	sec->hdrs_len += hde_uleb_put(sec->hdrs + sec->hdrs_len, version);
	sec->hdrs_len += hde_uleb_put(sec->hdrs + sec->hdrs_len, len);
	enc->prev_key = key;
}

static bool hde_base_equal(const struct hde_base *b, const u8 *data, u32 len,
			   u64 hash)
{
	if (b->len != len || b->hash != hash)
		return false;
	return b->zero ? hde_all_zero(data, len) : !memcmp(b->data, data, len);
}

/* Try a DELTA against @base; on success the record is written. */
static bool hde_enc_delta(struct hde_encoder *enc, struct hde_base *base,
			  u64 key, const u8 *data, u32 len, u64 hash)
{
	struct hde_sections *sec = &enc->sec;
	u32 runs_len, lits_len;
	u8 *p;

	if (!base || base->len != len || base->zero)
		return false;
	/* Worth it only when clearly smaller than the content. */
	if (hde_delta_encode(base->data, data, len, sec->runs + sec->runs_len,
			     &runs_len, sec->lits + sec->lits_len, &lits_len,
			     len - len / 8))
		return false;
	hde_put_hdr(enc, DWCP_HDE_DELTA, key, base->version + 1, len);
	p = sec->hdrs + sec->hdrs_len;
	sec->hdrs_len += hde_uleb_put(p, runs_len);
	hde_put_check(sec, hash);
	sec->runs_len += runs_len;
	sec->lits_len += lits_len;
	return true;
}

/* Encode one record into the sections (room checked by the caller). */
static int hde_enc_record(struct hde_encoder *enc, u64 key, const u8 *data,
			  u32 len)
{
	struct hde_store *st = &enc->store;
	struct hde_sections *sec = &enc->sec;
	struct hde_base *base = hde_store_find(st, key), *dup;
	u64 hash = xxh64(data, len, 0);
	u32 version = base ? base->version + 1 : 1;

	if (base && hde_base_equal(base, data, len, hash)) {
		hde_touch(st, base);
		hde_put_hdr(enc, DWCP_HDE_SAME, key, base->version, len);
		hde_put_check(sec, hash);
		return DWCP_HDE_SAME;
	}
	if (hde_all_zero(data, len)) {
		hde_put_hdr(enc, DWCP_HDE_ZERO, key, version, len);
		hde_store_put(st, key, version, data, len, hash, true);
		return DWCP_HDE_ZERO;
	}
	dup = hde_dedup_find(st, hash, data, len);
	if (dup) {
		hde_touch(st, dup);
		hde_put_hdr(enc, DWCP_HDE_DUP, key, version, len);
		sec->hdrs_len += hde_uleb_put(sec->hdrs + sec->hdrs_len,
					      hde_zigzag(dup->key, key));
		sec->hdrs_len += hde_uleb_put(sec->hdrs + sec->hdrs_len,
					      dup->version);
		hde_put_check(sec, hash);
	} else if (!hde_enc_delta(enc, base, key, data, len, hash)) {
		hde_put_hdr(enc, DWCP_HDE_RAW, key, version, len);
		memcpy(sec->lits + sec->lits_len, data, len);
		sec->lits_len += len;
		hde_store_put(st, key, version, data, len, hash, false);
		return DWCP_HDE_RAW;
	}
	hde_store_put(st, key, version, data, len, hash, false);
	return dup ? DWCP_HDE_DUP : DWCP_HDE_DELTA;
}

static u32 hde_plain_len(const struct hde_sections *sec)
{
	u8 tmp[10];

	return hde_uleb_put(tmp, sec->hdrs_len) + hde_uleb_put(tmp, sec->runs_len) +
	       sec->hdrs_len + sec->runs_len + sec->lits_len;
}

/**
 * hde_enc_room() - does a record of @len bytes fit the chunk being built?
 * @enc: the encoder
 * @len: content bytes
 *
 * Return: true when hde_enc_add() will take it.
 */
bool hde_enc_room(const struct hde_encoder *enc, u32 len)
{
	u32 worst = HDE_REC_HDR_MAX + HDE_DUP_HDR_MAX + 10 + len;

	return enc->nrec < U16_MAX && worst <= DWCP_HDE_MAX_PLAIN - enc->plain_len &&
	       len <= DWCP_HDE_MAX_CONTENT - enc->content;
}

/**
 * hde_enc_add() - encode a record into the chunk being built
 * @enc: the encoder
 * @key: record key
 * @data: content
 * @len: content bytes, 1..DWCP_HDE_MAX_RECORD
 *
 * Return: 0; -EINVAL for a bad length; -ENOSPC when the chunk is full
 * (finish it and add again).
 */
int hde_enc_add(struct hde_encoder *enc, u64 key, const void *data, u32 len)
{
	int kind;

	if (!len || len > DWCP_HDE_MAX_RECORD)
		return -EINVAL;
	if (!hde_enc_room(enc, len))
		return -ENOSPC;
	kind = hde_enc_record(enc, key, data, len);
	enc->plain_len = hde_plain_len(&enc->sec);
	enc->nrec++;
	enc->content += len;
	enc->stats.records[kind]++;
	enc->stats.in_bytes += len;
	return 0;
}

/**
 * hde_chunk_bound() - the most bytes hde_enc_finish() can write now
 * @enc: the encoder
 *
 * Return: chunk header plus the plain bytes (compression is kept only when
 * it is smaller).
 */
size_t hde_chunk_bound(const struct hde_encoder *enc)
{
	return DWCP_HDE_CHUNK_HDR_LEN + enc->plain_len;
}

static void hde_assemble(struct hde_encoder *enc)
{
	struct hde_sections *sec = &enc->sec;
	u8 *p = enc->plain;

	p += hde_uleb_put(p, sec->hdrs_len);
	p += hde_uleb_put(p, sec->runs_len);
	memcpy(p, sec->hdrs, sec->hdrs_len);
	p += sec->hdrs_len;
	memcpy(p, sec->runs, sec->runs_len);
	p += sec->runs_len;
	memcpy(p, sec->lits, sec->lits_len);
}

/* zstd into @out when it comes out smaller; returns its size or 0. */
static u32 hde_compress(struct hde_encoder *enc, int level, u8 *out)
{
	zstd_parameters p = zstd_get_params(level, enc->plain_len);
	size_t n;

	n = zstd_compress_cctx(enc->cctx, out, enc->plain_len - 1, enc->plain,
			       enc->plain_len, &p);
	return zstd_is_error(n) ? 0 : (u32)n;
}

/* Compress the assembled chunk with @opt into @body; returns its bytes. */
static u32 hde_enc_body(struct hde_encoder *enc, int opt, u8 *body, bool feed)
{
	int level = hde_opt_level(opt);
	u64 t0 = ktime_get_ns();
	u32 n = level ? hde_compress(enc, level, body) : 0;

	if (feed)
		hde_selector_feed(&enc->sel, opt, enc->plain_len,
				  n ? n : enc->plain_len,
				  level ? ktime_get_ns() - t0 : 0);
	return n;
}

/*
 * Try every option the selector may choose on this chunk (feeding the
 * selector); the smallest wins.
 */
static u32 hde_enc_probe(struct hde_encoder *enc, u8 *body, int *used)
{
	u32 n, best = 0;
	int opt;

	*used = HDE_OPT_NONE;
	hde_enc_body(enc, HDE_OPT_NONE, body, true);
	for (opt = HDE_OPT_NONE + 1; opt <= enc->sel.max_opt; opt++) {
		n = hde_enc_body(enc, opt, body, true);
		if (n && (!best || n < best)) {
			best = n;
			*used = opt;
		}
	}
	/* Leave the winner's bytes in @body. */
	return best ? hde_enc_body(enc, *used, body, false) : 0;
}

/**
 * hde_enc_finish() - close the chunk being built
 * @enc: the encoder
 * @opt: enum hde_opt to use, or HDE_PROBE (hde_select() chooses)
 * @out: where the chunk goes
 * @cap: bytes @out holds, at least hde_chunk_bound()
 *
 * Return: chunk bytes written (0 when no record was added), -EINVAL for an
 * unknown option, -ENOSPC when @cap is too small.
 */
int hde_enc_finish(struct hde_encoder *enc, int opt, void *out, size_t cap)
{
	u8 *hdr = out, *body = hdr + DWCP_HDE_CHUNK_HDR_LEN;
	u32 enc_len;

	if (opt < 0 || opt > HDE_PROBE)
		return -EINVAL;
	if (!enc->nrec)
		return 0;
	if (cap < hde_chunk_bound(enc))
		return -ENOSPC;
	hde_assemble(enc);
	if (opt == HDE_PROBE)
		enc_len = hde_enc_probe(enc, body, &opt);
	else
		enc_len = hde_enc_body(enc, opt, body, false);
	hdr[0] = enc_len ? DWCP_HDE_COMP_ZSTD : DWCP_HDE_COMP_NONE;
	if (!enc_len) {
		memcpy(body, enc->plain, enc->plain_len);
		enc_len = enc->plain_len;
	}
	hdr[1] = (u8)hde_opt_level(opt);
	put_unaligned_be16(enc->nrec, hdr + 2);
	put_unaligned_be32(enc->plain_len, hdr + 4);
	put_unaligned_be32(enc_len, hdr + 8);
	enc->stats.plain_bytes += enc->plain_len;
	enc->stats.out_bytes += DWCP_HDE_CHUNK_HDR_LEN + enc_len;
	enc->stats.chunks++;
	enc->stats.opt_chunks[opt]++;
	enc->sec.hdrs_len = 0;
	enc->sec.runs_len = 0;
	enc->sec.lits_len = 0;
	enc->plain_len = 0;
	enc->nrec = 0;
	enc->content = 0;
	enc->prev_key = 0;
	return DWCP_HDE_CHUNK_HDR_LEN + enc_len;
}

/* --- Decoder --------------------------------------------------------------- */

/**
 * hde_decoder_init() - set up the receiving end
 * @dec: the decoder
 * @store_limit: baseline memory, bytes (the sender's limit)
 *
 * Return: 0, or -ENOMEM.
 */
int hde_decoder_init(struct hde_decoder *dec, size_t store_limit)
{
	size_t ws = zstd_dctx_workspace_bound();
	int err;

	memset(dec, 0, sizeof(*dec));
	err = hde_store_init(&dec->store, store_limit, false);
	if (err)
		return err;
	dec->plain = kvmalloc(DWCP_HDE_MAX_PLAIN, GFP_KERNEL);
	dec->rec = kvmalloc(DWCP_HDE_MAX_RECORD, GFP_KERNEL);
	dec->dwork = kvmalloc(ws, GFP_KERNEL);
	if (dec->plain && dec->rec && dec->dwork)
		dec->dctx = zstd_init_dctx(dec->dwork, ws);
	if (!dec->dctx) {
		hde_decoder_destroy(dec);
		return -ENOMEM;
	}
	return 0;
}

/**
 * hde_decoder_destroy() - free the receiving end
 * @dec: the decoder (may be one whose init failed)
 */
void hde_decoder_destroy(struct hde_decoder *dec)
{
	hde_store_destroy(&dec->store);
	kvfree(dec->plain);
	kvfree(dec->rec);
	kvfree(dec->dwork);
	memset(dec, 0, sizeof(*dec));
}

/**
 * struct hde_rec - a parsed record
 * @kind: enum dwcp_hde_kind
 * @key: record key
 * @version: version after the record
 * @len: content bytes
 * @ref_key: DUP: the baseline's key
 * @ref_version: DUP: the baseline's version
 * @check: SAME, DUP, DELTA: low 32 bits of the content's xxh64
 * @runs: DELTA: its run table
 * @runs_len: bytes of @runs
 * @lits: RAW, DELTA: its literals
 */
struct hde_rec {
	u8 kind;
	u64 key;
	u32 version;
	u32 len;
	u64 ref_key;
	u32 ref_version;
	u32 check;
	const u8 *runs;
	u32 runs_len;
	const u8 *lits;
};

/**
 * struct hde_cursor - where parsing of a chunk's sections stands
 * @hdrs: header section
 * @hdrs_len: its bytes
 * @h: parsed so far
 * @runs: run section
 * @runs_len: its bytes
 * @r: used so far
 * @lits: literal section
 * @lits_len: its bytes
 * @l: used so far
 * @prev_key: key of the last record parsed
 */
struct hde_cursor {
	const u8 *hdrs;
	u32 hdrs_len;
	u32 h;
	const u8 *runs;
	u32 runs_len;
	u32 r;
	const u8 *lits;
	u32 lits_len;
	u32 l;
	u64 prev_key;
};

static bool hde_cursor_init(struct hde_cursor *c, const u8 *plain, u32 len)
{
	u32 pos = 0;
	u64 hl, rl;

	memset(c, 0, sizeof(*c));
	if (!hde_uleb_get(plain, len, &pos, len, &hl) ||
	    !hde_uleb_get(plain, len, &pos, len, &rl) || hl + rl > len - pos)
		return false;
	c->hdrs = plain + pos;
	c->hdrs_len = (u32)hl;
	c->runs = c->hdrs + hl;
	c->runs_len = (u32)rl;
	c->lits = c->runs + rl;
	c->lits_len = len - pos - (u32)(hl + rl);
	return true;
}

static bool hde_get_check(struct hde_cursor *c, u32 *check)
{
	const u8 *p = c->hdrs + c->h;

	if (c->hdrs_len - c->h < 4)
		return false;
	*check = p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
	c->h += 4;
	return true;
}

/* Parse the next record and claim its runs and literals; false if bad. */
static bool hde_rec_next(struct hde_cursor *c, struct hde_rec *r)
{
	u64 zkey, v, len;
	int lits;

	memset(r, 0, sizeof(*r));
	if (c->h >= c->hdrs_len)
		return false;
	r->kind = c->hdrs[c->h++];
	if (!hde_uleb_get(c->hdrs, c->hdrs_len, &c->h, U64_MAX, &zkey) ||
	    !hde_uleb_get(c->hdrs, c->hdrs_len, &c->h, U32_MAX, &v) ||
	    !hde_uleb_get(c->hdrs, c->hdrs_len, &c->h, DWCP_HDE_MAX_RECORD, &len) ||
	    !len)
		return false;
	r->key = hde_unzigzag(c->prev_key, zkey);
	c->prev_key = r->key;
	r->version = (u32)v;
	r->len = (u32)len;
	switch (r->kind) {
	case DWCP_HDE_RAW:
		if (r->len > c->lits_len - c->l)
			return false;
		r->lits = c->lits + c->l;
		c->l += r->len;
		return true;
	case DWCP_HDE_ZERO:
		return true;
	case DWCP_HDE_SAME:
		return hde_get_check(c, &r->check);
	case DWCP_HDE_DUP:
		if (!hde_uleb_get(c->hdrs, c->hdrs_len, &c->h, U64_MAX, &zkey) ||
		    !hde_uleb_get(c->hdrs, c->hdrs_len, &c->h, U32_MAX, &v))
			return false;
		r->ref_key = hde_unzigzag(r->key, zkey);
		r->ref_version = (u32)v;
		return hde_get_check(c, &r->check);
	case DWCP_HDE_DELTA:
		if (!r->version ||
		    !hde_uleb_get(c->hdrs, c->hdrs_len, &c->h, c->runs_len - c->r, &v) ||
		    !hde_get_check(c, &r->check))
			return false;
		r->runs = c->runs + c->r;
		r->runs_len = (u32)v;
		r->lits = c->lits + c->l;
		lits = hde_delta_apply(r->runs, r->runs_len, r->lits,
				       c->lits_len - c->l, r->len, NULL);
		if (lits < 0)
			return false;
		c->r += r->runs_len;
		c->l += lits;
		return true;
	default:
		return false;
	}
}

/* The baseline a record builds on, if the store has that very version. */
static struct hde_base *hde_dec_base(struct hde_store *st, u64 key,
				     u32 version, u32 len)
{
	struct hde_base *b = hde_store_find(st, key);

	return b && b->version == version && b->len == len ? b : NULL;
}

/* Rebuild one record's content; NULL when its baseline is stale. */
static const u8 *hde_dec_content(struct hde_decoder *dec,
				 const struct hde_rec *r)
{
	struct hde_store *st = &dec->store;
	struct hde_base *b;

	switch (r->kind) {
	case DWCP_HDE_RAW:
		return r->lits;
	case DWCP_HDE_ZERO:
		memset(dec->rec, 0, r->len);
		return dec->rec;
	case DWCP_HDE_SAME:
		b = hde_dec_base(st, r->key, r->version, r->len);
		break;
	case DWCP_HDE_DUP:
		b = hde_dec_base(st, r->ref_key, r->ref_version, r->len);
		break;
	default: /* DELTA */
		b = hde_dec_base(st, r->key, r->version - 1, r->len);
		if (!b)
			return NULL;
		hde_base_data(b, dec->rec);
		if (!b->zero)
			memcpy(dec->rec, b->data, r->len);
		hde_delta_apply(r->runs, r->runs_len, r->lits, U32_MAX, r->len,
				dec->rec);
		return dec->rec;
	}
	if (!b)
		return NULL;
	hde_touch(st, b);
	if (b->zero)
		return hde_base_data(b, dec->rec);
	memcpy(dec->rec, b->data, r->len);
	return dec->rec;
}

static int hde_dec_record(struct hde_decoder *dec, const struct hde_rec *r,
			  hde_deliver_t deliver, void *arg)
{
	const u8 *data = hde_dec_content(dec, r);
	bool checked = r->kind != DWCP_HDE_RAW && r->kind != DWCP_HDE_ZERO;
	u64 hash = 0;

	if (data && (checked || dec->store.hashes))
		hash = xxh64(data, r->len, 0);
	if (data && checked && (u32)hash != r->check)
		data = NULL;
	if (!data) {
		/* Never guess: this key needs its full content again. */
		dec->stats.stale++;
		dec->stale_key = r->key;
		return -ESTALE;
	}
	if (r->kind != DWCP_HDE_SAME)
		hde_store_put(&dec->store, r->key, r->version, data, r->len,
			      hash, r->kind == DWCP_HDE_ZERO);
	dec->stats.records[r->kind]++;
	return deliver(arg, r->key, data, r->len);
}

/* Decompress or point at the plain bytes; NULL when malformed. */
static const u8 *hde_dec_plain(struct hde_decoder *dec, const u8 *hdr,
			       size_t len)
{
	u32 plain_len = get_unaligned_be32(hdr + 4);
	u32 enc_len = get_unaligned_be32(hdr + 8);
	const u8 *body = hdr + DWCP_HDE_CHUNK_HDR_LEN;
	size_t n;

	if (!get_unaligned_be16(hdr + 2) || !plain_len ||
	    plain_len > DWCP_HDE_MAX_PLAIN ||
	    enc_len != len - DWCP_HDE_CHUNK_HDR_LEN)
		return NULL;
	if (hdr[0] == DWCP_HDE_COMP_NONE)
		return enc_len == plain_len ? body : NULL;
	if (hdr[0] != DWCP_HDE_COMP_ZSTD)
		return NULL;
	n = zstd_decompress_dctx(dec->dctx, dec->plain, plain_len, body, enc_len);
	return !zstd_is_error(n) && n == plain_len ? dec->plain : NULL;
}

/**
 * hde_dec_chunk() - decode a chunk and deliver its records in order
 * @dec: the decoder
 * @chunk: the chunk
 * @len: its bytes
 * @deliver: called with each record's key and content
 * @arg: for @deliver
 *
 * The chunk is checked whole before any record is delivered: a malformed
 * chunk changes nothing.
 *
 * Return: 0; -EBADMSG for a malformed chunk; -ESTALE when a record's
 * baseline is missing or differs (@dec->stale_key names it; the records
 * before it were delivered); or what @deliver returned.
 */
int hde_dec_chunk(struct hde_decoder *dec, const void *chunk, size_t len,
		  hde_deliver_t deliver, void *arg)
{
	struct hde_cursor c;
	struct hde_rec r;
	const u8 *plain;
	u32 i, nrec, plain_len;
	u64 content;
	int err;

	if (len < DWCP_HDE_CHUNK_HDR_LEN ||
	    len > DWCP_HDE_CHUNK_HDR_LEN + DWCP_HDE_MAX_PLAIN)
		goto bad;
	plain = hde_dec_plain(dec, chunk, len);
	if (!plain)
		goto bad;
	nrec = get_unaligned_be16((const u8 *)chunk + 2);
	plain_len = get_unaligned_be32((const u8 *)chunk + 4);
	if (!hde_cursor_init(&c, plain, plain_len))
		goto bad;
	for (i = 0, content = 0; i < nrec; i++) {
		if (!hde_rec_next(&c, &r))
			goto bad;
		content += r.len;
	}
	if (content > DWCP_HDE_MAX_CONTENT)
		goto bad;
	if (c.h != c.hdrs_len || c.r != c.runs_len || c.l != c.lits_len)
		goto bad;
	dec->stats.chunks++;
	hde_cursor_init(&c, plain, plain_len);
	for (i = 0; i < nrec; i++) {
		hde_rec_next(&c, &r);
		err = hde_dec_record(dec, &r, deliver, arg);
		if (err)
			return err;
	}
	return 0;
bad:
	dec->stats.rejected++;
	return -EBADMSG;
}
