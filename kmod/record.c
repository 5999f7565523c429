// SPDX-License-Identifier: GPL-2.0
/*
 * Keyed records (SOCK_SEQPACKET): each sendmsg() is one record with a key;
 * records are HDE-encoded (hde.c) into chunks that travel as bytes of the
 * session, so striping, resend after a stream failure and flow control are
 * the byte stream's (session.c).  The receiver decodes a chunk once all its
 * bytes are in and hands the records out one per recvmsg().
 *
 * Encoding runs in sendmsg() and decoding in recvmsg(): the CPU cost lands
 * on the process that moves the data, and the stores change only under the
 * socket lock.
 *
 * Resync: a receiver that cannot rebuild a chunk (a baseline it could not
 * keep) asks for its records again; both ends empty their stores and the
 * sender encodes again, behind a marker, every record from that chunk on.
 * So the sender keeps each record until the receiver says (REC_ACK) that
 * it has decoded its chunk.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/uio.h>
#include <linux/sizes.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "dwcp.h"

/* A chunk closes at this many plain bytes (bigger ones compress a little
 * better but wait longer for their last record).
 */
#define DWCP_REC_CHUNK_TARGET	(256 * 1024)
#define DWCP_REC_CHUNK_MAX	(DWCP_HDE_CHUNK_HDR_LEN + DWCP_HDE_MAX_PLAIN)
/* A resync marker: a chunk of comp RESYNC, no records, whose 4-byte body
 * is the number of the resync it answers (protocol.md, "Resync").
 */
struct dwcp_rec_marker {
	struct dwcp_hde_chunk hdr;
	__be32 nr;
} __packed;

/* The sender keeps at least this much of records its peer has not decoded
 * (more when the store limit is larger): a few chunks of the largest kind.
 */
#define DWCP_REC_HIST_MIN	(16UL << 20)
/* The receiver says what it decoded after this many record bytes, or when
 * it has decoded all it has.
 */
#define DWCP_REC_ACK_BYTES	SZ_1M

static unsigned int hde_fault_every;
module_param(hde_fault_every, uint, 0600);
MODULE_PARM_DESC(hde_fault_every,
		 "tests: every Nth baseline a receiver stores fails as if out of memory (0: none)");

/**
 * struct dwcp_hist_rec - one record kept for a resync; its content follows,
 *	padded to 8 bytes
 * @key: the record's key
 * @len: content bytes
 * @pad: zero
 */
struct dwcp_hist_rec {
	u64 key;
	u32 len;
	u32 pad;
};

/**
 * struct dwcp_hist_chunk - the records of a chunk sent, kept until the peer
 *	has decoded the chunk
 * @list: in dwcp_rec.hist, oldest first
 * @start: session offset where the chunk starts
 * @end: where it ends
 * @len: bytes of @data
 * @data: the records, struct dwcp_hist_rec each
 */
struct dwcp_hist_chunk {
	struct list_head list;
	u64 start;
	u64 end;
	size_t len;
	u8 data[];
};

/**
 * struct dwcp_record - a decoded record waiting for recvmsg()
 * @list: in dwcp_rec.queue
 * @key: its key
 * @len: content bytes
 * @data: the content
 */
struct dwcp_record {
	struct list_head list;
	u64 key;
	u32 len;
	u8 data[];
};

/**
 * struct dwcp_rec - keyed-record state of a session
 * @enc: sending end, allocated by the first sendmsg()
 * @dec: receiving end, allocated by the first chunk
 * @in: one record copied from the user
 * @out: one encoded chunk
 * @chunk: one received chunk
 * @queue: decoded records, in order
 * @need: rx_ready bytes the next chunk needs whole (0: no bytes yet)
 * @hist: sending end: chunks sent whose records the peer has not decoded
 *	yet (struct dwcp_hist_chunk), oldest first
 * @pend: the records of the chunk being built, as they go into @hist
 * @pend_len: bytes in @pend
 * @pend_cap: bytes @pend holds
 * @hist_bytes: bytes in @hist and @pend
 * @served: number of the last resync served
 * @resync_credit: resyncs that may be served now (DWCP_RESYNC_BURST at most)
 * @credit_at: jiffies the credit was last counted up to
 * @dec_end: receiving end: session offset where the last chunk decoded
 *	(or a resync marker) ends
 * @ack_sent: @dec_end as last told to the peer (REC_ACK)
 * @ack_bytes: record bytes decoded since then
 * @asked: number of the last resync asked for
 * @resync_start: where the chunk that failed starts
 * @resync_sent: jiffies when RESYNC last went
 * @resyncing: skipping chunks until the marker of resync @asked
 * @ack_due: a REC_ACK is to go
 * @resync_due: a RESYNC is to go
 */
