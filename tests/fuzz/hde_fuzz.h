/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The history both the HDE fuzzer and its seed generator start from: one
 * chunk that gives keys 1..8 a baseline (and leaves the encoder that made
 * it, for seeds that build on it).
 */
#ifndef _HDE_FUZZ_H
#define _HDE_FUZZ_H

#include "hde.h"

#define HDE_FUZZ_STORE	(4u << 20)

static inline int hde_fuzz_history(uint8_t **chunk, size_t *len,
				   struct hde_encoder *keep)
{
	static struct hde_encoder enc;
	uint8_t rec[512];
	int key, n;

	if (hde_encoder_init(&enc, HDE_FUZZ_STORE))
		return -1;
	for (key = 1; key <= 8; key++) {
		memset(rec, 'a' + key, sizeof(rec));
		rec[key] = 0;
		if (hde_enc_add(&enc, key, rec, sizeof(rec)))
			return -1;
	}
	*chunk = malloc(hde_chunk_bound(&enc));
	if (!*chunk)
		return -1;
	n = hde_enc_finish(&enc, HDE_OPT_NONE, *chunk, hde_chunk_bound(&enc));
	if (n <= 0)
		return -1;
	*len = n;
	if (keep)
		*keep = enc;
	else
		hde_encoder_destroy(&enc);
	return 0;
}

#endif
