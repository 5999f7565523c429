/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HDE codec: baseline store, record and chunk encoding, codec selection.
 *
 * This header and hde.c build unchanged in the kernel and in userspace (the
 * fuzzer and the benchmark, through tests/hde/hde_user.h, which maps the
 * kernel types, allocators, xxh64 and zstd onto libc, libxxhash and libzstd).
 * The codec does no locking: each encoder and decoder belongs to one session
 * and its caller serialises access.
 */
#ifndef _DWCP_HDE_H
#define _DWCP_HDE_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/zstd.h>
#else
#include "hde_user.h"
#endif
#include "../uapi/linux/dwcp.h"

/* A copy run stops at this many bytes equal to the baseline; shorter equal
 * stretches cost less as literals than as a new (skip, copy) pair
 * (measured on the vmmem data: 8 beats 1, 4, 16 and 32).
 */
#define HDE_MIN_SKIP		8
/* Most header bytes one record takes (see the uapi header). */
#define HDE_REC_HDR_MAX		(1 + 10 + 5 + 5 + 5)
#define HDE_DUP_HDR_MAX		(10 + 5)
/* The chunk check in the plain bytes (see the uapi header). */
#define HDE_CHECK_LEN		8

/**
 * struct hde_base - one baseline: the last version of a key
 * @next: chain of the key hash table
 * @dnext: chain of the content hash table (encoder only)
 * @older: towards the next eviction victim
 * @newer: towards the most recently stored or used baseline
 * @key: record key
 * @hash: xxh64 of the content
 * @version: version the content has at both ends
 * @len: content bytes
 * @zero: all-zero content, @data not allocated
 * @data: the content
 */
struct hde_base {
	struct hde_base *next;
	struct hde_base *dnext;
	struct hde_base *older;
	struct hde_base *newer;
	u64 key;
	u64 hash;
	u32 version;
	u32 len;
	bool zero;
	u8 data[];
};

/**
 * struct hde_store - the baselines of one session end
 * @keys: key hash table
 * @hashes: content hash table, NULL on a decoder
 * @mask: bucket count - 1
 * @oldest: eviction order: oldest stored or used first
 * @newest: the other end of the order
 * @bytes: memory charged (entries and content)
 * @limit: bytes allowed; both ends of a session use the same limit
 * @count: baselines held
 * @evictions: baselines evicted to make room
 * @alloc_failures: stores that failed for lack of memory (that key is then
 *	absent, and a later reference to it resyncs)
 * @fault_every: tests: every this many baseline allocations fail (0: none)
 * @allocs: baseline allocations so far, for @fault_every
 */
struct hde_store {
	struct hde_base **keys;
	struct hde_base **hashes;
	u32 mask;
	struct hde_base *oldest;
	struct hde_base *newest;
	size_t bytes;
	size_t limit;
	u32 count;
	u64 evictions;
	u64 alloc_failures;
	u32 fault_every;
	u32 allocs;
};

int hde_store_init(struct hde_store *st, size_t limit, bool dedup);
void hde_store_destroy(struct hde_store *st);
void hde_store_clear(struct hde_store *st);
struct hde_base *hde_store_find(const struct hde_store *st, u64 key);

/* Codec options the selector picks from: no compression or a zstd level. */
enum hde_opt {
	HDE_OPT_NONE,
	HDE_OPT_ZSTD1,
	HDE_OPT_ZSTD3,
	HDE_OPT_ZSTD6,
	HDE_NR_OPTS,
	HDE_PROBE = HDE_NR_OPTS,	/* hde_select(): measure them all */
};

/**
 * struct hde_opt_stats - what one codec option achieved, smoothed
 * @chunks: chunks encoded with it
 * @plain: plain bytes in, total
 * @out: bytes out, total
 * @ratio_ppm: out / plain, parts per million (EWMA)
 * @ns_per_kib: encode cost per KiB of plain (EWMA)
 */
struct hde_opt_stats {
	u64 chunks;
	u64 plain;
	u64 out;
	u32 ratio_ppm;
	u32 ns_per_kib;
};

/**
 * struct hde_selector - picks the codec option that maximises goodput
 * @opt: per-option measurements
 * @fixed: option forced by policy, or -1 for measured choice
 * @max_opt: the costliest option the measured choice and the probes may
 *	use (the session's mode sets it: hde_selector_set_max())
 * @chunks: chunks chosen so far (drives the probes)
 * @probe_every: every this many chunks all options are measured
 */
struct hde_selector {
	struct hde_opt_stats opt[HDE_NR_OPTS];
	int fixed;
	int max_opt;
	u64 chunks;
	u32 probe_every;
};

void hde_selector_init(struct hde_selector *sel);
int hde_select(struct hde_selector *sel, u64 rate);
void hde_selector_set_max(struct hde_selector *sel, int max_opt);
void hde_selector_feed(struct hde_selector *sel, int opt, u32 plain, u32 out,
		       u64 ns);
int hde_opt_level(int opt);

