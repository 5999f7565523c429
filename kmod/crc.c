// SPDX-License-Identifier: GPL-2.0
/*
 * CRC32C of frames, computed by the fastest implementation on this machine.
 *
 * The crypto API hands out the implementation with the highest priority,
 * not the fastest one: crc32c-intel (the SSE4.2 crc32 instruction) wherever
 * the CPU has it.  On hardware that is right, at many GB/s.  Where the
 * instruction is emulated (QEMU TCG computes it bit by bit), it runs at a
 * quarter of the table-driven crc32c-generic's speed and the CRC was a third
 * of AF_DWCP's CPU time.  So, as the kernel's xor and raid6 code choose
 * their routines, dwcp measures the candidates once at load and keeps the
 * faster.  Each candidate must pass a known answer and agree with the
 * kernel's table code first: all compute the same function, the choice
 * changes only speed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/crc32.h>
#include <linux/crc32c.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <asm/unaligned.h>

#include "dwcp.h"

#define DWCP_CRC_TEST_LEN	(16 * 1024)
#define DWCP_CRC_TEST_ROUNDS	4
#define DWCP_CRC_TEST_TRIES	3

static struct crypto_shash *dwcp_crc_tfm;

/*
 * The candidates: the crypto API's choice first, then the instruction by
 * name (its module may not be loaded yet; absent off x86), then tables.
 */
static const char * const dwcp_crc_candidates[] __initconst = {
	"crc32c", "crc32c-intel", "crc32c-generic"
};

static char crc32c_driver[CRYPTO_MAX_ALG_NAME] = "libcrc32c";
module_param_string(crc32c_driver, crc32c_driver, sizeof(crc32c_driver), 0444);
MODULE_PARM_DESC(crc32c_driver,
		 "CRC32C implementation in use, the fastest measured at load (read only: a value given is ignored)");

/*
 * Copy and CRC in one pass, for the sender's copy from user space.  The
 * table code reads every byte once, through a table lookup per byte; a copy
 * before it reads and writes them all once more.  Where tables are the
 * fastest CRC (no crc32 instruction, or an emulated one) a loop that loads
 * each word once, stores it and feeds it to the tables costs about what the
 * copy alone did, as csum_and_copy_from_user() does for the Internet
 * checksum.  Where the instruction wins, copy and CRC stay apart: each is
 * faster alone than this loop.  Chosen at load by measurement, like the
 * implementation; both compute the same bytes and the same CRC.
 */
static u32 dwcp_crc_tab[8][256] __read_mostly;

static int copy_crc = -1;
module_param(copy_crc, int, 0444);
MODULE_PARM_DESC(copy_crc,
		 "Sender copies from user space and runs the CRC32C in one pass: -1 = choose by speed at load (default), 0 = no, 1 = yes; reads back the choice");

/* Slice-by-8 tables of the reflected Castagnoli polynomial. */
static void __init dwcp_crc_tab_init(void)
{
	u32 c;
	int i, k, t;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (c & 1 ? 0x82f63b78 : 0);
		dwcp_crc_tab[0][i] = c;
	}
	for (t = 1; t < 8; t++)
		for (i = 0; i < 256; i++) {
			c = dwcp_crc_tab[t - 1][i];
			dwcp_crc_tab[t][i] = (c >> 8) ^ dwcp_crc_tab[0][c & 0xff];
		}
}

/* Eight bytes, the first in the low bits of @w. */
static __always_inline u32 dwcp_crc_word(u32 crc, u64 w)
{
	const u32 (*t)[256] = dwcp_crc_tab;

	w ^= crc;
	return t[7][w & 0xff] ^ t[6][(w >> 8) & 0xff] ^
	       t[5][(w >> 16) & 0xff] ^ t[4][(w >> 24) & 0xff] ^
	       t[3][(w >> 32) & 0xff] ^ t[2][(w >> 40) & 0xff] ^
	       t[1][(w >> 48) & 0xff] ^ t[0][w >> 56];
}

static __always_inline u32 dwcp_crc_byte(u32 crc, u8 b)
{
	return dwcp_crc_tab[0][(crc ^ b) & 0xff] ^ (crc >> 8);
}

/**
 * dwcp_copy_crc32c() - memcpy() that runs a CRC32C over what it copies
 * @to: destination
 * @from: source (may overlap nothing)
 * @len: bytes
 * @crc: CRC so far, as dwcp_crc32c() takes it
 *
 * The kernel-memory twin of the sender's copy from user space: measured
 * against memcpy() plus dwcp_crc32c() at load, and checked by KUnit.
 *
 * Context: any.
 * Return: the updated CRC.
 */
