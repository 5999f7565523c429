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
	if (IS_ENABLED(CONFIG_DWCP_BENCH_NO_CRC)) {
		pr_warn("benchmark build: frames carry no CRC32C, never use it\n");
		strscpy(crc32c_driver, "none", sizeof(crc32c_driver));
		return;
	}

	buf = kmalloc(DWCP_CRC_TEST_LEN, GFP_KERNEL);
	if (!buf)
		return;
	get_random_bytes(buf, DWCP_CRC_TEST_LEN);
	for (i = 0; i < ARRAY_SIZE(dwcp_crc_candidates); i++)
		dwcp_crc_try(dwcp_crc_candidates[i], buf, &best_speed);
	kfree(buf);
	pr_info("crc32c: using %s\n", crc32c_driver);
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