struct dwcp_rec {
	struct hde_encoder *enc;
	struct hde_decoder *dec;
	u8 *in;
	u8 *out;
	u8 *chunk;
	struct list_head queue;
	u32 need;
	struct list_head hist;
	u8 *pend;
	size_t pend_len;
	size_t pend_cap;
	size_t hist_bytes;
	u32 served;
	u32 resync_credit;
	unsigned long credit_at;
	u64 dec_end;
	u64 ack_sent;
	u32 ack_bytes;
	u32 asked;
	u64 resync_start;
	unsigned long resync_sent;
	bool resyncing;
	bool ack_due;
	bool resync_due;
};

/**
 * dwcp_rec_init() - set up keyed records for a session
 * @dsk: a SOCK_SEQPACKET session being established
 *
 * The big buffers and the codec come with the first record each way.
 */
void dwcp_rec_init(struct dwcp_sock *dsk)
{
	struct dwcp_rec *rs = kzalloc(sizeof(*rs), GFP_KERNEL | __GFP_NOFAIL);

	INIT_LIST_HEAD(&rs->queue);
	INIT_LIST_HEAD(&rs->hist);
	rs->resync_credit = DWCP_RESYNC_BURST;
	rs->credit_at = jiffies;
	dsk->rec = rs;
}

static void dwcp_hist_free(struct list_head *chunks)
{
	struct dwcp_hist_chunk *c, *tmp;

	list_for_each_entry_safe(c, tmp, chunks, list)
		kvfree(c);
	INIT_LIST_HEAD(chunks);
}

/**
 * dwcp_rec_destroy() - free the keyed-record state
 * @dsk: the session
 */
void dwcp_rec_destroy(struct dwcp_sock *dsk)
{
	struct dwcp_rec *rs = dsk->rec;
	struct dwcp_record *r, *tmp;

	if (!rs)
		return;
	list_for_each_entry_safe(r, tmp, &rs->queue, list)
		kvfree(r);
	dwcp_hist_free(&rs->hist);
	kvfree(rs->pend);
	if (rs->enc)
		hde_encoder_destroy(rs->enc);
	if (rs->dec)
		hde_decoder_destroy(rs->dec);
	kfree(rs->enc);
	kfree(rs->dec);
	kvfree(rs->in);
	kvfree(rs->out);
	kvfree(rs->chunk);
	kfree(rs);
	dsk->rec = NULL;
}

static int dwcp_rec_enc_ready(struct dwcp_sock *dsk)
{
	struct dwcp_rec *rs = dsk->rec;
	struct hde_encoder *enc;

	if (rs->enc)
		return 0;
	rs->in = kvmalloc(DWCP_HDE_MAX_RECORD, GFP_KERNEL);
	rs->out = kvmalloc(DWCP_REC_CHUNK_MAX, GFP_KERNEL);
	enc = kzalloc(sizeof(*enc), GFP_KERNEL);
	if (!rs->in || !rs->out || !enc ||
	    hde_encoder_init(enc, dsk->hde_store_limit)) {
		kfree(enc);
		kvfree(rs->in);
		kvfree(rs->out);
		rs->in = NULL;
		rs->out = NULL;
		return -ENOMEM;
	}
	rs->enc = enc;
	return 0;
}

static int dwcp_rec_dec_ready(struct dwcp_sock *dsk)
{
	struct dwcp_rec *rs = dsk->rec;
	struct hde_decoder *dec;

	if (rs->dec)
		return 0;
	rs->chunk = kvmalloc(DWCP_REC_CHUNK_MAX, GFP_KERNEL);
	dec = kzalloc(sizeof(*dec), GFP_KERNEL);
	if (!rs->chunk || !dec || hde_decoder_init(dec, dsk->hde_store_limit)) {
		kfree(dec);
		kvfree(rs->chunk);
		rs->chunk = NULL;
		return -ENOMEM;
	}
	dec->store.fault_every = READ_ONCE(hde_fault_every);
	rs->dec = dec;
	return 0;
}

/* --- The sender's history: records kept until the peer decoded them ------ */

static size_t dwcp_hist_rec_size(u32 len)
{
	return sizeof(struct dwcp_hist_rec) + ALIGN(len, 8);
}

static size_t dwcp_hist_limit(const struct dwcp_sock *dsk)
{
	return max_t(size_t, dsk->hde_store_limit, DWCP_REC_HIST_MIN);
}

/**
 * dwcp_rec_hist_full() - may the application add no record for now?
 * @dsk: the session
 *
 * Return: true while the records the peer has not decoded fill the
 * history (sendmsg() waits, poll() says not writable).
 */
bool dwcp_rec_hist_full(const struct dwcp_sock *dsk)
{
	const struct dwcp_rec *rs = dsk->rec;

	return rs && dsk->peer_resync &&
	       READ_ONCE(rs->hist_bytes) >= dwcp_hist_limit(dsk);
}

