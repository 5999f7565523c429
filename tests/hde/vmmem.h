/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vmmem pre-copy data set (../shared/data/vmmem/WORKLOAD): the base
 * image and the dirty pages of each round, as README.md there describes.
 */
#ifndef _VMMEM_H
#define _VMMEM_H

#include <stddef.h>
#include <stdint.h>

#define VMMEM_PAGE	4096
#define VMMEM_ROUNDS_MAX 16

struct vmmem_round {
	uint64_t *index;	/* dirty page numbers, increasing */
	uint8_t *pages;		/* their new content, VMMEM_PAGE each */
	size_t count;
	char sha256_after[65];	/* of the whole image after the round */
};

struct vmmem {
	uint8_t *base;		/* round 0: the full image */
	size_t pages;
	char base_sha256[65];
	struct vmmem_round round[VMMEM_ROUNDS_MAX];
	int rounds;
};

int vmmem_load(struct vmmem *m, const char *dir);
/* Checksums and page count only, no page data. */
int vmmem_load_manifest(struct vmmem *m, const char *dir);
void vmmem_free(struct vmmem *m);
void vmmem_sha256(const uint8_t *p, size_t n, char out[65]);

#endif
