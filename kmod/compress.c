// SPDX-License-Identifier: GPL-2.0
/*
 * zstd for byte-stream sessions: a DATA frame may carry its bytes
 * compressed (DWCP_FRAME_F_ZSTD), when the peer accepts it and the codec
 * selector (hde.c) measures that compression raises goodput.  No delta: a
 * byte stream has no record identity.  Each frame decodes on its own, so a
 * frame resent on another stream decodes the same way.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/zstd.h>

#include "dwcp.h"

/* All options are measured together this rarely: byte streams are often
 * incompressible, and a probe costs three compressions.
 */
#define DWCP_Z_PROBE_EVERY	256

/**
 * struct dwcp_zstd - compression state of a byte-stream session
 * @sel: codec selection
 * @cctx: compression context (in @cwork), NULL until the first frame
 * @cwork: its workspace
 * @dctx: decompression context (in @dwork), NULL until the first frame
 * @dwork: its workspace
 * @tmp: one compressed frame
 * @frame: the frame size the workspace was sized for
 */
struct dwcp_zstd {
	struct hde_selector sel;
	zstd_cctx *cctx;
	void *cwork;
	zstd_dctx *dctx;
	void *dwork;
	u8 *tmp;
	u32 frame;
};

static struct dwcp_zstd *dwcp_z(struct dwcp_sock *dsk)
{
	if (!dsk->zstd) {
		dsk->zstd = kzalloc(sizeof(*dsk->zstd), GFP_KERNEL);
		if (dsk->zstd) {
			hde_selector_init(&dsk->zstd->sel);
			dsk->zstd->sel.probe_every = DWCP_Z_PROBE_EVERY;
		}
	}
	return dsk->zstd;
}

static int dwcp_z_cctx(struct dwcp_zstd *z, u32 frame)
{
	size_t ws = 0, need;
	zstd_parameters p;
	int opt;

	if (z->cctx && frame <= z->frame)
		return 0;
	/* first use, or a policy raised the frame size: size it afresh */
	kvfree(z->cwork);
	kvfree(z->tmp);
	z->cctx = NULL;
	for (opt = 1; opt < HDE_NR_OPTS; opt++) {
		p = zstd_get_params(hde_opt_level(opt), frame);
		need = zstd_cctx_workspace_bound(&p.cParams);
		ws = max(ws, need);
	}
	z->cwork = kvmalloc(ws, GFP_KERNEL);
	z->tmp = kvmalloc(frame, GFP_KERNEL);
	if (z->cwork && z->tmp)
		z->cctx = zstd_init_cctx(z->cwork, ws);
	if (!z->cctx) {
		kvfree(z->cwork);
		kvfree(z->tmp);
		z->cwork = NULL;
		z->tmp = NULL;
		return -ENOMEM;
	}
	z->frame = frame;
	return 0;
}

/* zstd @opt of @src into z->tmp; its size, or 0 when it does not shrink. */
static u32 dwcp_z_try(struct dwcp_zstd *z, int opt, const u8 *src, u32 len,
		      bool feed)
{
	int level = hde_opt_level(opt);
	zstd_parameters p = zstd_get_params(level, len);
	u64 t0 = ktime_get_ns();
	size_t n = 0;

	if (level) {
		n = zstd_compress_cctx(z->cctx, z->tmp, len - 1, src, len, &p);
		if (zstd_is_error(n))
			n = 0;
	}
	if (feed)
		hde_selector_feed(&z->sel, opt, len, n ? n : len,
				  level ? ktime_get_ns() - t0 : 0);
	return n;
}

/*
 * Every option the selector may choose on this frame (it learns); the
 * smallest wins.
 */
static u32 dwcp_z_probe(struct dwcp_zstd *z, const u8 *src, u32 len)
{
	u32 n, best = 0;
	int opt, used = HDE_OPT_NONE;

	for (opt = HDE_OPT_NONE; opt <= z->sel.max_opt; opt++) {
		n = dwcp_z_try(z, opt, src, len, true);
		if (n && (!best || n < best)) {
			best = n;
			used = opt;
		}
	}
	return best ? dwcp_z_try(z, used, src, len, false) : 0;
}