/* Keep a copy of a record going into the chunk being built. */
static int dwcp_hist_add(struct dwcp_rec *rs, u64 key, const u8 *data,
			 u32 len)
{
	size_t size = dwcp_hist_rec_size(len);
	size_t need = rs->pend_len + size;
	struct dwcp_hist_rec *h;

	if (need > rs->pend_cap) {
		size_t cap = max3(need, 2 * rs->pend_cap, (size_t)SZ_64K);
		u8 *p = kvmalloc(cap, GFP_KERNEL);

		if (!p)
			return -ENOMEM;
		if (rs->pend_len)
			memcpy(p, rs->pend, rs->pend_len);
		kvfree(rs->pend);
		rs->pend = p;
		rs->pend_cap = cap;
	}
	h = (struct dwcp_hist_rec *)(rs->pend + rs->pend_len);
	h->key = key;
	h->len = len;
	h->pad = 0;
	memcpy(h + 1, data, len);
	memset((u8 *)(h + 1) + len, 0, ALIGN(len, 8) - len);
	rs->pend_len = need;
	rs->hist_bytes += size;
	return 0;
}

/* Take back the last record of @pend (its encoding failed). */
static void dwcp_hist_unadd(struct dwcp_rec *rs, u32 len)
{
	rs->pend_len -= dwcp_hist_rec_size(len);
	rs->hist_bytes -= dwcp_hist_rec_size(len);
}

