// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the HDE chunk decoder (kmod/hde.c built in
 * userspace).  Each input is one chunk, decoded by a receiver whose store
 * already holds a known history (hde_fuzz_history()), so SAME, DUP and
 * DELTA records reach real baselines.  Every delivered record is read
 * whole, so ASan sees any out-of-bounds content.
 */
#include <stdio.h>
#include <stdlib.h>
#include "hde_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *history;
static size_t history_len;

static int deliver(void *arg, u64 key, const u8 *p, u32 len)
{
	unsigned int *sum = arg;
	u32 i;

	(void)key;
	if (!len || len > DWCP_HDE_MAX_RECORD)
		abort();
	for (i = 0; i < len; i++)
		*sum += p[i];
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hde_decoder dec;
	unsigned int sum = 0;
	int err;

	if (!history && hde_fuzz_history(&history, &history_len, NULL))
		abort();
	if (hde_decoder_init(&dec, HDE_FUZZ_STORE))
		abort();
	if (hde_dec_chunk(&dec, history, history_len, deliver, &sum))
		abort();
	err = hde_dec_chunk(&dec, data, size, deliver, &sum);
	if (err && err != -EBADMSG && err != -ESTALE)
		abort();
	if (dec.store.bytes > dec.store.limit)
		abort();
	hde_decoder_destroy(&dec);
	return 0;
}