u32 dwcp_copy_crc32c(void *to, const void *from, size_t len, u32 crc)
{
	const u8 *s = from;
	u8 *d = to;

	for (; len >= 8; len -= 8, s += 8, d += 8) {
		u64 w = get_unaligned_le64(s);

		put_unaligned_le64(w, d);
		crc = dwcp_crc_word(crc, w);
	}
	for (; len; len--) {
		*d++ = *s;
		crc = dwcp_crc_byte(crc, *s++);
	}
	return crc;
}

/*
 * dwcp_copy_crc32c() from one user segment.  Nothing may be called with
 * user access open, hence the inline table steps.  Returns false on a fault.
 */
static bool dwcp_copy_user_crc32c(u8 *to, const u8 __user *from, size_t len,
				  u32 *crc)
{
	u32 c = *crc;

	if (!user_access_begin(from, len))
		return false;
	for (; len >= 8; len -= 8, from += 8, to += 8) {
		u64 w;

		unsafe_get_user(w, (const u64 __user *)from, fault);
		put_unaligned(w, (u64 *)to);
		c = dwcp_crc_word(c, le64_to_cpu((__force __le64)w));
	}
	for (; len; len--) {
		u8 b;

		unsafe_get_user(b, from++, fault);
		*to++ = b;
		c = dwcp_crc_byte(c, b);
	}
	user_access_end();
	*crc = c;
	return true;
fault:
	user_access_end();
	return false;
}

/* The user segment @from is at, as far as @max bytes. */
static const u8 __user *dwcp_iter_user_seg(const struct iov_iter *from,
					   size_t max, size_t *len)
{
	struct iovec seg;

	if (iter_is_ubuf(from)) {
		*len = min(max, iov_iter_count(from));
		return from->ubuf + from->iov_offset;
	}
	seg = iov_iter_iovec(from);
	*len = min(max, seg.iov_len);
	return seg.iov_base;
}

/**
 * dwcp_copy_from_iter_crc32c() - copy_from_iter_full() that also runs a
 *	CRC32C over the bytes copied
 * @to: destination
 * @len: bytes to copy: all or none
 * @from: source; advanced by @len on success, left as it was on failure
 * @crc: CRC so far, updated on success
 *
 * One pass over the bytes where that is faster (copy_crc), the copy then
 * the CRC otherwise.
 *
 * Context: process, may fault in user pages.
 * Return: true; false if @from holds fewer than @len bytes or a user page
 * faulted (the caller's -EFAULT).
 */
bool dwcp_copy_from_iter_crc32c(void *to, size_t len, struct iov_iter *from,
				u32 *crc)
{
	size_t done = 0, seg;
	u32 c = *crc;

	if (copy_crc != 1 || !(iter_is_iovec(from) || iter_is_ubuf(from)) ||
	    len > iov_iter_count(from)) {
		if (!copy_from_iter_full(to, len, from))
			return false;
		*crc = dwcp_crc32c(c, to, len);
		return true;
	}
	while (done < len) {
		const u8 __user *base = dwcp_iter_user_seg(from, len - done,
							   &seg);

		if (!dwcp_copy_user_crc32c(to + done, base, seg, &c)) {
			iov_iter_revert(from, done);
			return false;
		}
		iov_iter_advance(from, seg);
		done += seg;
	}
	*crc = c;
	return true;
}

/* dwcp_copy_user_crc32c() the other way, into one user segment. */
static bool dwcp_copy_to_user_crc32c(u8 __user *to, const u8 *from,
				     size_t len, u32 *crc)
{
	u32 c = *crc;

	if (!user_write_access_begin(to, len))
		return false;
	for (; len >= 8; len -= 8, from += 8, to += 8) {
		u64 w = get_unaligned((const u64 *)from);

		unsafe_put_user(w, (u64 __user *)to, fault);
		c = dwcp_crc_word(c, le64_to_cpu((__force __le64)w));
	}
	for (; len; len--) {
		unsafe_put_user(*from, to++, fault);
		c = dwcp_crc_byte(c, *from++);
	}
	user_write_access_end();
	*crc = c;
	return true;
fault:
	user_write_access_end();
	return false;
}

/**
 * dwcp_copy_fused() - do the copies to and from user space run the CRC32C
 *	in the same pass (copy_crc 1)?
 *
 * The receiver leaves the check of a DWCP_FRAME_F_PCRC payload to the
 * reader's copy only then: otherwise the check is a pass of its own
 * wherever it runs, and on receipt it holds back no ack.
 *
 * Return: true if so.
 */
bool dwcp_copy_fused(void)
{
	return copy_crc == 1;
}