/* The chunk being built went out as [@start, @end): its records move. */
static int dwcp_hist_close(struct dwcp_rec *rs, u64 start, u64 end)
{
	struct dwcp_hist_chunk *c;

	c = kvmalloc(struct_size(c, data, rs->pend_len), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->start = start;
	c->end = end;
	c->len = rs->pend_len;
	memcpy(c->data, rs->pend, rs->pend_len);
	list_add_tail(&c->list, &rs->hist);
	rs->pend_len = 0;
	return 0;
}

/* Drop the chunks that end at or before @end; true if any went. */
static bool dwcp_hist_drop(struct dwcp_rec *rs, u64 end)
{
	struct dwcp_hist_chunk *c, *tmp;
	bool dropped = false;

	list_for_each_entry_safe(c, tmp, &rs->hist, list) {
		if (c->end > end)
			break;
		rs->hist_bytes -= c->len;
		list_del(&c->list);
		kvfree(c);
		dropped = true;
	}
	return dropped;
}

/* Queue @n bytes at @buf as session data, in frames of the session's size. */
static int dwcp_rec_queue(struct dwcp_sock *dsk, void *buf, size_t n)
{
	u32 fsize = dwcp_session_frame_size(dsk);
	struct kvec kv = { .iov_base = buf, .iov_len = n };
	struct iov_iter it;
	int err = 0;

	iov_iter_kvec(&it, WRITE, &kv, 1, n);
	while (iov_iter_count(&it) && !err)
		err = dwcp_queue_frame(dsk, &it, min_t(size_t, fsize,
						       iov_iter_count(&it)));
	return err;
}

/*
 * Close the chunk being built and queue it; after a shutdown too, for a
 * resync.  Errors abort the session: a chunk cut in the middle would leave
 * the byte stream unparseable.
 */
static int dwcp_rec_emit(struct dwcp_sock *dsk)
{
	struct dwcp_rec *rs = dsk->rec;
	struct hde_encoder *enc = rs ? rs->enc : NULL;
	int opt, n, err;
	u64 start;

	if (!enc || !enc->nrec || !dsk->alive)
		return 0;
	dsk->st.dwci_hde_rate = dwcp_session_rate(dsk);
	hde_selector_set_max(&enc->sel, dwcp_mode_codec_max(dsk));
	opt = dsk->codec >= 0 ? dsk->codec : hde_select(&enc->sel,
							 dsk->st.dwci_hde_rate);
	n = hde_enc_finish(enc, opt, rs->out, DWCP_REC_CHUNK_MAX);
	if (n <= 0)
		return n;
	start = dsk->snd_nxt;
	err = dwcp_rec_queue(dsk, rs->out, n);
	if (!err && dsk->peer_resync)
		err = dwcp_hist_close(rs, start, dsk->snd_nxt);
	if (err) {
		dwcp_session_abort(dsk, -err);
		return err;
	}
	dsk->st.dwci_hde_chunks_sent++;
	dsk->st.dwci_hde_chunk_bytes_sent += n;
	dwcp_io_kick(dsk);
	return 0;
}

/**
 * dwcp_rec_flush() - close the chunk being built and queue it as data
 * @dsk: the session
 *
 * Context: the socket lock held.
 *
 * Return: 0; -ENOMEM, after which the session is aborted (a chunk cut in
 * the middle would leave the byte stream unparseable).
 */
int dwcp_rec_flush(struct dwcp_sock *dsk)
{
	if (dsk->fin_queued)
		return 0;
	return dwcp_rec_emit(dsk);
}

/*
 * Like TCP's autocork: records gather in a chunk while earlier data is
 * still on its way, and go once less than a chunk's worth is unacked (the
 * streams' own buffers would hide a busy link from a look at our queue).
 */
static bool dwcp_rec_pipe_low(const struct dwcp_sock *dsk)
{
	return dsk->snd_nxt - dsk->snd_una < DWCP_REC_CHUNK_TARGET;
}

/**
 * dwcp_rec_tx_idle() - the link drained: send the chunk being built
 * @dsk: the session
 *
 * Context: the socket lock held.
 */
void dwcp_rec_tx_idle(struct dwcp_sock *dsk)
{
	if (dsk->rec && dwcp_rec_pipe_low(dsk))
		dwcp_rec_flush(dsk);
}

/* The record key from the DWCP_CMSG_KEY control message. */
static int dwcp_rec_key(struct msghdr *msg, u64 *key)
{
	struct cmsghdr *cmsg;
	bool found = false;

	for_each_cmsghdr(cmsg, msg) {
		if (!CMSG_OK(msg, cmsg))
			return -EINVAL;
		if (cmsg->cmsg_level != SOL_DWCP)
			continue;
		if (cmsg->cmsg_type != DWCP_CMSG_KEY ||
		    cmsg->cmsg_len != CMSG_LEN(sizeof(u64)))
			return -EINVAL;
		memcpy(key, CMSG_DATA(cmsg), sizeof(u64));
		found = true;
	}
	return found ? 0 : -EINVAL;
}

/* Add a record to the chunk being built (which goes first if it is full). */
static int dwcp_rec_add(struct dwcp_sock *dsk, u64 key, const u8 *data,
			u32 len)
{
	struct dwcp_rec *rs = dsk->rec;
	int err;

	if (!hde_enc_room(rs->enc, len)) {
		err = dwcp_rec_emit(dsk);
		if (err)
			return err;
	}
	if (dsk->peer_resync) {
		err = dwcp_hist_add(rs, key, data, len);
		if (err)
			return err;
	}
	err = hde_enc_add(rs->enc, key, data, len);
	if (err && dsk->peer_resync)
		dwcp_hist_unadd(rs, len);
	return err;
}

/**
 * dwcp_rec_sendmsg() - send one keyed record
 * @sock: a SOCK_SEQPACKET socket
 * @msg: the record, with a DWCP_CMSG_KEY control message (MSG_DONTWAIT,
 *	MSG_NOSIGNAL, MSG_MORE honoured)
 * @len: its length, 1..DWCP_HDE_MAX_RECORD
 *
 * Return: @len; -EINVAL (no or bad key, empty record); -EMSGSIZE (too
 * long); -EAGAIN; -EPIPE; -ENOTCONN; -EFAULT; -ENOMEM; the session's error.
 */
int dwcp_rec_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	struct sock *sk = sock->sk;
	struct dwcp_sock *dsk = dwcp_sk(sk);
	struct hde_encoder *enc;
	long timeo;
	u64 key;
	int err;

	if (msg->msg_flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE | MSG_EOR))
		return -EOPNOTSUPP;
	if (len > DWCP_HDE_MAX_RECORD)
		return -EMSGSIZE;
	err = dwcp_rec_key(msg, &key);
	if (err || !len)
		return -EINVAL;
	lock_sock(sk);
	timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	err = dwcp_wait_connected(sk, &timeo);
	if (!err)
		err = dwcp_wait_sndbuf(dsk, &timeo);
	if (!err && !dsk->rec)
		err = -ENOTCONN;
	if (!err)
		err = dwcp_rec_enc_ready(dsk);
	if (err)
		goto out;
	if (!copy_from_iter_full(dsk->rec->in, len, &msg->msg_iter)) {
		err = -EFAULT;
		goto out;
	}
	enc = dsk->rec->enc;
	err = dwcp_rec_add(dsk, key, dsk->rec->in, len);
	if (err)
		goto out;
	dsk->st.dwci_rec_sent++;
	dsk->st.dwci_rec_bytes_sent += len;
	if (enc->plain_len >= DWCP_REC_CHUNK_TARGET ||
	    (!(msg->msg_flags & MSG_MORE) && dwcp_rec_pipe_low(dsk)))
		err = dwcp_rec_flush(dsk);
out:
	release_sock(sk);
	if (!err)
		return len;
	if (err == -EPIPE)
		return sk_stream_error(sk, msg->msg_flags, err);
	return err;
}

