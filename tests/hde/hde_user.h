/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel API kmod/hde.c uses, mapped onto libc, libxxhash and libzstd,
 * so the codec builds unchanged for the fuzzer and the benchmark.  Only what
 * hde.c calls is here.
 */
#ifndef _HDE_USER_H
#define _HDE_USER_H

#define ZSTD_STATIC_LINKING_ONLY
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <endian.h>
#include <linux/types.h>
#include <xxhash.h>
#include <zstd.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#define GFP_KERNEL 0
#define __GFP_NOWARN 0
#define unlikely(x) __builtin_expect(!!(x), 0)
#define likely(x) __builtin_expect(!!(x), 1)
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define clamp_t(t, v, lo, hi) min_t(t, max_t(t, v, lo), hi)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define U16_MAX UINT16_MAX
#define U32_MAX UINT32_MAX
#define U64_MAX UINT64_MAX
#define BIT(n) (1UL << (n))

/* A kernel warning is a bug: here it stops the program (and the fuzzer). */
static inline int hde_user_warn(int cond, const char *what)
{
	if (cond) {
		fprintf(stderr, "WARN_ON_ONCE(%s)\n", what);
		abort();
	}
	return cond;
}
#define WARN_ON_ONCE(c) hde_user_warn(!!(c), #c)

static inline void *kvmalloc(size_t n, int gfp) { (void)gfp; return malloc(n); }
static inline void *kvzalloc(size_t n, int gfp) { (void)gfp; return calloc(1, n); }
static inline void *kvmalloc_array(size_t n, size_t s, int gfp) { (void)gfp; return malloc(n * s); }
static inline void *kvcalloc(size_t n, size_t s, int gfp) { (void)gfp; return calloc(n, s); }
static inline void kvfree(const void *p) { free((void *)p); }

static inline u32 roundup_pow_of_two(u32 n)
{
	u32 p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static inline u64 ktime_get_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static inline u64 xxh64(const void *p, size_t n, u64 seed) { return XXH64(p, n, seed); }

static inline u16 get_unaligned_be16(const void *p) { u16 v; memcpy(&v, p, 2); return be16toh(v); }
static inline u32 get_unaligned_be32(const void *p) { u32 v; memcpy(&v, p, 4); return be32toh(v); }
static inline u64 get_unaligned_be64(const void *p) { u64 v; memcpy(&v, p, 8); return be64toh(v); }
static inline void put_unaligned_be16(u16 v, void *p) { v = htobe16(v); memcpy(p, &v, 2); }
static inline void put_unaligned_be32(u32 v, void *p) { v = htobe32(v); memcpy(p, &v, 4); }
static inline void put_unaligned_be64(u64 v, void *p) { v = htobe64(v); memcpy(p, &v, 8); }
static inline u64 get_unaligned_le64(const void *p) { u64 v; memcpy(&v, p, 8); return le64toh(v); }
static inline void put_unaligned_le64(u64 v, void *p) { v = htole64(v); memcpy(p, &v, 8); }
static inline u64 rol64(u64 w, unsigned int s) { return (w << (s & 63)) | (w >> ((-s) & 63)); }

/* Index of the lowest set bit; @x must not be 0. */
static inline unsigned int __ffs64(u64 x) { return (unsigned int)__builtin_ctzll(x); }
#define BUILD_BUG_ON(c) _Static_assert(!(c), #c)

/* linux/zstd.h over libzstd's static-context API. */
typedef ZSTD_CCtx zstd_cctx;
typedef ZSTD_DCtx zstd_dctx;
typedef ZSTD_parameters zstd_parameters;
typedef ZSTD_compressionParameters zstd_compression_parameters;

static inline zstd_parameters zstd_get_params(int level, unsigned long long n)
{
	return ZSTD_getParams(level, n, 0);
}

static inline size_t zstd_cctx_workspace_bound(const zstd_compression_parameters *c)
{
	return ZSTD_estimateCCtxSize_usingCParams(*c);
}

static inline zstd_cctx *zstd_init_cctx(void *ws, size_t n) { return ZSTD_initStaticCCtx(ws, n); }

static inline size_t zstd_compress_cctx(zstd_cctx *c, void *dst, size_t cap, const void *src,
					size_t n, const zstd_parameters *p)
{
	/* The kernel's zstd_compress_cctx() is this very call. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	return ZSTD_compress_advanced(c, dst, cap, src, n, NULL, 0, *p);
#pragma GCC diagnostic pop
}

static inline size_t zstd_dctx_workspace_bound(void) { return ZSTD_estimateDCtxSize(); }
static inline zstd_dctx *zstd_init_dctx(void *ws, size_t n) { return ZSTD_initStaticDCtx(ws, n); }

static inline size_t zstd_decompress_dctx(zstd_dctx *d, void *dst, size_t cap, const void *src,
					  size_t n)
{
	return ZSTD_decompressDCtx(d, dst, cap, src, n);
}

static inline size_t zstd_find_frame_compressed_size(const void *src, size_t n)
{
	return ZSTD_findFrameCompressedSize(src, n);
}

static inline unsigned int zstd_is_error(size_t code) { return ZSTD_isError(code); }
static inline size_t zstd_compress_bound(size_t n) { return ZSTD_compressBound(n); }

#endif /* _HDE_USER_H */