/**
 * dwcp_copy_to_iter_crc32c() - copy_to_iter() that also runs a CRC32C over
 *	the bytes copied
 * @from: source
 * @len: bytes to copy: all or none
 * @to: destination; advanced by @len on success, left as it was on failure
 * @crc: CRC so far, updated on success
 *
 * One pass into user memory where that is faster (copy_crc), the CRC over
 * @from then the copy otherwise.  A failure may have written some of the
 * bytes (recv() leaves what lies past its return value undefined).
 *
 * Context: process, may fault in user pages.
 * Return: true; false if @to has room for fewer than @len bytes or a user
 * page faulted.
 */
bool dwcp_copy_to_iter_crc32c(const void *from, size_t len,
			      struct iov_iter *to, u32 *crc)
{
	size_t done = 0, seg;

	if (len > iov_iter_count(to))
		return false;
	if (copy_crc != 1 || !(iter_is_iovec(to) || iter_is_ubuf(to))) {
		size_t n = copy_to_iter(from, len, to);

		if (n != len) {
			iov_iter_revert(to, n);
			return false;
		}
		*crc = dwcp_crc32c(*crc, from, len);
		return true;
	}
	while (done < len) {
		u8 __user *base = (u8 __user *)dwcp_iter_user_seg(to, len - done,
								 &seg);

		if (!dwcp_copy_to_user_crc32c(base, from + done, seg, crc)) {
			iov_iter_revert(to, done);
			return false;
		}
		iov_iter_advance(to, seg);
		done += seg;
	}
	return true;
}

static u32 dwcp_crc_update(struct crypto_shash *tfm, u32 crc, const void *p,
			   unsigned int len)
{
	SHASH_DESC_ON_STACK(desc, tfm);

	desc->tfm = tfm;
	/* The crc32c shash state is the running CRC, as libcrc32c uses it. */
	*(u32 *)shash_desc_ctx(desc) = crc;
	/* cannot fail: crc32c has no key to miss and no memory to get */
	crypto_shash_update(desc, p, len);
	return *(u32 *)shash_desc_ctx(desc);
}

/**
 * dwcp_crc32c() - CRC32C update, as crc32c() from libcrc32c
 * @crc: the CRC so far (the caller starts with ~0 and inverts the end)
 * @p: bytes
 * @len: how many
 *
 * Context: any.
 * Return: the updated CRC.
 */
u32 dwcp_crc32c(u32 crc, const void *p, unsigned int len)
{
	struct crypto_shash *tfm = dwcp_crc_tfm;

	/* tests/bench/crc-share builds this to see what the CRC costs */
	if (IS_ENABLED(CONFIG_DWCP_BENCH_NO_CRC))
		return crc;
	return tfm ? dwcp_crc_update(tfm, crc, p, len) : crc32c(crc, p, len);
}

/*
 * Does @tfm compute CRC32C?  The standard check value, and random data
 * against the kernel's own table code (__crc32c_le(), not libcrc32c,
 * which may be @tfm itself).
 */
static bool __init dwcp_crc_correct(struct crypto_shash *tfm, const u8 *buf)
{
	return ~dwcp_crc_update(tfm, ~0U, "123456789", 9) == 0xe3069283 &&
	       dwcp_crc_update(tfm, ~0U, buf, DWCP_CRC_TEST_LEN) ==
	       __crc32c_le(~0U, buf, DWCP_CRC_TEST_LEN);
}

/* MB/s of @tfm on @buf, the best of a few tries. */
static u32 __init dwcp_crc_speed(struct crypto_shash *tfm, const u8 *buf)
{
	u64 best = U64_MAX;
	int try, round;

	for (try = 0; try < DWCP_CRC_TEST_TRIES; try++) {
		u64 start = ktime_get_ns();

		for (round = 0; round < DWCP_CRC_TEST_ROUNDS; round++)
			dwcp_crc_update(tfm, ~0U, buf, DWCP_CRC_TEST_LEN);
		best = min(best, ktime_get_ns() - start);
	}
	return div64_u64((u64)DWCP_CRC_TEST_LEN * DWCP_CRC_TEST_ROUNDS * 1000,
			 max_t(u64, best, 1));
}