/**
 * struct hde_enc_stats - encoder counters
 * @records: records per kind (index enum dwcp_hde_kind)
 * @in_bytes: record content bytes
 * @plain_bytes: record headers and bodies before compression
 * @out_bytes: chunk bytes out (headers included)
 * @chunks: chunks out
 * @opt_chunks: chunks out per codec option used
 */
struct hde_enc_stats {
	u64 records[DWCP_HDE_DELTA + 1];
	u64 in_bytes;
	u64 plain_bytes;
	u64 out_bytes;
	u64 chunks;
	u64 opt_chunks[HDE_NR_OPTS];
};

/* The columns of the header section, in their order there. */
enum hde_col {
	HDE_COL_KIND,		/* kinds, a byte each */
	HDE_COL_KEY,		/* key differences */
	HDE_COL_VERSION,	/* versions */
	HDE_COL_LEN,		/* content lengths */
	HDE_COL_REF,		/* DELTA: run table bytes; DUP: key, version */
	HDE_NR_COLS,
};

/**
 * struct hde_sections - the three sections of a chunk being built
 * @hdrs: record headers, one after the other (columns when assembled)
 * @runs: DELTA run tables
 * @lits: literal bytes
 * @hdrs_len: bytes in @hdrs
 * @runs_len: bytes in @runs
 * @lits_len: bytes in @lits
 * @cols: bytes of each header column (enum hde_col)
 */
struct hde_sections {
	u8 *hdrs;
	u8 *runs;
	u8 *lits;
	u32 hdrs_len;
	u32 runs_len;
	u32 lits_len;
	u32 cols[HDE_NR_COLS];
};

/**
 * struct hde_encoder - the sending end of a keyed-record session
 * @store: baselines the receiver also holds
 * @sel: codec selection
 * @stats: counters
 * @sec: the chunk being built
 * @plain: the chunk's plain bytes, assembled when it is finished
 * @plain_len: plain bytes the chunk would have now
 * @nrec: records in the chunk
 * @content: content bytes of the chunk's records (DWCP_HDE_MAX_CONTENT)
 * @prev_key: key of the chunk's last record
 * @check: the chunk check so far
 * @cctx: zstd compression context (in @cwork)
 * @cwork: its workspace
 */
struct hde_encoder {
	struct hde_store store;
	struct hde_selector sel;
	struct hde_enc_stats stats;
	struct hde_sections sec;
	u8 *plain;
	u32 plain_len;
	u16 nrec;
	u32 content;
	u64 prev_key;
	u64 check;
	zstd_cctx *cctx;
	void *cwork;
};

int hde_encoder_init(struct hde_encoder *enc, size_t store_limit);
void hde_encoder_destroy(struct hde_encoder *enc);
int hde_enc_add(struct hde_encoder *enc, u64 key, const void *data, u32 len);
bool hde_enc_room(const struct hde_encoder *enc, u32 len);
size_t hde_chunk_bound(const struct hde_encoder *enc);
int hde_enc_finish(struct hde_encoder *enc, int opt, void *out, size_t cap);
void hde_encoder_reset(struct hde_encoder *enc);

/**
 * struct hde_dec_stats - decoder counters
 * @records: records per kind
 * @chunks: chunks decoded
 * @rejected: chunks rejected as malformed
 * @stale: records whose baseline was missing or of another version
 */
struct hde_dec_stats {
	u64 records[DWCP_HDE_DELTA + 1];
	u64 chunks;
	u64 rejected;
	u64 stale;
};

/**
 * struct hde_decoder - the receiving end of a keyed-record session
 * @store: baselines, mirroring the sender's
 * @stats: counters
 * @plain: a decompressed chunk
 * @stage: the records of a chunk other than RAW, rebuilt and held until the
 *	chunk check passes (DWCP_HDE_MAX_CONTENT bytes)
 * @where: where each record of that chunk is (offset in @stage, or in the
 *	plain bytes)
 * @dctx: zstd decompression context (in @dwork)
 * @dwork: its workspace
 * @stale_key: key of the record that stopped the last chunk with -ESTALE
 *	(a failed chunk check: the first record rebuilt from a baseline)
 */
struct hde_decoder {
	struct hde_store store;
	struct hde_dec_stats stats;
	u8 *plain;
	u8 *stage;
	u32 *where;
	zstd_dctx *dctx;
	void *dwork;
	u64 stale_key;
};

/* Called for each record of a chunk, in order; non-zero stops the chunk. */
typedef int (*hde_deliver_t)(void *arg, u64 key, const u8 *data, u32 len);

int hde_decoder_init(struct hde_decoder *dec, size_t store_limit);
void hde_decoder_destroy(struct hde_decoder *dec);
int hde_dec_chunk(struct hde_decoder *dec, const void *chunk, size_t len,
		  hde_deliver_t deliver, void *arg);

/* The delta run codec, exposed for tests. */
int hde_delta_encode(const u8 *old, const u8 *cur, u32 len, u8 *runs,
		     u32 *runs_len, u8 *lits, u32 *lits_len, u32 cap);
int hde_delta_apply(const u8 *runs, u32 runs_len, const u8 *lits,
		    u32 lits_avail, u32 len, u8 *out);

#endif /* _DWCP_HDE_H */