/**
 * dwcp_zframe_compress() - compress a queued DATA frame if it pays
 * @dsk: the session, locked; its peer accepts DWCP_FRAME_F_ZSTD
 * @f: the frame, built, not yet sent
 * @rate: the session's delivery rate in bytes/s (0: unknown)
 *
 * Leaves @f as it is when compression is off, not chosen, or does not
 * shrink it; memory shortage also just sends it as it is.
 */
void dwcp_zframe_compress(struct dwcp_sock *dsk, struct dwcp_txframe *f,
			  u64 rate)
{
	struct dwcp_zstd *z;
	u32 frame = max(f->len, dwcp_session_frame_size(dsk));
	u32 n = 0;
	u8 *data;
	int opt;

	if (!dsk->codec || !dsk->peer_zstd || f->len < 64)
		return;
	z = dwcp_z(dsk);
	if (!z || dwcp_z_cctx(z, frame))
		return;
	if (f->len > z->frame)
		return;
	hde_selector_set_max(&z->sel, dwcp_mode_codec_max(dsk));
	opt = dsk->codec > 0 ? dsk->codec : hde_select(&z->sel, rate);
	if (opt == HDE_PROBE)
		n = dwcp_z_probe(z, f->data, f->len);
	else if (opt != HDE_OPT_NONE)
		n = dwcp_z_try(z, opt, f->data, f->len, false);
	if (!n)
		return;
	data = dwcp_buf_alloc(&dsk->tx_bufs, n);
	if (!data)
		return;
	memcpy(data, z->tmp, n);
	dsk->st.dwci_frames_compressed++;
	dsk->st.dwci_bytes_compressed_in += f->len;
	dsk->st.dwci_bytes_compressed_out += n;
	dwcp_buf_free(&dsk->tx_bufs, f->data, f->len, dwcp_tx_spare_room(dsk));
	f->data = data;
	f->len = n;
	f->hdr.len = cpu_to_be32(n);
	dwcp_frame_set_flags(&f->hdr, DWCP_FRAME_F_ZSTD, f->app_len, f->data);
}

/**
 * dwcp_zframe_decompress() - the session bytes of a compressed DATA frame
 * @dsk: the session, locked
 * @rb: the frame's payload as received (freed here)
 * @out_len: bytes it must decompress to (checked against the frame limit
 *	by dwcp_frame_check_hdr())
 *
 * Return: a new buffer of exactly @out_len bytes at @rb's sequence number;
 * ERR_PTR(-ENOMEM), or ERR_PTR(-EBADMSG) when the zstd frame is malformed
 * or decompresses to another length (never more: the output buffer is
 * exactly @out_len).
 */
struct dwcp_rxbuf *dwcp_zframe_decompress(struct dwcp_sock *dsk,
					  struct dwcp_rxbuf *rb, u32 out_len)
{
	struct dwcp_zstd *z = dwcp_z(dsk);
	struct dwcp_rxbuf *out;
	size_t ws, n;

	if (z && !z->dctx) {
		ws = zstd_dctx_workspace_bound();
		z->dwork = kvmalloc(ws, GFP_KERNEL);
		if (z->dwork)
			z->dctx = zstd_init_dctx(z->dwork, ws);
	}
	out = z && z->dctx ? dwcp_rxbuf_alloc(&dsk->rx_bufs, rb->seq, out_len) : NULL;
	if (!out) {
		dwcp_rxbuf_free(rb);
		return ERR_PTR(-ENOMEM);
	}
	n = zstd_decompress_dctx(z->dctx, out->data, out_len, rb->data, rb->len);
	dwcp_rxbuf_recycle(&dsk->rx_bufs, rb, dwcp_rx_spare_room(dsk));
	if (zstd_is_error(n) || n != out_len) {
		dwcp_rxbuf_free(out);
		return ERR_PTR(-EBADMSG);
	}
	return out;
}

/**
 * dwcp_zframe_destroy() - free the compression state
 * @dsk: the session
 */
void dwcp_zframe_destroy(struct dwcp_sock *dsk)
{
	struct dwcp_zstd *z = dsk->zstd;

	if (!z)
		return;
	kvfree(z->cwork);
	kvfree(z->dwork);
	kvfree(z->tmp);
	kfree(z);
	dsk->zstd = NULL;
}