/* Measure @name; keep it if faster than *@best_speed. */
static void __init dwcp_crc_try(const char *name, const u8 *buf,
				u32 *best_speed)
{
	struct crypto_shash *tfm = crypto_alloc_shash(name, 0, 0);
	const char *driver;
	u32 speed;

	if (IS_ERR(tfm))
		return;
	driver = crypto_shash_driver_name(tfm);
	if (dwcp_crc_tfm && !strcmp(driver, crc32c_driver)) {
		crypto_free_shash(tfm);		/* the same one again */
		return;
	}
	if (!dwcp_crc_correct(tfm, buf)) {
		pr_warn("crc32c: %s computes wrong CRCs, not used\n", driver);
		crypto_free_shash(tfm);
		return;
	}
	speed = dwcp_crc_speed(tfm, buf);
	pr_info("crc32c: %s %u MB/s\n", driver, speed);
	if (speed <= *best_speed) {
		crypto_free_shash(tfm);
		return;
	}
	if (dwcp_crc_tfm)
		crypto_free_shash(dwcp_crc_tfm);
	dwcp_crc_tfm = tfm;
	*best_speed = speed;
	strscpy(crc32c_driver, driver, sizeof(crc32c_driver));
}

/* ns for @rounds of copying and CRC over @len bytes, the best of a few. */
static u64 __init dwcp_copy_time(u8 *to, const u8 *from, bool fused)
{
	u64 best = U64_MAX;
	int try, round;
	u32 crc = 0;

	for (try = 0; try < DWCP_CRC_TEST_TRIES; try++) {
		u64 start = ktime_get_ns();

		for (round = 0; round < DWCP_CRC_TEST_ROUNDS; round++) {
			if (fused) {
				crc ^= dwcp_copy_crc32c(to, from,
							DWCP_CRC_TEST_LEN, ~0U);
			} else {
				memcpy(to, from, DWCP_CRC_TEST_LEN);
				crc ^= dwcp_crc32c(~0U, to, DWCP_CRC_TEST_LEN);
			}
			/* the CRC is computed, not optimized away */
			OPTIMIZER_HIDE_VAR(crc);
		}
		best = min(best, ktime_get_ns() - start);
	}
	return best;
}

/*
 * One pass or two for the sender's copy (copy_crc -1): one only if it is
 * faster by an eighth, as on hardware the instruction and a string copy
 * run at memory speed and the loop does not.  The loop must also agree with
 * the kernel's table code (it has its own tables).
 */
static void __init dwcp_copy_crc_choose(const u8 *buf)
{
	u8 *to = kmalloc(DWCP_CRC_TEST_LEN, GFP_KERNEL);
	u64 fused, apart;

	if (!to || dwcp_copy_crc32c(to, buf, DWCP_CRC_TEST_LEN, ~0U) !=
		   __crc32c_le(~0U, buf, DWCP_CRC_TEST_LEN) ||
	    memcmp(to, buf, DWCP_CRC_TEST_LEN)) {
		copy_crc = 0;
		kfree(to);
		return;
	}
	if (copy_crc < 0) {
		fused = dwcp_copy_time(to, buf, true);
		apart = dwcp_copy_time(to, buf, false);
		copy_crc = fused + fused / 8 < apart;
		pr_info("copy and crc32c: %llu ns in one pass, %llu ns in two\n",
			fused, apart);
	}
	copy_crc = !!copy_crc;
	kfree(to);
}

/**
 * dwcp_crc_init() - choose the fastest CRC32C implementation
 *
 * Without any (no memory for the test, no crypto driver), frames use
 * libcrc32c's choice: never an error.
 *
 * Context: process, at module load.
 */
void __init dwcp_crc_init(void)
{
	u32 best_speed = 0;
	u8 *buf;
	int i;

	strscpy(crc32c_driver, "libcrc32c", sizeof(crc32c_driver));
	dwcp_crc_tab_init();
	if (IS_ENABLED(CONFIG_DWCP_BENCH_NO_CRC)) {
		pr_warn("benchmark build: frames carry no CRC32C, never use it\n");
		strscpy(crc32c_driver, "none", sizeof(crc32c_driver));
		copy_crc = 0;
		return;
	}

	buf = kmalloc(DWCP_CRC_TEST_LEN, GFP_KERNEL);
	if (!buf) {
		copy_crc = 0;
		return;
	}
	get_random_bytes(buf, DWCP_CRC_TEST_LEN);
	for (i = 0; i < ARRAY_SIZE(dwcp_crc_candidates); i++)
		dwcp_crc_try(dwcp_crc_candidates[i], buf, &best_speed);
	dwcp_copy_crc_choose(buf);
	kfree(buf);
	pr_info("crc32c: using %s, %s\n", crc32c_driver,
		copy_crc ? "in one pass with the sender's copy" :
			   "after the sender's copy");
}

/**
 * dwcp_crc_exit() - release the chosen implementation
 *
 * Context: process, at module unload once no socket is left, or when
 * dwcp_init() fails.
 */
void dwcp_crc_exit(void)
{
	if (dwcp_crc_tfm)
		crypto_free_shash(dwcp_crc_tfm);
	dwcp_crc_tfm = NULL;
}
