// SPDX-License-Identifier: GPL-2.0
/* Load a vmmem data set: zstd files and the manifest's checksums. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <openssl/evp.h>
#include "vmmem.h"

void vmmem_sha256(const uint8_t *p, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int len = 0;
	int i;

	EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

/* Whole file, zstd-decompressed (the data sets use a 128 MiB window). */
static uint8_t *unzstd(const char *path, size_t *len)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	uint8_t in[1 << 16], *out = NULL;
	size_t cap = 0, n;
	FILE *f = fopen(path, "rb");

	*len = 0;
	if (!f || !d)
		goto fail;
	ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 27);
	while ((n = fread(in, 1, sizeof(in), f)) > 0) {
		ZSTD_inBuffer ib = { in, n, 0 };

		while (ib.pos < ib.size) {
			if (cap - *len < (1 << 20)) {
				cap = cap ? cap * 2 : 64 << 20;
				out = realloc(out, cap);
				if (!out)
					goto fail;
			}
			ZSTD_outBuffer ob = { out + *len, cap - *len, 0 };
			if (ZSTD_isError(ZSTD_decompressStream(d, &ob, &ib)))
				goto fail;
			*len += ob.pos;
		}
	}
	fclose(f);
	ZSTD_freeDCtx(d);
	return out;
fail:
	fprintf(stderr, "vmmem: cannot read %s\n", path);
	if (f)
		fclose(f);
	ZSTD_freeDCtx(d);
	free(out);
	return NULL;
}

/* The n-th "KEY": "hex" string value after position p in the manifest. */
static const char *json_hex(const char *p, const char *key, char out[65])
{
	char pat[64];
	const char *q;

	snprintf(pat, sizeof(pat), "\"%s\": \"", key);
	q = strstr(p, pat);
	if (!q || strlen(q + strlen(pat)) < 64)
		return NULL;
	memcpy(out, q + strlen(pat), 64);
	out[64] = 0;
	return q + strlen(pat) + 64;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	if (buf && fread(buf, 1, n, f) == (size_t)n) {
		buf[n] = 0;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int load_round(struct vmmem_round *r, const char *path, size_t pages)
{
	size_t len, i, rec = 8 + VMMEM_PAGE;
	uint8_t *raw = unzstd(path, &len);

	if (!raw || len % rec)
		goto fail;
	r->count = len / rec;
	r->index = malloc(r->count * sizeof(*r->index));
	r->pages = malloc(r->count * VMMEM_PAGE);
	if (!r->index || !r->pages)
		goto fail;
	for (i = 0; i < r->count; i++) {
		uint64_t idx = 0;
		int b;

		for (b = 7; b >= 0; b--)
			idx = idx << 8 | raw[i * rec + b];
		if (idx >= pages)
			goto fail;
		r->index[i] = idx;
		memcpy(r->pages + i * VMMEM_PAGE, raw + i * rec + 8, VMMEM_PAGE);
	}
	free(raw);
	return 0;
fail:
	fprintf(stderr, "vmmem: bad round file %s\n", path);
	free(raw);
	return -1;
}

static int vmmem_open(struct vmmem *m, const char *dir, int data)
{
	char path[4096], *manifest;
	const char *p;
	size_t len;

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	manifest = slurp(path);
	if (!manifest) {
		fprintf(stderr, "vmmem: no %s\n", path);
		return -1;
	}
	if (data) {
		snprintf(path, sizeof(path), "%s/base.raw.zst", dir);
		m->base = unzstd(path, &len);
		if (!m->base || len % VMMEM_PAGE)
			goto fail;
		m->pages = len / VMMEM_PAGE;
	} else {
		p = strstr(manifest, "\"num_pages\": ");
		m->pages = p ? strtoul(p + 13, NULL, 10) : 0;
		if (!m->pages)
			goto fail;
	}
	p = strstr(manifest, "\"base\"");
	p = p ? json_hex(p, "sha256", m->base_sha256) : NULL;
	if (!p)
		goto fail;
	while (m->rounds < VMMEM_ROUNDS_MAX) {
		struct vmmem_round *r = &m->round[m->rounds];

		p = json_hex(p, "sha256_after", r->sha256_after);
		if (!p)
			break;
		snprintf(path, sizeof(path), "%s/round-%d.pages.zst", dir, m->rounds + 1);
		if (data && load_round(r, path, m->pages))
			goto fail;
		m->rounds++;
	}
	free(manifest);
	return m->rounds ? 0 : -1;
fail:
	free(manifest);
	vmmem_free(m);
	return -1;
}

int vmmem_load(struct vmmem *m, const char *dir)
{
	return vmmem_open(m, dir, 1);
}

int vmmem_load_manifest(struct vmmem *m, const char *dir)
{
	return vmmem_open(m, dir, 0);
}

void vmmem_free(struct vmmem *m)
{
	int i;

	free(m->base);
	for (i = 0; i < m->rounds; i++) {
		free(m->round[i].index);
		free(m->round[i].pages);
	}
	memset(m, 0, sizeof(*m));
}
