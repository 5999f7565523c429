// SPDX-License-Identifier: GPL-2.0
/*
 * HDE, hierarchical delta encoding of keyed records (uapi: "1b. HDE").
 *
 * Per record, cheapest first: unchanged since the baseline (SAME), all zero
 * (ZERO), equal to another baseline (DUP), runs against the baseline
 * (DELTA), else the content (RAW).  Records gather in a chunk whose
 * sections (header columns, run tables, literals) zstd compresses one frame
 * each when the selector says it pays; one check over the chunk's rebuilt
 * records guards against baselines that differ.  Both ends keep the same
 * baselines: the sender decides every change, the receiver replays it.
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
#include <linux/bitops.h>
#include <linux/build_bug.h>
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
 * hde_store_clear() - forget every baseline (a resync)
 * @st: the store
 *
 * The tables, the limit and the counters stay.
 */
void hde_store_clear(struct hde_store *st)
{
	struct hde_base *b = st->oldest, *next;

	for (; b; b = next) {
		next = b->newer;
		kvfree(b);
	}
	memset(st->keys, 0, (st->mask + 1) * sizeof(*st->keys));
	if (st->hashes)
		memset(st->hashes, 0, (st->mask + 1) * sizeof(*st->hashes));
	st->oldest = NULL;
	st->newest = NULL;
	st->bytes = 0;
	st->count = 0;
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

/* A baseline's memory; every st->fault_every-th one fails (tests). */
static struct hde_base *hde_base_alloc(struct hde_store *st, size_t cost)
{
	if (st->fault_every && ++st->allocs % st->fault_every == 0)
		return NULL;
	return kvmalloc(cost, GFP_KERNEL | __GFP_NOWARN);
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
	struct hde_base *b = NULL, *old = hde_store_find(st, key);

	if (old && !zero && !old->zero && old->len == len) {
		/*
		 * The new version takes the old one's memory: the same bytes
		 * stay charged, so nothing is evicted, and the store ends as
		 * if the old version had gone and the new one come.  @data
		 * may be that memory already (a delta applied in place).
		 */
		if (st->hashes)
			hde_chain_unlink(&st->hashes[hde_bucket(st, old->hash)],
					 old, true);
		if (data != old->data)
			memcpy(old->data, data, len);
		old->hash = hash;
		old->version = version;
		if (st->hashes) {
			old->dnext = st->hashes[hde_bucket(st, hash)];
			st->hashes[hde_bucket(st, hash)] = old;
		}
		hde_touch(st, old);
		return;
	}
	if (cost <= st->limit) {
		b = hde_base_alloc(st, cost);
		if (!b)
			st->alloc_failures++;
		else if (!zero)
			memcpy(b->data, data, len);
	}
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

static u32 hde_uleb_len(u64 v)
{
	u32 n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
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

/* Bytes 0..7 of the zero bytes of @x, little-endian: the lowest is exact. */
static u64 hde_zero_bytes(u64 x)
{
	return (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
}

/* Which of the 8 bytes at @i differ, as the non-zero bytes of the result. */
static u64 hde_xor64(const u8 *a, const u8 *b, u32 i)
{
	return get_unaligned_le64(a + i) ^ get_unaligned_le64(b + i);
}

/* The first byte from @i where @a and @b differ, or @len. */
static u32 hde_equal_run(const u8 *a, const u8 *b, u32 i, u32 len)
{
	u64 x;

	for (; i + 8 <= len; i += 8) {
		x = hde_xor64(a, b, i);
		if (x)
			return i + __ffs64(x) / 8;
	}
	while (i < len && a[i] == b[i])
		i++;
	return i;
}

/*
 * End of a copy run from @i: the start of the first HDE_MIN_SKIP equal
 * bytes, or of equal bytes that reach @len; else @len.
 */
static u32 hde_copy_run(const u8 *a, const u8 *b, u32 i, u32 len)
{
	u64 x;

	BUILD_BUG_ON(HDE_MIN_SKIP != 8);
	for (;;) {
		/* The next equal byte. */
		for (; i + 8 <= len; i += 8) {
			x = hde_zero_bytes(hde_xor64(a, b, i));
			if (x) {
				i += __ffs64(x) / 8;
				break;
			}
		}
		while (i < len && a[i] != b[i])
			i++;
		if (i == len)
			return len;
		/* Does it start 8 equal bytes?  Else on from the next change */
		if (i + 8 <= len) {
			x = hde_xor64(a, b, i);
			if (!x)
				return i;
			i += __ffs64(x) / 8;
		} else {
			u32 eq = i;

			while (eq < len && a[eq] == b[eq])
				eq++;
			if (eq == len)
				return i;
			i = eq;
		}
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

/*
 * The chunk check: one XXH64 round per record rebuilt from a baseline, over
 * the xxh64 of its content.  A round is a bijection of the accumulator for
 * a given hash and of the hash for a given accumulator, so one wrong record
 * always changes the result.
 */
static u64 hde_check_mix(u64 acc, u64 hash)
{
	return rol64(acc + hash * 0xC2B2AE3D27D4EB4Full, 31) *
	       0x9E3779B185EBCA87ull;
}

static void hde_put_check(struct hde_encoder *enc, u64 hash)
{
	enc->check = hde_check_mix(enc->check, hash);
}

/*
 * A header field, as a ULEB128 of column @col.  Headers are written record
 * after record and turned into columns when the chunk is assembled.
 */
static void hde_put_field(struct hde_sections *sec, int col, u64 v)
{
	u32 n = hde_uleb_put(sec->hdrs + sec->hdrs_len, v);

	sec->hdrs_len += n;
	sec->cols[col] += n;
}

/* Kind, key, version and length: the start of every record header. */
static void hde_put_hdr(struct hde_encoder *enc, u8 kind, u64 key, u32 version,
			u32 len)
{
	struct hde_sections *sec = &enc->sec;

	sec->hdrs[sec->hdrs_len++] = kind;
	sec->cols[HDE_COL_KIND]++;
	hde_put_field(sec, HDE_COL_KEY, hde_zigzag(key, enc->prev_key));
	hde_put_field(sec, HDE_COL_VERSION, version);
	hde_put_field(sec, HDE_COL_LEN, len);
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

	if (!base || base->len != len || base->zero)
		return false;
	/* Worth it only when clearly smaller than the content. */
	if (hde_delta_encode(base->data, data, len, sec->runs + sec->runs_len,
			     &runs_len, sec->lits + sec->lits_len, &lits_len,
			     len - len / 8))
		return false;
	hde_put_hdr(enc, DWCP_HDE_DELTA, key, base->version + 1, len);
	hde_put_field(sec, HDE_COL_REF, runs_len);
	hde_put_check(enc, hash);
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
		hde_put_check(enc, hash);
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
		hde_put_field(sec, HDE_COL_REF, hde_zigzag(dup->key, key));
		hde_put_field(sec, HDE_COL_REF, dup->version);
		hde_put_check(enc, hash);
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
	return hde_uleb_len(sec->hdrs_len) + hde_uleb_len(sec->runs_len) +
	       HDE_CHECK_LEN + sec->hdrs_len + sec->runs_len + sec->lits_len;
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

/* Bytes of the ULEB128 at @p (one well formed: the encoder's own). */
static u32 hde_uleb_size(const u8 *p)
{
	u32 n = 1;

	while (p[n - 1] & 0x80)
		n++;
	return n;
}

/* Copy one header field from *@h to its column. */
static void hde_move_field(const u8 **h, u8 **col)
{
	u32 n = hde_uleb_size(*h);

	memcpy(*col, *h, n);
	*h += n;
	*col += n;
}

/* The headers, written record after record, as columns at @p. */
static void hde_put_columns(const struct hde_sections *sec, u8 *p)
{
	const u8 *h = sec->hdrs, *end = h + sec->hdrs_len;
	u8 *col[HDE_NR_COLS], kind;
	int i;

	for (i = 0; i < HDE_NR_COLS; i++) {
		col[i] = p;
		p += sec->cols[i];
	}
	while (h < end) {
		kind = *h++;
		*col[HDE_COL_KIND]++ = kind;
		hde_move_field(&h, &col[HDE_COL_KEY]);
		hde_move_field(&h, &col[HDE_COL_VERSION]);
		hde_move_field(&h, &col[HDE_COL_LEN]);
		if (kind == DWCP_HDE_DELTA || kind == DWCP_HDE_DUP)
			hde_move_field(&h, &col[HDE_COL_REF]);
		if (kind == DWCP_HDE_DUP)
			hde_move_field(&h, &col[HDE_COL_REF]);
	}
}

static void hde_assemble(struct hde_encoder *enc)
{
	struct hde_sections *sec = &enc->sec;
	u8 *p = enc->plain;

	p += hde_uleb_put(p, sec->hdrs_len);
	p += hde_uleb_put(p, sec->runs_len);
	put_unaligned_le64(enc->check, p);
	p += HDE_CHECK_LEN;
	hde_put_columns(sec, p);
	p += sec->hdrs_len;
	memcpy(p, sec->runs, sec->runs_len);
	p += sec->runs_len;
	memcpy(p, sec->lits, sec->lits_len);
}

/*
 * One section of a compressed body at @out + *@pos: ULEB128 of its encoded
 * bytes, then a zstd frame of it when that is smaller, else the section as
 * it is.  The body may not reach @limit; false when it would.
 */
static bool hde_put_section(struct hde_encoder *enc, int level, u8 *out,
			    u32 *pos, u32 limit, const u8 *src, u32 len)
{
	u32 room = limit - *pos, hl;
	zstd_parameters p;
	size_t z;

	/* A frame is kept only when smaller, so its length takes <= 3 bytes. */
	if (len > 1 && room > 3) {
		p = zstd_get_params(level, len);
		/*
		 * Matches one byte shorter than zstd picks for the size pay
		 * on these sections of short fields (measured on VM memory);
		 * 4 is the least every strategy takes without more memory.
		 */
		if (p.cParams.minMatch > 4)
			p.cParams.minMatch--;
		z = zstd_compress_cctx(enc->cctx, out + *pos + 3,
				       min(len - 1, room - 3), src, len, &p);
		if (!zstd_is_error(z)) {
			hl = hde_uleb_put(out + *pos, z);
			memmove(out + *pos + hl, out + *pos + 3, z);
			*pos += hl + (u32)z;
			return true;
		}
	}
	if (room < hde_uleb_len(len) + len)
		return false;
	hl = hde_uleb_put(out + *pos, len);
	memcpy(out + *pos + hl, src, len);
	*pos += hl + len;
	return true;
}

/*
 * The sections of the assembled chunk into @out, each its own zstd frame
 * (a frame's entropy tables then fit one kind of bytes); returns the body's
 * size, or 0 when it would not be smaller than the plain bytes.
 */
static u32 hde_compress(struct hde_encoder *enc, int level, u8 *out)
{
	struct hde_sections *sec = &enc->sec;
	u32 hl = sec->hdrs_len, rl = sec->runs_len, ll = sec->lits_len;
	u32 pre = enc->plain_len - hl - rl - ll;
	u32 limit = enc->plain_len - 1, pos = pre;
	const u8 *src = enc->plain + pre;

	if (pre > limit)
		return 0;
	memcpy(out, enc->plain, pre);
	if (!hde_put_section(enc, level, out, &pos, limit, src, hl) ||
	    !hde_put_section(enc, level, out, &pos, limit, src + hl, rl) ||
	    !hde_put_section(enc, level, out, &pos, limit, src + hl + rl, ll))
		return 0;
	return pos;
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

/* No record in the chunk being built. */
static void hde_enc_empty(struct hde_encoder *enc)
{
	enc->sec.hdrs_len = 0;
	memset(enc->sec.cols, 0, sizeof(enc->sec.cols));
	enc->sec.runs_len = 0;
	enc->sec.lits_len = 0;
	enc->plain_len = 0;
	enc->nrec = 0;
	enc->content = 0;
	enc->prev_key = 0;
	enc->check = 0;
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
	hde_enc_empty(enc);
	return DWCP_HDE_CHUNK_HDR_LEN + enc_len;
}

/**
 * hde_encoder_reset() - start again from an empty store (a resync)
 * @enc: the encoder
 *
 * The records of the chunk being built are dropped; the caller adds them
 * again.  The codec measurements and counters stay.
 */
void hde_encoder_reset(struct hde_encoder *enc)
{
	hde_enc_empty(enc);
	hde_store_clear(&enc->store);
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
	dec->stage = kvmalloc(DWCP_HDE_MAX_CONTENT, GFP_KERNEL);
	dec->where = kvmalloc_array(U16_MAX, sizeof(*dec->where), GFP_KERNEL);
	dec->dwork = kvmalloc(ws, GFP_KERNEL);
	if (dec->plain && dec->stage && dec->where && dec->dwork)
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
	kvfree(dec->stage);
	kvfree(dec->where);
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
	const u8 *runs;
	u32 runs_len;
	const u8 *lits;
};

/**
 * struct hde_cursor - where parsing of a chunk's sections stands
 * @col: the header columns (enum hde_col)
 * @col_len: their bytes
 * @ch: parsed so far, per column
 * @runs: run section
 * @runs_len: its bytes
 * @r: used so far
 * @lits: literal section
 * @lits_len: its bytes
 * @l: used so far
 * @prev_key: key of the last record parsed
 * @check: the chunk check
 */
struct hde_cursor {
	const u8 *col[HDE_NR_COLS];
	u32 col_len[HDE_NR_COLS];
	u32 ch[HDE_NR_COLS];
	const u8 *runs;
	u32 runs_len;
	u32 r;
	const u8 *lits;
	u32 lits_len;
	u32 l;
	u64 prev_key;
	u64 check;
};

/*
 * Find the sections and the header columns of a chunk of @nrec records:
 * kinds take @nrec bytes, keys, versions and lengths @nrec ULEB128 each,
 * and the references the rest of the headers.
 */
static bool hde_cursor_init(struct hde_cursor *c, const u8 *plain, u32 len,
			    u32 nrec)
{
	const u8 *hdrs;
	u32 pos = 0, h, i;
	u64 hl, rl, v;
	int col;

	memset(c, 0, sizeof(*c));
	if (!hde_uleb_get(plain, len, &pos, len, &hl) ||
	    !hde_uleb_get(plain, len, &pos, len, &rl) ||
	    hl + rl + HDE_CHECK_LEN > len - pos)
		return false;
	c->check = get_unaligned_le64(plain + pos);
	pos += HDE_CHECK_LEN;
	hdrs = plain + pos;
	if (nrec > hl)
		return false;
	h = nrec;
	c->col[HDE_COL_KIND] = hdrs;
	c->col_len[HDE_COL_KIND] = nrec;
	for (col = HDE_COL_KEY; col < HDE_COL_REF; col++) {
		c->col[col] = hdrs + h;
		for (i = 0; i < nrec; i++)
			if (!hde_uleb_get(hdrs, (u32)hl, &h, U64_MAX, &v))
				return false;
		c->col_len[col] = (u32)(hdrs + h - c->col[col]);
	}
	c->col[HDE_COL_REF] = hdrs + h;
	c->col_len[HDE_COL_REF] = (u32)hl - h;
	c->runs = hdrs + hl;
	c->runs_len = (u32)rl;
	c->lits = c->runs + rl;
	c->lits_len = len - pos - (u32)(hl + rl);
	return true;
}

/* The next ULEB128 of column @col, at most @max; false if bad. */
static bool hde_col_get(struct hde_cursor *c, int col, u64 max, u64 *v)
{
	return hde_uleb_get(c->col[col], c->col_len[col], &c->ch[col], max, v);
}

/* Parse the next record and claim its runs and literals; false if bad. */
static bool hde_rec_next(struct hde_cursor *c, struct hde_rec *r)
{
	u64 zkey, v, len;
	int lits;

	memset(r, 0, sizeof(*r));
	if (c->ch[HDE_COL_KIND] >= c->col_len[HDE_COL_KIND])
		return false;
	r->kind = c->col[HDE_COL_KIND][c->ch[HDE_COL_KIND]++];
	if (!hde_col_get(c, HDE_COL_KEY, U64_MAX, &zkey) ||
	    !hde_col_get(c, HDE_COL_VERSION, U32_MAX, &v) ||
	    !hde_col_get(c, HDE_COL_LEN, DWCP_HDE_MAX_RECORD, &len) || !len)
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
		return true;
	case DWCP_HDE_DUP:
		if (!hde_col_get(c, HDE_COL_REF, U64_MAX, &zkey) ||
		    !hde_col_get(c, HDE_COL_REF, U32_MAX, &v))
			return false;
		r->ref_key = hde_unzigzag(r->key, zkey);
		r->ref_version = (u32)v;
		return true;
	case DWCP_HDE_DELTA:
		if (!r->version ||
		    !hde_col_get(c, HDE_COL_REF, c->runs_len - c->r, &v))
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

/*
 * Rebuild one record's content; NULL when its baseline is stale.  The
 * content is in @out, or in the literals (RAW), or in the key's baseline
 * (DELTA on one that is not all zero: changed in place, since it becomes
 * the new version).
 */
static const u8 *hde_dec_content(struct hde_decoder *dec,
				 const struct hde_rec *r, u8 *out)
{
	struct hde_store *st = &dec->store;
	struct hde_base *b;

	switch (r->kind) {
	case DWCP_HDE_RAW:
		return r->lits;
	case DWCP_HDE_ZERO:
		memset(out, 0, r->len);
		return out;
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
		if (b->zero)
			memset(out, 0, r->len);
		else
			out = b->data;
		hde_delta_apply(r->runs, r->runs_len, r->lits, U32_MAX, r->len,
				out);
		return out;
	}
	if (!b)
		return NULL;
	hde_touch(st, b);
	if (b->zero)
		return hde_base_data(b, out);
	memcpy(out, b->data, r->len);
	return out;
}

static bool hde_checked(const struct hde_rec *r)
{
	return r->kind != DWCP_HDE_RAW && r->kind != DWCP_HDE_ZERO;
}

/* Where a record's content is: in the stage, or in the plain bytes (RAW). */
#define HDE_IN_PLAIN	BIT(31)

/*
 * Rebuild every record of a parsed chunk into the stage, applying its store
 * changes, and verify the chunk check.  Nothing is delivered yet; @dec->where
 * notes where each record's content is.
 */
static int hde_dec_rebuild(struct hde_decoder *dec, const u8 *plain,
			   const struct hde_cursor *start, u32 nrec)
{
	struct hde_cursor c = *start;
	struct hde_rec r;
	u64 hash, check = 0, first = 0;
	bool any = false;
	const u8 *data;
	u32 i, off = 0;

	for (i = 0; i < nrec; i++) {
		if (WARN_ON_ONCE(!hde_rec_next(&c, &r)))
			return -EBADMSG;	/* the caller parsed them all */
		data = hde_dec_content(dec, &r, dec->stage + off);
		if (!data) {
			/* Never guess: the key needs its full content again. */
			dec->stats.stale++;
			dec->stale_key = r.key;
			return -ESTALE;
		}
		if (r.kind != DWCP_HDE_RAW && data != dec->stage + off)
			memcpy(dec->stage + off, data, r.len);
		hash = 0;
		if (hde_checked(&r) || dec->store.hashes)
			hash = xxh64(data, r.len, 0);
		if (hde_checked(&r)) {
			if (!any)
				first = r.key;
			any = true;
			check = hde_check_mix(check, hash);
		}
		if (r.kind != DWCP_HDE_RAW) {
			dec->where[i] = off;
			off += r.len;
		} else {
			dec->where[i] = HDE_IN_PLAIN | (u32)(data - plain);
		}
		if (r.kind != DWCP_HDE_SAME)
			hde_store_put(&dec->store, r.key, r.version, data,
				      r.len, hash, r.kind == DWCP_HDE_ZERO);
	}
	if (check != c.check) {
		/* Some record rebuilt from a baseline is wrong: any of them. */
		dec->stats.stale++;
		dec->stale_key = first;
		return -ESTALE;
	}
	return 0;
}

/* One section of a compressed body into @dst (exactly @len bytes). */
static bool hde_get_section(struct hde_decoder *dec, const u8 *body,
			    u32 enc_len, u32 *pos, u8 *dst, u32 len)
{
	u64 n;
	size_t z;

	if (!hde_uleb_get(body, enc_len, pos, len, &n) || n > enc_len - *pos)
		return false;
	if (n == len) {
		memcpy(dst, body + *pos, len);
	} else {
		/* exactly one frame: zstd would also take several */
		if (!n || zstd_find_frame_compressed_size(body + *pos, n) != n)
			return false;
		z = zstd_decompress_dctx(dec->dctx, dst, len, body + *pos, n);
		if (zstd_is_error(z) || z != len)
			return false;
	}
	*pos += (u32)n;
	return true;
}

/* Decompress or point at the plain bytes; NULL when malformed. */
static const u8 *hde_dec_plain(struct hde_decoder *dec, const u8 *hdr,
			       size_t len)
{
	u32 plain_len = get_unaligned_be32(hdr + 4);
	u32 enc_len = get_unaligned_be32(hdr + 8);
	const u8 *body = hdr + DWCP_HDE_CHUNK_HDR_LEN;
	u32 pos = 0, ll;
	u64 hl, rl;
	u8 *p = dec->plain;

	if (!get_unaligned_be16(hdr + 2) || !plain_len ||
	    plain_len > DWCP_HDE_MAX_PLAIN ||
	    enc_len != len - DWCP_HDE_CHUNK_HDR_LEN)
		return NULL;
	if (hdr[0] == DWCP_HDE_COMP_NONE)
		return enc_len == plain_len ? body : NULL;
	if (hdr[0] != DWCP_HDE_COMP_ZSTD)
		return NULL;
	/* The section lengths, as in the plain bytes, then the sections. */
	if (!hde_uleb_get(body, enc_len, &pos, plain_len, &hl) ||
	    !hde_uleb_get(body, enc_len, &pos, plain_len, &rl) ||
	    enc_len - pos < HDE_CHECK_LEN ||
	    pos + HDE_CHECK_LEN + hl + rl > plain_len)
		return NULL;
	pos += HDE_CHECK_LEN;
	memcpy(p, body, pos);
	ll = plain_len - pos - (u32)(hl + rl);
	p += pos;
	if (!hde_get_section(dec, body, enc_len, &pos, p, (u32)hl) ||
	    !hde_get_section(dec, body, enc_len, &pos, p + hl, (u32)rl) ||
	    !hde_get_section(dec, body, enc_len, &pos, p + hl + rl, ll))
		return NULL;
	return pos == enc_len ? dec->plain : NULL;
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
 * chunk changes nothing.  Then every record is rebuilt (into @dec->stage)
 * and the chunk check verified, still before any record is delivered.
 *
 * Return: 0; -EBADMSG for a malformed chunk; -ESTALE when a record's
 * baseline is missing or of another version (@dec->stale_key names it), or
 * when the chunk check fails (some record rebuilt from a baseline is wrong;
 * @dec->stale_key names the first of them); or what @deliver returned.
 * After -ESTALE no record of the chunk was delivered, but the store is no
 * longer the sender's: it holds the changes of the records before a
 * missing baseline, or of every record (content possibly wrong) when the
 * check failed.  Do not decode with @dec again (the session ends).
 */
int hde_dec_chunk(struct hde_decoder *dec, const void *chunk, size_t len,
		  hde_deliver_t deliver, void *arg)
{
	struct hde_cursor c, start;
	struct hde_rec r;
	const u8 *plain, *data;
	u32 i, nrec, plain_len, where, checked;
	u64 content, zkey, rlen;
	int col, err;
	u8 kind;

	if (len < DWCP_HDE_CHUNK_HDR_LEN ||
	    len > DWCP_HDE_CHUNK_HDR_LEN + DWCP_HDE_MAX_PLAIN)
		goto bad;
	plain = hde_dec_plain(dec, chunk, len);
	if (!plain)
		goto bad;
	nrec = get_unaligned_be16((const u8 *)chunk + 2);
	plain_len = get_unaligned_be32((const u8 *)chunk + 4);
	if (!hde_cursor_init(&c, plain, plain_len, nrec))
		goto bad;
	start = c;
	for (i = 0, content = 0, checked = 0; i < nrec; i++) {
		if (!hde_rec_next(&c, &r))
			goto bad;
		content += r.len;
		checked += hde_checked(&r);
	}
	if (content > DWCP_HDE_MAX_CONTENT || (!checked && c.check))
		goto bad;
	for (col = 0; col < HDE_NR_COLS; col++)
		if (c.ch[col] != c.col_len[col])
			goto bad;
	if (c.r != c.runs_len || c.l != c.lits_len)
		goto bad;
	dec->stats.chunks++;
	err = hde_dec_rebuild(dec, plain, &start, nrec);
	if (err)
		return err;
	/* All is well: deliver, reading keys and lengths once more. */
	c = start;
	for (i = 0; i < nrec; i++) {
		kind = c.col[HDE_COL_KIND][i];
		if (WARN_ON_ONCE(!hde_col_get(&c, HDE_COL_KEY, U64_MAX, &zkey) ||
				 !hde_col_get(&c, HDE_COL_LEN,
					      DWCP_HDE_MAX_RECORD, &rlen)))
			return -EBADMSG;	/* parsed once already */
		c.prev_key = hde_unzigzag(c.prev_key, zkey);
		where = dec->where[i];
		data = where & HDE_IN_PLAIN ? plain + (where & ~HDE_IN_PLAIN) :
		       dec->stage + where;
		dec->stats.records[kind]++;
		err = deliver(arg, c.prev_key, data, (u32)rlen);
		if (err)
			return err;
	}
	return 0;
bad:
	dec->stats.rejected++;
	return -EBADMSG;
}