static int dwcp_rec_enqueue(void *arg, u64 key, const u8 *data, u32 len)
{
	struct dwcp_sock *dsk = arg;
	struct dwcp_record *r;

	r = kvmalloc(struct_size(r, data, len), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->key = key;
	r->len = len;
	memcpy(r->data, data, len);
	list_add_tail(&r->list, &dsk->rec->queue);
	dsk->rec->ack_bytes += len;
	return 0;
}

/**
 * dwcp_rec_rx_update() - note how many bytes the next chunk needs
 * @dsk: the session
 *
 * Called whenever in-order bytes arrive or are consumed, so that poll()
 * says readable only when recvmsg() will find a whole chunk (an epoll loop
 * must not spin on EAGAIN).
 *
 * Context: the socket lock held.
 */
void dwcp_rec_rx_update(struct dwcp_sock *dsk)
{
	u8 hdr[DWCP_HDE_CHUNK_HDR_LEN];
	u32 need = 0;

	if (!dsk->rec)
		return;
	if (dsk->rx_ready_bytes >= sizeof(hdr) &&
	    dwcp_ready_read(dsk, hdr, sizeof(hdr), true) == sizeof(hdr))
		need = sizeof(hdr) + min_t(u32, get_unaligned_be32(hdr + 8),
					   DWCP_HDE_MAX_PLAIN + 1);
	else if (dsk->rx_ready_bytes)
		need = sizeof(hdr);
	WRITE_ONCE(dsk->rec->need, need);
}

/**
 * dwcp_rec_readable() - would recvmsg() find a record now?
 * @dsk: the session
 *
 * Return: true when a record is queued or a whole chunk is in.
 */
bool dwcp_rec_readable(struct dwcp_sock *dsk)
{
	struct dwcp_rec *rs = dsk->rec;
	u32 need;

	if (!rs)
		return false;
	need = READ_ONCE(rs->need);
	return !list_empty_careful(&rs->queue) ||
	       (need && READ_ONCE(dsk->rx_ready_bytes) >= need);
}

/* A whole chunk is in, or none is: the sender may want to know. */
static bool dwcp_rec_chunk_in(const struct dwcp_sock *dsk)
{
	return dsk->rec->need && dsk->rx_ready_bytes >= dsk->rec->need;
}

/* Decoded (or skipped) up to @end: tell the sender now and then. */
static void dwcp_rec_decoded(struct dwcp_sock *dsk, u64 end)
{
	struct dwcp_rec *rs = dsk->rec;

	rs->dec_end = end;
	if (!dsk->peer_resync)
		return;
	if (rs->ack_bytes >= DWCP_REC_ACK_BYTES || !dwcp_rec_chunk_in(dsk)) {
		rs->ack_bytes = 0;
		rs->ack_due = true;
		dwcp_io_kick(dsk);
	}
}

/*
 * A chunk at @start failed -ESTALE: forget every baseline and ask the
 * sender for the records again, from that chunk on, against empty stores.
 */
static void dwcp_rec_resync_ask(struct dwcp_sock *dsk, u64 start)
{
	struct dwcp_rec *rs = dsk->rec;

	hde_store_clear(&rs->dec->store);
	rs->asked++;
	rs->resync_start = start;
	rs->resyncing = true;
	rs->resync_due = true;
	dsk->st.dwci_hde_resyncs++;
	dwcp_io_kick(dsk);
}

/* Is @c the marker of the resync we asked for? */
static bool dwcp_rec_marker_ok(const struct dwcp_rec *rs, const u8 *c, u32 len)
{
	struct dwcp_rec_marker m;

	if (!rs->resyncing || len != sizeof(m))
		return false;
	memcpy(&m, c, sizeof(m));
	return !m.hdr.level && !m.hdr.nrec &&
	       be32_to_cpu(m.hdr.plain_len) == sizeof(m.nr) &&
	       be32_to_cpu(m.hdr.enc_len) == sizeof(m.nr) &&
	       be32_to_cpu(m.nr) == rs->asked;
}

/* Decode chunk @c of @len bytes at session offset @start. */
static int dwcp_rec_decode(struct dwcp_sock *dsk, const u8 *c, u32 len,
			   u64 start)
{
	struct dwcp_rec *rs = dsk->rec;
	int err;

	if (c[0] == DWCP_HDE_COMP_RESYNC) {
		if (!dwcp_rec_marker_ok(rs, c, len))
			return -EBADMSG;
		rs->resyncing = false;
		dwcp_rec_decoded(dsk, start + len);
		return 0;
	}
	/*
	 * Encoded against the stores we dropped: it comes again.  Not
	 * acknowledged either: a REC_ACK that overtook our RESYNC would let
	 * the sender drop the records we ask for.
	 */
	if (rs->resyncing)
		return 0;
	err = hde_dec_chunk(rs->dec, c, len, dwcp_rec_enqueue, dsk);
	if (!err)
		dwcp_rec_decoded(dsk, start + len);
	if (err != -ESTALE)
		return err;
	dwcp_count(sock_net(&dsk->sk), DWCP_MIB_HDE_STALE);
	if (!dsk->peer_resync)
		return err;
	dwcp_rec_resync_ask(dsk, start);
	return 0;
}

/* Decode the next chunk if it is all in: 1 done, 0 not yet, or an error. */
static int dwcp_rec_decode_next(struct dwcp_sock *dsk)
{
	struct net *net = sock_net(&dsk->sk);
	struct dwcp_rec *rs = dsk->rec;
	u32 need = rs->need;
	u64 start;
	int err;

	if (!need || dsk->rx_ready_bytes < need)
		return 0;
	if (need > DWCP_REC_CHUNK_MAX) {
		dwcp_count(net, DWCP_MIB_HDE_REJECTED);
		dwcp_session_abort(dsk, EPROTO);
		return -EPROTO;
	}
	err = dwcp_rec_dec_ready(dsk);
	if (err)
		return err;
	start = dsk->reorder.rcv_nxt - dsk->rx_ready_bytes;
	dwcp_ready_read(dsk, rs->chunk, need, false);
	dsk->st.dwci_hde_chunk_bytes_received += need;
	dwcp_rec_rx_update(dsk);
	err = dwcp_rec_decode(dsk, rs->chunk, need, start);
	if (!err)
		return 1;
	/* Records of this chunk are gone: the session cannot go on. */
	if (err == -EBADMSG) {
		dwcp_count(net, DWCP_MIB_HDE_REJECTED);
		err = -EPROTO;
	}
	dwcp_session_abort(dsk, -err);
	return err;
}

/**
 * dwcp_rec_send_ctl() - queue the REC_ACK or RESYNC that is due
 * @dsk: the session
 * @again: send them again even if nothing changed (a stream went down)
 *
 * A RESYNC goes again every DWCP_RESYNC_RETRY_MS until its marker comes.
 * What finds no room on any stream stays due: the sender may be waiting
 * for it (its history full, or its FIN held back).
 *
 * Context: the socket lock held, from io_work.
 */
void dwcp_rec_send_ctl(struct dwcp_sock *dsk, bool again)
{
	struct dwcp_rec *rs = dsk->rec;

	if (!rs || !dsk->peer_resync)
		return;
	if (rs->resyncing &&
	    (rs->resync_due || again ||
	     time_after(jiffies, rs->resync_sent +
			msecs_to_jiffies(DWCP_RESYNC_RETRY_MS))) &&
	    dwcp_queue_ctl(dsk, DWCP_FRAME_RESYNC, rs->resync_start, rs->asked)) {
		rs->resync_due = false;
		rs->resync_sent = jiffies;
	}
	if (rs->dec_end && (again || (rs->ack_due && rs->dec_end != rs->ack_sent)) &&
	    dwcp_queue_ctl(dsk, DWCP_FRAME_REC_ACK, rs->dec_end, 0)) {
		rs->ack_due = false;
		rs->ack_sent = rs->dec_end;
	}
}

/**
 * dwcp_rec_rx_ack() - the peer decoded every chunk up to @end (REC_ACK)
 * @dsk: the session
 * @end: session offset
 *
 * Return: 0, or -EPROTO (not a keyed-record session with resync, or @end
 * beyond what was sent).
 */
int dwcp_rec_rx_ack(struct dwcp_sock *dsk, u64 end)
{
	struct dwcp_rec *rs = dsk->rec;

	if (!rs || !dsk->peer_resync || end > dsk->snd_nxt)
		return -EPROTO;
	if (dwcp_hist_drop(rs, end))
		dsk->sk.sk_write_space(&dsk->sk);
	return 0;
}

static int dwcp_rec_queue_marker(struct dwcp_sock *dsk, u32 nr)
{
	struct dwcp_rec_marker m = {
		.hdr = {
			.comp = DWCP_HDE_COMP_RESYNC,
			.plain_len = cpu_to_be32(sizeof(m.nr)),
			.enc_len = cpu_to_be32(sizeof(m.nr)),
		},
		.nr = cpu_to_be32(nr),
	};

	return dwcp_rec_queue(dsk, &m, sizeof(m));
}

/* Encode the records of @chunks again, in order. */
static int dwcp_rec_add_again(struct dwcp_sock *dsk, struct list_head *chunks)
{
	struct dwcp_hist_chunk *c;
	struct dwcp_hist_rec *h;
	size_t off;
	int err;

	list_for_each_entry(c, chunks, list) {
		for (off = 0; off < c->len; off += dwcp_hist_rec_size(h->len)) {
			h = (struct dwcp_hist_rec *)(c->data + off);
			err = dwcp_rec_add(dsk, h->key, (u8 *)(h + 1), h->len);
			if (err)
				return err;
			dsk->st.dwci_hde_resent_records++;
		}
	}
	return dwcp_rec_emit(dsk);
}

/* Serve resync @nr from the chunk at @start on (not if asked too often). */
static int dwcp_rec_resync(struct dwcp_sock *dsk, u64 start, u32 nr)
{
	struct dwcp_rec *rs = dsk->rec;
	struct dwcp_hist_chunk *c, *failed = NULL;
	LIST_HEAD(again);
	int err;

	list_for_each_entry(c, &rs->hist, list) {
		if (c->start == start) {
			failed = c;
			break;
		}
	}
	if (!failed || dsk->fin_sent)
		return -EPROTO;
	if (!dwcp_resync_credit_take(&rs->resync_credit, &rs->credit_at,
				     jiffies))
		return 0;	/* too often: its retry comes back */
	/* the chunks before it were decoded */
	dwcp_hist_drop(rs, failed->start);
	err = dwcp_rec_emit(dsk);	/* every record in the history now */
	if (err)
		return err;
	list_splice_init(&rs->hist, &again);
	rs->hist_bytes = 0;
	hde_encoder_reset(rs->enc);
	rs->served = nr;
	dsk->st.dwci_hde_resyncs_served++;
	err = dwcp_rec_queue_marker(dsk, nr);
	if (!err)
		err = dwcp_rec_add_again(dsk, &again);
	dwcp_hist_free(&again);
	if (dsk->fin_queued)
		dsk->fin_seq = dsk->snd_nxt;	/* not sent yet: fin_ready() */
	dwcp_io_kick(dsk);
	return err;
}

/**
 * dwcp_resync_credit_take() - may a resync be served now?
 * @credit: resyncs that may be served back to back; one is taken if so
 * @at: jiffies @credit was counted up to; advanced
 * @now: jiffies now
 *
 * @credit grows by one per DWCP_RESYNC_REFILL_MS up to DWCP_RESYNC_BURST.
 *
 * Return: true if a resync may be served (a credit was taken).
 */
bool dwcp_resync_credit_take(u32 *credit, unsigned long *at,
			     unsigned long now)
{
	unsigned long gap = max(msecs_to_jiffies(DWCP_RESYNC_REFILL_MS), 1UL);
	unsigned long earned = (now - *at) / gap;

	if (earned) {
		*credit = min_t(unsigned long, DWCP_RESYNC_BURST,
				*credit + earned);
		*at += earned * gap;
	}
	if (!*credit)
		return false;
	(*credit)--;
	return true;
}

/**
 * dwcp_rec_rx_resync() - the peer asks for records again (RESYNC)
 * @dsk: the session
 * @start: session offset of the chunk its decoder refused
 * @nr: the peer's resync number
 *
 * The store starts again empty at both ends; the records of that chunk and
 * of every later one are encoded again behind a marker.  A number already
 * served is a repeat and ignored, and so is one beyond the resyncs a peer
 * may have served (DWCP_RESYNC_BURST, one more per DWCP_RESYNC_REFILL_MS):
 * it comes again.
 *
 * Return: 0; -EPROTO (not a keyed-record session with resync, a number out
 * of turn, or no chunk sent starts at @start); -ENOMEM (the session is
 * aborted).
 */
int dwcp_rec_rx_resync(struct dwcp_sock *dsk, u64 start, u32 nr)
{
	struct dwcp_rec *rs = dsk->rec;
	int err;

	if (!rs || !dsk->peer_resync || !rs->enc)
		return -EPROTO;
	if (nr == rs->served)
		return 0;
	if (nr != rs->served + 1)
		return -EPROTO;
	err = dwcp_rec_resync(dsk, start, nr);
	if (err == -ENOMEM)
		dwcp_session_abort(dsk, ENOMEM);
	return err;
}

/**
 * dwcp_rec_fin_ready() - may the FIN go?
 * @dsk: the session
 *
 * With resync, not before the peer has decoded every chunk: until then it
 * may still ask for records again.
 *
 * Return: true when the FIN may go.
 */
bool dwcp_rec_fin_ready(const struct dwcp_sock *dsk)
{
	const struct dwcp_rec *rs = dsk->rec;

	return !rs || !dsk->peer_resync ||
	       (list_empty(&rs->hist) && !rs->pend_len);
}

/* Hand the first queued record to the user. */
static int dwcp_rec_deliver(struct dwcp_sock *dsk, struct msghdr *msg,
			    size_t len, int flags)
{
	struct dwcp_record *r = list_first_entry(&dsk->rec->queue,
						 struct dwcp_record, list);
	size_t n = min_t(size_t, len, r->len);
	int ret;

	if (copy_to_iter(r->data, n, &msg->msg_iter) != n)
		return -EFAULT;
	ret = put_cmsg(msg, SOL_DWCP, DWCP_CMSG_KEY, sizeof(r->key), &r->key);
	if (ret)
		return ret;
	if (n < r->len)
		msg->msg_flags |= MSG_TRUNC;
	ret = flags & MSG_TRUNC ? r->len : n;
	if (!(flags & MSG_PEEK)) {
		list_del(&r->list);
		dsk->st.dwci_rec_received++;
		dsk->st.dwci_rec_bytes_received += r->len;
		kvfree(r);
	}
	return ret;
}

/**
 * dwcp_rec_recvmsg() - receive one keyed record
 * @sock: a SOCK_SEQPACKET socket
 * @msg: where the record and its DWCP_CMSG_KEY control message go
 * @len: buffer length (a longer record is cut: MSG_TRUNC)
 * @flags: MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC (return the full length)
 *
 * Return: record bytes; 0 at the end of the peer's records; -EAGAIN;
 * -ENOTCONN; -EINVAL on a listener; -EFAULT; -ENOMEM; -EPROTO (malformed
 * chunk, or the peer's records end inside a chunk); -ESTALE (a record's
 * baseline is missing); the session's error.
 */
int dwcp_rec_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		     int flags)
{
	struct sock *sk = sock->sk;
	struct dwcp_sock *dsk = dwcp_sk(sk);
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	long timeo;
	int err;

	if (flags & ~(MSG_DONTWAIT | MSG_WAITALL | MSG_PEEK | MSG_NOSIGNAL |
		      MSG_CMSG_CLOEXEC | MSG_TRUNC))
		return -EOPNOTSUPP;
	lock_sock(sk);
	if (sk->sk_state == DWCP_STATE_LISTEN) {
		err = -EINVAL;
		goto out;
	}
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	err = dwcp_wait_connected(sk, &timeo);
	if (err)
		goto out;
	if (!dsk->rec) {
		err = -ENOTCONN;
		goto out;
	}
	add_wait_queue(sk_sleep(sk), &wait);
	for (;;) {
		if (!list_empty(&dsk->rec->queue)) {
			err = dwcp_rec_deliver(dsk, msg, len, flags);
			break;
		}
		err = dwcp_rec_decode_next(dsk);
		if (err > 0)
			continue;
		if (err)
			break;
		err = sock_error(sk);
		if (err)
			break;
		if (sk->sk_shutdown & RCV_SHUTDOWN || !dsk->alive) {
			if (dsk->rx_ready_bytes)
				err = -EPROTO;	/* ended inside a chunk */
			else if (!dsk->alive && !dsk->client && !dsk->nstreams)
				err = -ENOTCONN;
			break;
		}
		err = dwcp_may_sleep(timeo);
		if (err)
			break;
		dwcp_rx_window_update(dsk);
		sk_wait_event(sk, &timeo, dwcp_rec_readable(dsk) || sk->sk_err ||
			      sk->sk_shutdown & RCV_SHUTDOWN || !dsk->alive,
			      &wait);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	dwcp_rx_window_update(dsk);
out:
	release_sock(sk);
	return err;
}

/**
 * dwcp_rec_info() - keyed-record figures for DWCP_INFO
 * @dsk: the session
 * @info: filled in
 *
 * Context: the socket lock held.
 */
void dwcp_rec_info(struct dwcp_sock *dsk, struct dwcp_conn_info *info)
{
	struct dwcp_rec *rs = dsk->rec;
	struct hde_encoder *enc = rs ? rs->enc : NULL;
	int i;

	info->dwci_hde_codec = dsk->codec;
	info->dwci_hde_store_limit = dsk->hde_store_limit;
	if (rs && rs->dec)
		info->dwci_hde_stale = rs->dec->stats.stale;
	if (rs)
		info->dwci_hde_history_bytes = rs->hist_bytes;
	if (!enc)
		return;
	for (i = 0; i < ARRAY_SIZE(info->dwci_hde_kind) &&
	     i < ARRAY_SIZE(enc->stats.records); i++)
		info->dwci_hde_kind[i] = enc->stats.records[i];
	info->dwci_hde_store_bytes = enc->store.bytes;
	info->dwci_hde_evictions = enc->store.evictions;
	for (i = 0; i < HDE_NR_OPTS && i < ARRAY_SIZE(info->dwci_hde_ratio_ppm); i++) {
		info->dwci_hde_ratio_ppm[i] = enc->sel.opt[i].ratio_ppm;
		info->dwci_hde_ns_per_kib[i] = enc->sel.opt[i].ns_per_kib;
		info->dwci_hde_chunks_by_opt[i] = enc->stats.opt_chunks[i];
	}
}
