// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the HDE fuzzer's seed chunks (tests/fuzz/seeds/hde/): one per
 * record kind and compression, each valid on top of hde_fuzz_history().
 *   gen-hde-seeds DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include "hde_fuzz.h"

static struct hde_encoder enc;
static uint8_t out[DWCP_HDE_CHUNK_HDR_LEN + DWCP_HDE_MAX_PLAIN];

static void seed(const char *dir, const char *name, int opt)
{
	char path[4096];
	int n = hde_enc_finish(&enc, opt, out, sizeof(out));
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (n <= 0 || !f || fwrite(out, 1, n, f) != (size_t)n) {
		fprintf(stderr, "gen-hde-seeds: %s failed\n", path);
		exit(1);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	uint8_t *hist, rec[512];
	size_t hlen;
	int key;

	if (argc != 2 || hde_fuzz_history(&hist, &hlen, &enc))
		return 2;
	memset(rec, 'a' + 1, sizeof(rec));
	rec[1] = 0;
	hde_enc_add(&enc, 1, rec, sizeof(rec));			/* SAME */
	seed(argv[1], "same", HDE_OPT_NONE);
	rec[100] = 'z';
	hde_enc_add(&enc, 1, rec, sizeof(rec));			/* DELTA */
	seed(argv[1], "delta", HDE_OPT_NONE);
	/* Each seed must decode on the history alone: start from it again. */
	if (hde_fuzz_history(&hist, &hlen, &enc))
		return 2;
	rec[100] = 'a' + 1;
	hde_enc_add(&enc, 20, rec, sizeof(rec));		/* DUP of key 1 */
	seed(argv[1], "dup", HDE_OPT_NONE);
	memset(rec, 0, sizeof(rec));
	hde_enc_add(&enc, 2, rec, sizeof(rec));			/* ZERO */
	seed(argv[1], "zero", HDE_OPT_NONE);
	for (key = 3; key <= 8; key++) {			/* mixed, zstd */
		memset(rec, 'a' + key, sizeof(rec));
		rec[key] = 0;
		rec[200 + key] ^= 0x55;
		hde_enc_add(&enc, key, rec, sizeof(rec));
		hde_enc_add(&enc, 100 + key, "raw record", 10);
	}
	seed(argv[1], "mixed-zstd", HDE_OPT_ZSTD1);
	return 0;
}
