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
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "dwcp.h"

/* A chunk closes at this many plain bytes (bigger ones compress a little
 * better but wait longer for their last record).
 */
#define DWCP_REC_CHUNK_TARGET	(256 * 1024)
#define DWCP_REC_CHUNK_MAX	(DWCP_HDE_CHUNK_HDR_LEN + DWCP_HDE_MAX_PLAIN)

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
 */
struct dwcp_rec {
	struct hde_encoder *enc;
	struct hde_decoder *dec;
	u8 *in;
	u8 *out;
	u8 *chunk;
	struct list_head queue;
	u32 need;
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
	dsk->rec = rs;
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
	rs->dec = dec;
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
	struct dwcp_rec *rs = dsk->rec;
	struct hde_encoder *enc = rs ? rs->enc : NULL;
	u32 fsize = dwcp_session_frame_size(dsk);
	struct kvec kv;
	struct iov_iter it;
	int opt, n, err = 0;

	if (!enc || !enc->nrec || !dsk->alive || dsk->fin_queued)
		return 0;
	dsk->st.dwci_hde_rate = dwcp_session_rate(dsk);
	hde_selector_set_max(&enc->sel, dwcp_mode_codec_max(dsk));
	opt = dsk->codec >= 0 ? dsk->codec : hde_select(&enc->sel,
							 dsk->st.dwci_hde_rate);
	n = hde_enc_finish(enc, opt, rs->out, DWCP_REC_CHUNK_MAX);
	if (n <= 0)
		return n;
	kv.iov_base = rs->out;
	kv.iov_len = n;
	iov_iter_kvec(&it, WRITE, &kv, 1, n);
	while (iov_iter_count(&it) && !err)
		err = dwcp_queue_frame(dsk, &it, min_t(size_t, fsize,
						       iov_iter_count(&it)));
	if (err) {
		dwcp_session_abort(dsk, -err);
		return err;
	}
	dsk->st.dwci_hde_chunks_sent++;
	dsk->st.dwci_hde_chunk_bytes_sent += n;
	dwcp_io_kick(dsk);
	return 0;
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
	if (!hde_enc_room(enc, len)) {
		err = dwcp_rec_flush(dsk);
		if (err)
			goto out;
	}
	err = hde_enc_add(enc, key, dsk->rec->in, len);
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

/* Decode the next chunk if it is all in: 1 done, 0 not yet, or an error. */
static int dwcp_rec_decode_next(struct dwcp_sock *dsk)
{
	struct net *net = sock_net(&dsk->sk);
	struct dwcp_rec *rs = dsk->rec;
	u32 need = rs->need;
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
	dwcp_ready_read(dsk, rs->chunk, need, false);
	dsk->st.dwci_hde_chunk_bytes_received += need;
	dwcp_rec_rx_update(dsk);
	err = hde_dec_chunk(rs->dec, rs->chunk, need, dwcp_rec_enqueue, dsk);
	if (!err)
		return 1;
	/* Records of this chunk are gone: the session cannot go on. */
	if (err == -EBADMSG) {
		dwcp_count(net, DWCP_MIB_HDE_REJECTED);
		err = -EPROTO;
	} else if (err == -ESTALE) {
		dwcp_count(net, DWCP_MIB_HDE_STALE);
	}
	dwcp_session_abort(dsk, -err);
	return err;
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
