// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel TCP streams of a session: addresses, bind/listen/accept/connect,
 * the hello and join handshakes, and non-blocking frame I/O.
 *
 * TCP callbacks (softirq) only set a bit and queue the session's io_work;
 * all protocol work runs in process context on dwcp_wq.  Callbacks are
 * swapped under sk_callback_lock and read sk_user_data under it, so a
 * stream being detached is never touched by a late callback.
 *
 * Handshakes are blocking I/O in a worker, bounded by socket timeouts:
 * DWCP_HS_TIMEOUT for each handshake frame, DWCP_CONNECT_TIMEOUT for a TCP
 * connect; on dwcp_conn_wq (client) and dwcp_hs_wq (server), never on
 * dwcp_wq (main.c says why).
 */
#include <crypto/algapi.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/random.h>
#include <net/inet_common.h>
#include <net/tcp.h>

#include "dwcp.h"

#define DWCP_HS_TIMEOUT		(10 * HZ)
#define DWCP_CONNECT_TIMEOUT	(20 * HZ)
#define DWCP_MAX_PENDING	128	/* handshakes in progress per listener */
#define DWCP_ACCEPT_RETRY	(HZ / 10)	/* after accept failed for memory */
#define DWCP_USER_TIMEOUT_MS	20000	/* a stream silent this long is dead */
/*
 * Unsent bytes a stream's TCP socket may hold: four 64 KiB frames.  Frames
 * wait in the session's queue instead, and go to whichever stream drains
 * first (late binding): a frame committed early to a stream that then
 * enters loss recovery would wait there, and hold back in-order delivery.
 */
#define DWCP_STREAM_NOTSENT_LOWAT	(256 << 10)

/* ---- addresses ---- */

/**
 * dwcp_addr_from_user() - struct sockaddr_dwcp to a TCP address
 * @uaddr: address from userspace (already in kernel memory)
 * @len: its length
 * @out: sockaddr_in or sockaddr_in6
 *
 * Return: 0; -EINVAL for a short address, wrong family or reserved bits;
 * -EAFNOSUPPORT for an IP family other than AF_INET and AF_INET6.
 */
int dwcp_addr_from_user(const struct sockaddr *uaddr, int len,
			struct sockaddr_storage *out)
{
	const struct sockaddr_dwcp *a = (const struct sockaddr_dwcp *)uaddr;

	if (len < DWCP_SOCKADDR_LEN || a->sdwcp_family != dwcp_family ||
	    a->sdwcp_reserved)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	switch (a->sdwcp_ip_family) {
	case AF_INET: {
		struct sockaddr_in *sin = (struct sockaddr_in *)out;

		if (a->sdwcp_scope_id)
			return -EINVAL;
		sin->sin_family = AF_INET;
		sin->sin_port = a->sdwcp_port;
		sin->sin_addr.s_addr = a->sdwcp_addr.v4;
		return 0;
	}
	case AF_INET6: {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = a->sdwcp_port;
		sin6->sin6_scope_id = a->sdwcp_scope_id;
		memcpy(&sin6->sin6_addr, a->sdwcp_addr.v6, 16);
		return 0;
	}
	default:
		return -EAFNOSUPPORT;
	}
}

/**
 * dwcp_addr_to_user() - a TCP address to struct sockaddr_dwcp
 * @ss: sockaddr_in or sockaddr_in6 (or AF_UNSPEC: all zero)
 * @uaddr: where to write
 *
 * Return: the length written, DWCP_SOCKADDR_LEN.
 */
int dwcp_addr_to_user(const struct sockaddr_storage *ss,
		      struct sockaddr *uaddr)
{
	struct sockaddr_dwcp *a = (struct sockaddr_dwcp *)uaddr;

	memset(a, 0, sizeof(*a));
	a->sdwcp_family = dwcp_family;
	a->sdwcp_ip_family = ss->ss_family;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		a->sdwcp_port = sin->sin_port;
		a->sdwcp_addr.v4 = sin->sin_addr.s_addr;
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		a->sdwcp_port = sin6->sin6_port;
		a->sdwcp_scope_id = sin6->sin6_scope_id;
		memcpy(a->sdwcp_addr.v6, &sin6->sin6_addr, 16);
	}
	return DWCP_SOCKADDR_LEN;
}

static int dwcp_addrlen(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					   sizeof(struct sockaddr_in);
}

/* ---- TCP sockets of streams ---- */

static int dwcp_set_cc(struct socket *sock, const char *name)
{
	return sock->ops->setsockopt(sock, SOL_TCP, TCP_CONGESTION,
				     KERNEL_SOCKPTR((void *)name), strlen(name));
}

static void dwcp_set_notsent_lowat(struct socket *sock)
{
	int val = DWCP_STREAM_NOTSENT_LOWAT;

	sock->ops->setsockopt(sock, SOL_TCP, TCP_NOTSENT_LOWAT,
			      KERNEL_SOCKPTR(&val), sizeof(val));
}

/**
 * dwcp_check_congestion() - may the calling task use congestion control
 * @name in @net?
 * @net: network namespace
 * @name: algorithm name
 *
 * Tries it on a scratch socket in the caller's context, so the kernel's own
 * rules (loaded, allowed, CAP_NET_ADMIN) apply to the user, not to the
 * worker that later sets it on the streams.
 *
 * Return: 0, or the error TCP_CONGESTION gives (-ENOENT, -EPERM, ...).
 */
int dwcp_check_congestion(struct net *net, const char *name)
{
	struct socket *sock;
	int err;

	err = sock_create_kern(net, AF_INET, SOCK_STREAM, IPPROTO_TCP, &sock);
	if (err)
		return err;
	err = dwcp_set_cc(sock, name);
	sock_release(sock);
	return err;
}

/* Options every stream gets: no Nagle (acks are small and urgent), fast
 * death detection and a short unsent queue (DWCP_STREAM_NOTSENT_LOWAT).
 * Its congestion control comes when it is attached to its session, the
 * one place that knows the session's mode.
 */
static void dwcp_tcp_tune(struct socket *sock)
{
	struct sock *sk = sock->sk;

	tcp_sock_set_nodelay(sk);
	sock_set_keepalive(sk);
	tcp_sock_set_keepidle(sk, 5);
	tcp_sock_set_keepintvl(sk, 2);
	tcp_sock_set_keepcnt(sk, 5);
	tcp_sock_set_user_timeout(sk, DWCP_USER_TIMEOUT_MS);
	dwcp_set_notsent_lowat(sock);
}

/**
 * dwcp_stream_set_cc() - change the congestion control of an up stream
 * @st: the stream
 * @name: algorithm name
 *
 * Context: process; the session's socket lock held, the stream up.
 * Return: 0, or the error of TCP_CONGESTION (-ENOENT not available, ...).
 */
int dwcp_stream_set_cc(struct dwcp_stream *st, const char *name)
{
	return dwcp_set_cc(st->sock, name);
}

static void dwcp_tcp_data_ready(struct sock *sk)
{
	struct dwcp_stream *st;

	read_lock_bh(&sk->sk_callback_lock);
	st = sk->sk_user_data;
	if (st) {
		set_bit(DWCP_EV_READ, &st->events);
		dwcp_io_kick(st->dsk);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

/**
 * dwcp_stream_writeable() - may the stream take a frame now?
 * @st: the stream, up
 *
 * As tcp_poll() does: a stream that is full is marked SOCK_NOSPACE, so
 * that TCP calls its write_space callback when acks free room, and, since
 * TCP grows a send buffer only for a writer it has seen short of space
 * (tcp_new_space()), so that the buffer grows with the path's BDP.
 * Without the mark a stream that never refused a write kept the 87 KB it
 * had at connect: about 7 Mbit/s on a 100 ms path.
 *
 * Context: process, the session's socket lock held.
 * Return: true if a frame may be written.
 */
bool dwcp_stream_writeable(struct dwcp_stream *st)
{
	struct sock *sk = st->sock->sk;

	if (sk_stream_is_writeable(sk))
		return true;
	set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
	/* Room freed between the test and the mark would go unnoticed:
	 * test again (pairs with the barrier in tcp_check_space()).
	 */
	smp_mb__after_atomic();
	return sk_stream_is_writeable(sk);
}

static void dwcp_tcp_write_space(struct sock *sk)
{
	struct dwcp_stream *st;

	read_lock_bh(&sk->sk_callback_lock);
	st = sk->sk_user_data;
	if (st && sk_stream_is_writeable(sk)) {
		clear_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		set_bit(DWCP_EV_WRITE, &st->events);
		dwcp_io_kick(st->dsk);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

static void dwcp_tcp_state_change(struct sock *sk)
{
	struct dwcp_stream *st;

	read_lock_bh(&sk->sk_callback_lock);
	st = sk->sk_user_data;
	if (st) {
		set_bit(DWCP_EV_STATE, &st->events);
		dwcp_io_kick(st->dsk);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

/**
 * dwcp_stream_attach() - make @sock the connection of stream slot @st
 * @st: the slot, down
 * @sock: connected TCP socket; the stream owns it from now on
 *
 * Also sets the mode's congestion control on @sock (best effort: the
 * algorithm was checked when it was chosen).
 *
 * Context: process, may sleep; the session's socket lock held.
 */
void dwcp_stream_attach(struct dwcp_stream *st, struct socket *sock)
{
	struct sock *sk = sock->sk;

	st->sock = sock;
	st->up = true;
	st->cur = NULL;
	st->cur_off = 0;
	st->ctl_len = 0;
	st->ctl_off = 0;
	st->rx_hdr_got = 0;
	st->rx_got = 0;
	st->rx_buf = NULL;
	st->rx_copy_next = 0;
	st->rx_copy_streak = 0;
	st->backoff_ms = 0;
	st->retiring = false;
	st->events = BIT(DWCP_EV_READ) | BIT(DWCP_EV_WRITE);

	write_lock_bh(&sk->sk_callback_lock);
	st->saved_data_ready = sk->sk_data_ready;
	st->saved_write_space = sk->sk_write_space;
	st->saved_state_change = sk->sk_state_change;
	sk->sk_user_data = st;
	sk->sk_data_ready = dwcp_tcp_data_ready;
	sk->sk_write_space = dwcp_tcp_write_space;
	sk->sk_state_change = dwcp_tcp_state_change;
	write_unlock_bh(&sk->sk_callback_lock);

	/* the session's mode decides it (it may have been warm-started) */
	dwcp_set_cc(sock, dwcp_mode_cc(st->dsk));
	st->dsk->st.dwci_streams_up++;
	dwcp_nl_notify_stream(st, DWCP_CMD_STREAM_UP, 0);
	dwcp_io_kick(st->dsk);
}

/**
 * dwcp_stream_detach() - close the connection of stream slot @st
 * @st: the slot, up
 * @abort: reset the connection (RST) instead of closing it gracefully
 *
 * Context: the session's socket lock held.  Frames the stream held must
 * have been taken back by the caller.
 */
void dwcp_stream_detach(struct dwcp_stream *st, bool abort)
{
	struct socket *sock = st->sock;
	struct sock *sk;

	if (!sock)
		return;
	sk = sock->sk;
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = st->saved_data_ready;
	sk->sk_write_space = st->saved_write_space;
	sk->sk_state_change = st->saved_state_change;
	write_unlock_bh(&sk->sk_callback_lock);

	if (abort)
		sock_no_linger(sk);
	else
		kernel_sock_shutdown(sock, SHUT_WR);
	sock_release(sock);
	st->sock = NULL;
	if (st->up)
		st->dsk->st.dwci_streams_up--;
	st->up = false;
	dwcp_rxbuf_free(st->rx_buf);
	st->rx_buf = NULL;
	st->rx_hdr_got = 0;
	st->rx_got = 0;
	st->ctl_len = 0;
	st->ctl_off = 0;
	st->reset_off = 0;
	st->reset_begun = false;
	st->reset_sent = false;
}

/**
 * dwcp_stream_send() - write what the stream can take now
 * @st: the stream, up
 * @buf: bytes of one frame (or of control frames)
 * @len: their length
 * @off: how many were written before; advanced
 *
 * Return: 0 when all @len bytes are written; -EAGAIN when TCP is full (its
 * write_space callback will kick io_work); another negative errno when the
 * connection failed.
 */
int dwcp_stream_send(struct dwcp_stream *st, const void *buf, u32 len,
		     u32 *off)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	struct kvec kv;
	int ret;

	while (*off < len) {
		kv.iov_base = (void *)buf + *off;
		kv.iov_len = len - *off;
		ret = kernel_sendmsg(st->sock, &msg, &kv, 1, kv.iov_len);
		if (ret <= 0)
			return ret ? ret : -EAGAIN;
		*off += ret;
		st->bytes_sent += ret;
	}
	return 0;
}

/**
 * dwcp_stream_recv() - read what the stream has now, up to @len bytes
 * @st: the stream, up
 * @buf: destination
 * @len: bytes wanted in all
 * @got: bytes already there; advanced
 *
 * Return: 0 once @len bytes are there; -EAGAIN if TCP has no more now;
 * -ESHUTDOWN if the peer closed the connection (TCP FIN); another negative
 * errno on failure.
 */
int dwcp_stream_recv(struct dwcp_stream *st, void *buf, u32 len, u32 *got)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	struct kvec kv;
	int ret;

	while (*got < len) {
		kv.iov_base = buf + *got;
		kv.iov_len = len - *got;
		ret = kernel_recvmsg(st->sock, &msg, &kv, 1, kv.iov_len,
				     msg.msg_flags);
		if (ret == 0)
			return -ESHUTDOWN;
		if (ret < 0)
			return ret;
		*got += ret;
		st->bytes_received += ret;
	}
	return 0;
}

/* Clone what TCP offers of the frame into its buffer, up to desc->count. */
static int dwcp_seg_actor(read_descriptor_t *desc, struct sk_buff *skb,
			  unsigned int off, size_t len)
{
	struct dwcp_rxbuf *rb = desc->arg.data;
	u32 n = min_t(size_t, len, desc->count);
	struct sk_buff *clone;

	if (!n || dwcp_rxbuf_segs_full(rb))
		return 0;
	clone = skb_clone(skb, GFP_KERNEL);
	if (!clone) {
		/* the frame goes the copy path, which may still find memory */
		desc->error = -ENOSPC;
		return 0;
	}
	dwcp_seg_cb(clone)->off = off;
	dwcp_seg_cb(clone)->len = n;
	rb->seg_cost += skb->truesize;
	__skb_queue_tail(&rb->segs, clone);
	desc->count -= n;
	return n;
}

/*
 * Why a read that took less than it wanted stopped: -EAGAIN (no more now),
 * -ESHUTDOWN (the peer's FIN, nothing after it) or the connection's error,
 * in the order tcp_recvmsg() looks.  Called under the TCP socket's lock,
 * so nothing can arrive between the read and the look at its state.
 */
static int dwcp_read_stopped(struct sock *sk)
{
	if (!skb_queue_empty(&sk->sk_receive_queue))
		return -EAGAIN;
	if (sock_flag(sk, SOCK_DONE))
		return -ESHUTDOWN;
	if (sk->sk_err)
		return sock_error(sk);
	if (sk->sk_shutdown & RCV_SHUTDOWN)
		return -ESHUTDOWN;
	if (sk->sk_state == TCP_CLOSE)
		return -ENOTCONN;
	return -EAGAIN;
}

/**
 * dwcp_stream_recv_segs() - take what the stream has of a frame's payload,
 *	without copying it: clones of TCP's skbs go into @rb
 * @st: the stream, up
 * @rb: the frame's buffer from dwcp_rxbuf_alloc_segs()
 * @got: payload bytes already there; advanced
 *
 * TCP lets go of the skbs it handed over (the clones keep their data; TCP
 * never appends to a cloned skb, see skb_try_coalesce()).
 *
 * Context: process, the session's socket lock held; takes the TCP one.
 * Return: 0 once @rb->len bytes are there; -EAGAIN if TCP has no more now;
 * -ENOSPC if @rb takes no more pieces (dwcp_rxbuf_segs_full(): copy the
 * rest), urgent data is pending (tcp_read_sock() stops at it, only
 * tcp_recvmsg() gets past) or there is no memory for a clone; -ESHUTDOWN
 * if the peer closed the connection; another negative errno on failure.
 */
int dwcp_stream_recv_segs(struct dwcp_stream *st, struct dwcp_rxbuf *rb,
			  u32 *got)
{
	struct sock *sk = st->sock->sk;
	read_descriptor_t desc = { .arg.data = rb, .count = rb->len - *got };
	int ret;

	lock_sock(sk);
	if (unlikely(READ_ONCE(tcp_sk(sk)->urg_data))) {
		release_sock(sk);
		return -ENOSPC;
	}
	ret = tcp_read_sock(sk, &desc, dwcp_seg_actor);
	if (ret > 0) {
		*got += ret;
		st->bytes_received += ret;
	}
	if (*got == rb->len)
		ret = 0;
	else if (desc.error)
		ret = desc.error;
	else if (ret >= 0)
		ret = dwcp_rxbuf_segs_full(rb) ? -ENOSPC : dwcp_read_stopped(sk);
	release_sock(sk);
	return ret;
}

/*
 * Hand up to @len payload bytes at @p to TCP.  A buffer of whole pages
 * (@pages, see buf.c) goes by reference: TCP takes a reference on its pages
 * and reads them when it sends, as with sendfile(), so the bytes are not
 * copied once more.  That is safe because a frame's payload never changes
 * once handed to a stream (only unsent small frames are appended to, and
 * those are copied), and a buffer is reused only once TCP let go.  Other
 * buffers (small ones, vmalloc) are copied.
 */
static int dwcp_send_payload(struct socket *sock, const u8 *p, u32 len,
			     bool pages, int flags)
{
	struct page *page;

	if (!pages) {
		struct msghdr msg = { .msg_flags = flags };
		struct kvec kv = { .iov_base = (void *)p, .iov_len = len };

		return kernel_sendmsg(sock, &msg, &kv, 1, len);
	}
	page = virt_to_head_page(p);
	return kernel_sendpage(sock, page, p - (u8 *)page_address(page), len,
			       flags);
}

/**
 * dwcp_stream_send_frame() - write what the stream can take of a data frame
 * @st: the stream, up
 * @f: the frame (header, then payload)
 * @off: bytes of it written before; advanced
 *
 * Return: as dwcp_stream_send().
 */
int dwcp_stream_send_frame(struct dwcp_stream *st,
			   const struct dwcp_txframe *f, u32 *off)
{
	const int flags = MSG_DONTWAIT | MSG_NOSIGNAL;
	u32 total = DWCP_FRAME_HDR_LEN + f->len;
	int ret;

	while (*off < total) {
		if (*off < DWCP_FRAME_HDR_LEN) {
			struct msghdr msg = { .msg_flags = flags };
			struct kvec kv = {
				.iov_base = (u8 *)&f->hdr + *off,
				.iov_len = DWCP_FRAME_HDR_LEN - *off,
			};

			if (f->len)
				msg.msg_flags |= MSG_MORE;
			ret = kernel_sendmsg(st->sock, &msg, &kv, 1,
					     kv.iov_len);
		} else {
			u32 done = *off - DWCP_FRAME_HDR_LEN;

			ret = dwcp_send_payload(st->sock, f->data + done,
						f->len - done,
						dwcp_buf_pages(f->data, f->len),
						flags);
		}
		if (ret <= 0)
			return ret ? ret : -EAGAIN;
		*off += ret;
		st->bytes_sent += ret;
	}
	return 0;
}

/**
 * dwcp_stream_send_reset() - end what the stream is writing, then a RESET
 * @st: the stream, up, of a session being reset
 *
 * A frame or control frames half written are finished first (the peer
 * reads the RESET only at a frame boundary); ones not begun are dropped.
 * The stream's unsent limit is lifted so that TCP takes the rest now if its
 * send buffer has room.  Never waits; call again after -EAGAIN.
 *
 * Return: 0 once the RESET is in TCP's hands; -EAGAIN if TCP has no room;
 * another negative errno if the connection failed.
 */
int dwcp_stream_send_reset(struct dwcp_stream *st)
{
	int lowat = 0;		/* none: sysctl tcp_notsent_lowat */
	int err = 0;

	if (!st->reset_begun) {
		/* once: TCP's setsockopt calls write_space, which kicks io */
		st->sock->ops->setsockopt(st->sock, SOL_TCP, TCP_NOTSENT_LOWAT,
					  KERNEL_SOCKPTR(&lowat),
					  sizeof(lowat));
		st->reset_begun = true;
	}
	if (!st->reset_off) {
		if (st->cur && st->cur_off)
			err = dwcp_stream_send_frame(st, st->cur, &st->cur_off);
		else if (st->ctl_off)
			err = dwcp_stream_send(st, st->ctl, st->ctl_len,
					       &st->ctl_off);
		if (err)
			return err;
		st->cur = NULL;
		st->cur_off = 0;
		st->ctl_len = 0;
		st->ctl_off = 0;
	}
	return dwcp_stream_send(st, &st->dsk->reset_hdr,
				sizeof(st->dsk->reset_hdr), &st->reset_off);
}

/* ---- blocking handshake I/O (workers only) ---- */

static int dwcp_hs_send(struct socket *sock, u8 type, u32 aux,
			const void *payload, u32 len)
{
	struct {
		struct dwcp_frame_hdr hdr;
		u8 payload[DWCP_HANDSHAKE_MAX];
	} *f;
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	struct kvec kv;
	int ret;

	f = kmalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	memcpy(f->payload, payload, len);
	dwcp_frame_build(&f->hdr, type, len, 0, aux, f->payload);
	kv.iov_base = f;
	kv.iov_len = sizeof(f->hdr) + len;
	ret = kernel_sendmsg(sock, &msg, &kv, 1, kv.iov_len);
	kfree(f);
	if (ret < 0)
		return ret;
	return ret == kv.iov_len ? 0 : -ECONNRESET;
}

static int dwcp_recv_exact(struct socket *sock, void *buf, u32 len)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	int ret;

	if (!len)
		return 0;
	ret = kernel_recvmsg(sock, &msg, &kv, 1, len, MSG_WAITALL);
	if (ret < 0)
		return ret == -EAGAIN ? -ETIMEDOUT : ret;
	return ret == len ? 0 : -ECONNRESET;
}

/*
 * Receive one handshake frame into @payload (DWCP_HANDSHAKE_MAX bytes).
 * Errors: -ETIMEDOUT/-ECONNRESET (truncated), -EPROTONOSUPPORT, -EPROTO,
 * -EMSGSIZE (header refused before reading the payload), -EBADMSG (CRC).
 */
static int dwcp_hs_recv(struct socket *sock, struct dwcp_frame_hdr *hdr,
			void *payload)
{
	int err;

	err = dwcp_recv_exact(sock, hdr, sizeof(*hdr));
	if (err)
		return err;
	err = dwcp_frame_check_hdr(hdr, 0);
	if (err)
		return err;
	err = dwcp_recv_exact(sock, payload, be32_to_cpu(hdr->len));
	if (err)
		return err;
	return dwcp_frame_check_crc(hdr, payload);
}

/* Open a TCP connection to the session's peer (worker context). */
static int dwcp_tcp_open(struct dwcp_sock *dsk, bool first,
			 struct socket **out)
{
	struct sockaddr_storage peer, local;
	struct socket *sock;
	bool bound;
	int err;

	lock_sock(&dsk->sk);
	peer = dsk->peer;
	local = dsk->local;
	bound = dsk->bound;
	release_sock(&dsk->sk);

	err = sock_create_kern(sock_net(&dsk->sk), peer.ss_family, SOCK_STREAM,
			       IPPROTO_TCP, &sock);
	if (err)
		return err;
	dwcp_tcp_tune(sock);
	if (bound) {
		if (!first) {
			/* Extra streams: same address, any port. */
			if (local.ss_family == AF_INET)
				((struct sockaddr_in *)&local)->sin_port = 0;
			else
				((struct sockaddr_in6 *)&local)->sin6_port = 0;
		}
		err = kernel_bind(sock, (struct sockaddr *)&local,
				  dwcp_addrlen(&local));
		if (err)
			goto fail;
	}
	sock->sk->sk_sndtimeo = DWCP_CONNECT_TIMEOUT;
	sock->sk->sk_rcvtimeo = DWCP_HS_TIMEOUT;
	err = kernel_connect(sock, (struct sockaddr *)&peer,
			     dwcp_addrlen(&peer), 0);
	if (err == -EINPROGRESS || err == -EALREADY)
		err = -ETIMEDOUT;
	if (err)
		goto fail;
	sock->sk->sk_sndtimeo = DWCP_HS_TIMEOUT;
	*out = sock;
	return 0;
fail:
	sock_release(sock);
	return err;
}

static int dwcp_decline_errno(u32 reason)
{
	switch (reason) {
	case DWCP_DECLINE_VERSION:
		return -EPROTONOSUPPORT;
	case DWCP_DECLINE_FULL:
		return -ECONNREFUSED;
	case DWCP_DECLINE_TYPE:
		return -EPROTOTYPE;
	default:
		return -ECONNREFUSED;
	}
}

/* The kernel's stream count for the handshake's RTT (dwcp_streams_for_rtt). */
static u16 dwcp_default_streams(struct socket *sock, u16 granted)
{
	return dwcp_streams_for_rtt(tcp_sk(sock->sk)->srtt_us >> 3, granted);
}

/* Client: open stream 0, say hello, set up the session. */
static void dwcp_connect_work(struct work_struct *work)
{
	struct dwcp_sock *dsk = container_of(work, struct dwcp_sock,
					     connect_work);
	struct sock *sk = &dsk->sk;
	struct dwcp_frame_hdr hdr;
	struct dwcp_hello_ack ack;
	struct dwcp_hello hello;
	struct socket *sock = NULL;
	bool records;
	u8 *payload;
	u16 granted, asked;
	int err;

	payload = kmalloc(DWCP_HANDSHAKE_MAX, GFP_KERNEL);
	if (!payload) {
		err = -ENOMEM;
		goto out;
	}
	err = dwcp_tcp_open(dsk, true, &sock);
	if (err)
		goto out;

	memset(&hello, 0, sizeof(hello));
	lock_sock(sk);
	asked = dsk->want_streams ?: DWCP_AUTO_STREAMS_MAX;
	hello.streams = cpu_to_be16(asked);
	err = dwcp_session_alloc(dsk, asked);
	memcpy(hello.key, dsk->ckey, DWCP_KEY_LEN);
	records = sk->sk_type == SOCK_SEQPACKET;
	if (records)
		hello.hde_store_kib = cpu_to_be32(min_t(u64, dsk->hde_store >> 10,
							U32_MAX));
	release_sock(sk);
	if (err)
		goto out;
	hello.caps = cpu_to_be32(DWCP_CAP_TCP | DWCP_CAP_ZSTD | DWCP_CAP_RESET |
				 DWCP_CAP_PCRC |
				 (records ? DWCP_CAP_RECORDS | DWCP_CAP_RESYNC : 0));
	hello.max_frame = cpu_to_be32(DWCP_MAX_FRAME);
	err = dwcp_hs_send(sock, DWCP_FRAME_HELLO, 0, &hello, sizeof(hello));
	if (err)
		goto out;
	err = dwcp_hs_recv(sock, &hdr, payload);
	if (err)
		goto out;
	if (hdr.type == DWCP_FRAME_DECLINE) {
		err = dwcp_decline_errno(be32_to_cpu(hdr.aux));
		goto out;
	}
	if (hdr.type != DWCP_FRAME_HELLO_ACK) {
		err = -EPROTO;
		goto out;
	}
	err = dwcp_hello_ack_parse(payload, be32_to_cpu(hdr.len), &ack);
	if (!err && (!(be32_to_cpu(ack.caps) & DWCP_CAP_RECORDS) != !records ||
		     be32_to_cpu(ack.hde_store_kib) >
		     be32_to_cpu(hello.hde_store_kib) ||
		     be16_to_cpu(ack.streams) > asked))
		err = -EPROTO;	/* not what we asked for */
	if (err)
		goto out;

	lock_sock(sk);
	if (sk->sk_state != DWCP_STATE_CONNECTING) {
		/* closed while we were connecting */
		release_sock(sk);
		err = -ECONNABORTED;
		goto out;
	}
	dsk->token = be32_to_cpu(ack.token);
	memcpy(dsk->skey, ack.key, DWCP_KEY_LEN);
	dsk->peer_max_frame = be32_to_cpu(ack.max_frame);
	dsk->hde_store_limit = (u64)be32_to_cpu(ack.hde_store_kib) << 10;
	dsk->peer_zstd = be32_to_cpu(ack.caps) & DWCP_CAP_ZSTD;
	dsk->peer_reset = be32_to_cpu(ack.caps) & DWCP_CAP_RESET;
	dsk->peer_pcrc = be32_to_cpu(ack.caps) & DWCP_CAP_PCRC;
	/* the server says it only when we did */
	dsk->peer_resync = records && be32_to_cpu(ack.caps) & DWCP_CAP_RESYNC;
	if (!dsk->bound) {
		kernel_getsockname(sock, (struct sockaddr *)&dsk->local);
		dsk->bound = true;
		/* extra streams use this address with any port */
	}
	/* Every granted slot exists; the kernel's choice uses some of them. */
	granted = be16_to_cpu(ack.streams);
	dwcp_session_start(dsk, granted, dsk->want_streams ? granted :
			   dwcp_default_streams(sock, granted));
	dwcp_stream_attach(&dsk->streams[0], sock);
	sock = NULL;
	dwcp_count(sock_net(sk), DWCP_MIB_SESSIONS_OPENED);
	release_sock(sk);
	err = 0;
out:
	if (sock)
		sock_release(sock);
	kfree(payload);
	if (err) {
		lock_sock(sk);
		if (sk->sk_state == DWCP_STATE_CONNECTING) {
			sk->sk_err = -err;
			sk->sk_state = DWCP_STATE_CLOSED;
			sk_error_report(sk);
		}
		release_sock(sk);
	}
	sock_put(sk);
}

/* Client: (re)join stream slot @st with proof of the session keys. */
static void dwcp_join_work(struct work_struct *work)
{
	struct dwcp_stream *st = container_of(to_delayed_work(work),
					      struct dwcp_stream, join_work);
	struct dwcp_sock *dsk = st->dsk;
	struct sock *sk = &dsk->sk;
	u8 want[DWCP_PROOF_LEN];
	struct dwcp_frame_hdr hdr;
	struct dwcp_join join;
	struct socket *sock = NULL;
	u8 *payload = NULL;
	int err;

	lock_sock(sk);
	if (!dsk->alive || st->up || st->index >= dsk->active) {
		st->joining = false;
		release_sock(sk);
		goto put;
	}
	memset(&join, 0, sizeof(join));
	join.token = cpu_to_be32(dsk->token);
	join.index = cpu_to_be16(st->index);
	get_random_bytes(join.nonce, sizeof(join.nonce));
	dwcp_join_proof(join.proof, dsk->ckey, dsk->skey, dsk->token,
			st->index, join.nonce, false);
	dwcp_join_proof(want, dsk->ckey, dsk->skey, dsk->token, st->index,
			join.nonce, true);
	release_sock(sk);

	payload = kmalloc(DWCP_HANDSHAKE_MAX, GFP_KERNEL);
	err = payload ? dwcp_tcp_open(dsk, false, &sock) : -ENOMEM;
	if (!err)
		err = dwcp_hs_send(sock, DWCP_FRAME_JOIN, 0, &join,
				   sizeof(join));
	if (!err)
		err = dwcp_hs_recv(sock, &hdr, payload);
	if (!err && hdr.type == DWCP_FRAME_DECLINE)
		err = dwcp_decline_errno(be32_to_cpu(hdr.aux));
	else if (!err && (hdr.type != DWCP_FRAME_JOIN_ACK ||
			  be32_to_cpu(hdr.len) < DWCP_PROOF_LEN ||
			  crypto_memneq(payload, want, DWCP_PROOF_LEN)))
		err = -EPROTO;

	lock_sock(sk);
	st->joining = false;
	/* the count may have shrunk below this slot while we joined */
	if (!err && st->index >= dsk->active)
		err = -ECANCELED;
	if (!err && dsk->alive && !st->up) {
		dwcp_stream_attach(st, sock);
		sock = NULL;
		dsk->st.dwci_stream_joins++;
		dwcp_count(sock_net(sk), DWCP_MIB_STREAMS_JOINED);
	} else if (dsk->alive && !st->up) {
		/* A server that forgot the session will never take it back. */
		if (err == -ECONNREFUSED && !dsk->st.dwci_streams_up)
			dwcp_session_abort(dsk, ECONNRESET);
		else
			dwcp_join_schedule(st);
	}
	release_sock(sk);
	if (sock)
		sock_release(sock);
	kfree(payload);
put:
	sock_put(sk);
}

/**
 * dwcp_join_schedule() - (re)join stream slot @st after its backoff
 * @st: a slot that is down, of a client session
 *
 * Backoff doubles from 100 ms to 5 s while joins fail.
 *
 * Context: the session's socket lock held.
 */
void dwcp_join_schedule(struct dwcp_stream *st)
{
	struct dwcp_sock *dsk = st->dsk;
	unsigned long delay;

	if (!dsk->client || st->joining || st->up || !dsk->alive ||
	    st->index >= dsk->active)
		return;
	delay = msecs_to_jiffies(st->backoff_ms);
	st->backoff_ms = clamp(st->backoff_ms * 2, 100U, 5000U);
	st->joining = true;
	sock_hold(&dsk->sk);
	if (!queue_delayed_work(dwcp_conn_wq, &st->join_work, delay)) {
		st->joining = false;
		sock_put(&dsk->sk);
	}
}

/**
 * dwcp_connect() - connect(): open a session to a DWCP server
 * @sock: the socket
 * @uaddr: struct sockaddr_dwcp of the server
 * @len: its length
 * @flags: file flags (O_NONBLOCK)
 *
 * Stream 0 and the hello happen in a worker; connect() waits for them
 * unless non-blocking.  Further streams join in the background.
 *
 * Return: 0; -EINPROGRESS (non-blocking, started); -EALREADY; -EISCONN;
 * -EINVAL, -EAFNOSUPPORT (address); -ECONNREFUSED, -ETIMEDOUT, ...
 * (failed); -ERESTARTSYS or -EINTR (signal; the attempt goes on).
 */
int dwcp_connect(struct socket *sock, struct sockaddr *uaddr, int len,
		 int flags)
{
	struct sock *sk = sock->sk;
	struct dwcp_sock *dsk = dwcp_sk(sk);
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct sockaddr_storage peer;
	long timeo;
	int err;

	err = dwcp_addr_from_user(uaddr, len, &peer);
	if (err)
		return err;

	lock_sock(sk);
	switch (sk->sk_state) {
	case DWCP_STATE_ESTABLISHED:
		err = -EISCONN;
		goto out;
	case DWCP_STATE_CONNECTING:
		err = -EALREADY;
		if (flags & O_NONBLOCK)
			goto out;
		goto wait;
	case DWCP_STATE_CLOSED:
		if (dsk->alive || dsk->client) {
			err = -EISCONN;	/* a finished session stays finished */
			goto out;
		}
		break;
	default:
		err = -EINVAL;
		goto out;
	}
	if (dsk->bound && dsk->local.ss_family != peer.ss_family) {
		err = -EINVAL;
		goto out;
	}
	dsk->peer = peer;
	dsk->client = true;
	get_random_bytes(dsk->ckey, sizeof(dsk->ckey));
	sk->sk_err = 0;
	sk->sk_state = DWCP_STATE_CONNECTING;
	sock->state = SS_CONNECTING;
	sock_hold(sk);
	queue_work(dwcp_conn_wq, &dsk->connect_work);
	err = -EINPROGRESS;
	if (flags & O_NONBLOCK)
		goto out;
wait:
	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	add_wait_queue(sk_sleep(sk), &wait);
	while (sk->sk_state == DWCP_STATE_CONNECTING && timeo) {
		if (signal_pending(current))
			break;
		sk_wait_event(sk, &timeo,
			      sk->sk_state != DWCP_STATE_CONNECTING, &wait);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	if (sk->sk_state == DWCP_STATE_ESTABLISHED) {
		sock->state = SS_CONNECTED;
		err = 0;
	} else if (sk->sk_state == DWCP_STATE_CONNECTING) {
		err = timeo ? sock_intr_errno(timeo) : -ETIMEDOUT;
	} else {
		err = sock_error(sk) ?: -ECONNABORTED;
		sock->state = SS_UNCONNECTED;
	}
out:
	release_sock(sk);
	return err;
}

/* ---- server side ---- */

struct dwcp_pending {
	struct work_struct work;
	struct socket *sock;
	struct dwcp_sock *listener;
};

static u32 dwcp_token_hash(u32 token)
{
	return hash_32(token, 6);
}

/* Give @dsk a token no other session of its netns has, and hash it. */
static void dwcp_token_add(struct dwcp_sock *dsk)
{
	struct dwcp_net *dn = dwcp_pernet(sock_net(&dsk->sk));
	struct dwcp_sock *o;
	bool taken;

	spin_lock_bh(&dn->tokens_lock);
	do {
		dsk->token = get_random_u32();
		taken = false;
		hlist_for_each_entry(o, &dn->tokens[dwcp_token_hash(dsk->token)],
				     token_node)
			taken |= o->token == dsk->token;
	} while (taken);
	hlist_add_head(&dsk->token_node,
		       &dn->tokens[dwcp_token_hash(dsk->token)]);
	dsk->token_hashed = true;
	spin_unlock_bh(&dn->tokens_lock);
}

/**
 * dwcp_token_del() - forget the join token of a server session
 * @dsk: the session
 */
void dwcp_token_del(struct dwcp_sock *dsk)
{
	struct dwcp_net *dn = dwcp_pernet(sock_net(&dsk->sk));

	spin_lock_bh(&dn->tokens_lock);
	if (dsk->token_hashed)
		hlist_del(&dsk->token_node);
	dsk->token_hashed = false;
	spin_unlock_bh(&dn->tokens_lock);
}

static struct dwcp_sock *dwcp_token_lookup(struct net *net, u32 token)
{
	struct dwcp_net *dn = dwcp_pernet(net);
	struct dwcp_sock *o, *found = NULL;

	spin_lock_bh(&dn->tokens_lock);
	hlist_for_each_entry(o, &dn->tokens[dwcp_token_hash(token)], token_node)
		if (o->token == token) {
			found = o;
			sock_hold(&o->sk);
			break;
		}
	spin_unlock_bh(&dn->tokens_lock);
	return found;
}

/* Would a new session find no room in @lsn's accept queue?  Locked. */
static bool dwcp_accept_q_full_locked(const struct dwcp_sock *lsn)
{
	return lsn->sk.sk_state != DWCP_STATE_LISTEN ||
	       lsn->accept_len >= READ_ONCE(lsn->sk.sk_max_ack_backlog);
}

static bool dwcp_accept_q_full(struct dwcp_sock *lsn)
{
	bool full;

	lock_sock(&lsn->sk);
	full = dwcp_accept_q_full_locked(lsn);
	release_sock(&lsn->sk);
	return full;
}

/* A HELLO on a new connection: make a session and queue it for accept(). */
static int dwcp_server_hello(struct dwcp_sock *lsn, struct socket *sock,
			     const void *payload, u32 len)
{
	struct net *net = sock_net(&lsn->sk);
	struct dwcp_hello_ack ack;
	struct dwcp_hello hello;
	struct dwcp_sock *child;
	struct sock *csk;
	bool records, seqpacket;
	u16 streams;
	int err;

	if (dwcp_hello_parse(payload, len, &hello)) {
		dwcp_count(net, DWCP_MIB_REFUSED_MALFORMED);
		dwcp_hs_send(sock, DWCP_FRAME_DECLINE, DWCP_DECLINE_MALFORMED,
			     NULL, 0);
		return -EBADMSG;
	}
	/* Records and byte streams do not mix: both ends say which. */
	records = be32_to_cpu(hello.caps) & DWCP_CAP_RECORDS;
	seqpacket = lsn->sk.sk_type == SOCK_SEQPACKET;
	if (records != seqpacket) {
		dwcp_count(net, DWCP_MIB_REFUSED_TYPE);
		dwcp_hs_send(sock, DWCP_FRAME_DECLINE, DWCP_DECLINE_TYPE,
			     NULL, 0);
		return -EPROTOTYPE;
	}
	/*
	 * Decline while the client can still be told; should the queue fill
	 * between here and the end, the new session is reset instead.
	 */
	if (dwcp_accept_q_full(lsn)) {
		dwcp_count(net, DWCP_MIB_REFUSED_FULL);
		dwcp_hs_send(sock, DWCP_FRAME_DECLINE, DWCP_DECLINE_FULL,
			     NULL, 0);
		return -ECONNREFUSED;
	}
	csk = dwcp_sock_alloc(net, 0, lsn->sk.sk_type);
	if (!csk)
		return -ENOMEM;
	child = dwcp_sk(csk);

	lock_sock(&lsn->sk);
	child->want_streams = lsn->want_streams;
	child->frame_size = lsn->frame_size;
	child->want_frame = lsn->want_frame;
	child->pacing_rate = lsn->pacing_rate;
	child->codec = lsn->codec;
	memcpy(child->cc, lsn->cc, sizeof(child->cc));
	/* as TCP's children, the listener's buffer sizes (its first window) */
	WRITE_ONCE(csk->sk_rcvbuf, READ_ONCE(lsn->sk.sk_rcvbuf));
	WRITE_ONCE(csk->sk_sndbuf, READ_ONCE(lsn->sk.sk_sndbuf));
	csk->sk_userlocks |= lsn->sk.sk_userlocks &
			     (SOCK_RCVBUF_LOCK | SOCK_SNDBUF_LOCK);
	/* Both ends keep the same baselines: the smaller offer wins. */
	if (records)
		child->hde_store_limit = min_t(u64, lsn->hde_store,
					       (u64)be32_to_cpu(hello.hde_store_kib) << 10);
	release_sock(&lsn->sk);

	/* A listener grants what the client asks unless DWCP_STREAMS caps it. */
	streams = min_t(u16, be16_to_cpu(hello.streams),
			child->want_streams ?: DWCP_MAX_STREAMS);
	memcpy(child->ckey, hello.key, DWCP_KEY_LEN);
	get_random_bytes(child->skey, DWCP_KEY_LEN);
	child->peer_max_frame = clamp_t(u32, be32_to_cpu(hello.max_frame),
					DWCP_MIN_FRAME, DWCP_MAX_FRAME);
	kernel_getsockname(sock, (struct sockaddr *)&child->local);
	kernel_getpeername(sock, (struct sockaddr *)&child->peer);
	child->bound = true;

	lock_sock(csk);
	if (dwcp_session_alloc(child, streams)) {
		release_sock(csk);
		sk_common_release(csk);
		return -ENOMEM;
	}
	dwcp_token_add(child);
	memset(&ack, 0, sizeof(ack));
	ack.streams = cpu_to_be16(streams);
	child->peer_zstd = be32_to_cpu(hello.caps) & DWCP_CAP_ZSTD;
	child->peer_reset = be32_to_cpu(hello.caps) & DWCP_CAP_RESET;
	child->peer_pcrc = be32_to_cpu(hello.caps) & DWCP_CAP_PCRC;
	child->peer_resync = records && be32_to_cpu(hello.caps) & DWCP_CAP_RESYNC;
	ack.caps = cpu_to_be32(DWCP_CAP_TCP | DWCP_CAP_ZSTD | DWCP_CAP_RESET |
			       DWCP_CAP_PCRC | (records ? DWCP_CAP_RECORDS : 0) |
			       (child->peer_resync ? DWCP_CAP_RESYNC : 0));
	ack.max_frame = cpu_to_be32(DWCP_MAX_FRAME);
	ack.token = cpu_to_be32(child->token);
	ack.hde_store_kib = cpu_to_be32(child->hde_store_limit >> 10);
	memcpy(ack.key, child->skey, DWCP_KEY_LEN);
	err = dwcp_hs_send(sock, DWCP_FRAME_HELLO_ACK, 0, &ack, sizeof(ack));
	if (err) {
		dwcp_token_del(child);
		release_sock(csk);
		sk_common_release(csk);
		return err;
	}
	dwcp_session_start(child, streams, streams);
	dwcp_stream_attach(&child->streams[0], sock);
	release_sock(csk);

	lock_sock(&lsn->sk);
	if (dwcp_accept_q_full_locked(lsn)) {
		release_sock(&lsn->sk);
		dwcp_count(net, DWCP_MIB_REFUSED_FULL);
		lock_sock(csk);
		dwcp_session_abort(child, ECONNREFUSED);
		release_sock(csk);
		sock_put(csk);
		return 0;	/* the stream is the child's now */
	}
	list_add_tail(&child->accept_node, &lsn->accept_q);
	lsn->accept_len++;
	dwcp_count(net, DWCP_MIB_SESSIONS_ACCEPTED);
	lsn->sk.sk_data_ready(&lsn->sk);
	release_sock(&lsn->sk);
	return 0;
}

/* A JOIN on a new connection: prove and attach it to its session. */
static int dwcp_server_join(struct net *net, struct socket *sock,
			    const void *payload, u32 len)
{
	u8 proof[DWCP_PROOF_LEN];
	struct dwcp_join_ack ack;
	struct dwcp_join join;
	struct dwcp_sock *dsk;
	struct dwcp_stream *st;
	u16 index;
	u32 reason = 0;
	int err = 0;

	if (dwcp_join_parse(payload, len, &join)) {
		dwcp_count(net, DWCP_MIB_REFUSED_MALFORMED);
		dwcp_hs_send(sock, DWCP_FRAME_DECLINE, DWCP_DECLINE_MALFORMED,
			     NULL, 0);
		return -EBADMSG;
	}
	dsk = dwcp_token_lookup(net, be32_to_cpu(join.token));
	if (!dsk) {
		dwcp_count(net, DWCP_MIB_REFUSED_NO_SESSION);
		dwcp_hs_send(sock, DWCP_FRAME_DECLINE, DWCP_DECLINE_NO_SESSION,
			     NULL, 0);
		return -ENOENT;
	}
	index = be16_to_cpu(join.index);

	lock_sock(&dsk->sk);
	if (!dsk->alive) {
		reason = DWCP_DECLINE_NO_SESSION;
		dwcp_count(net, DWCP_MIB_REFUSED_NO_SESSION);
		goto decline;
	}
	dwcp_join_proof(proof, dsk->ckey, dsk->skey, dsk->token, index,
			join.nonce, false);
	if (crypto_memneq(proof, join.proof, DWCP_PROOF_LEN)) {
		reason = DWCP_DECLINE_BAD_PROOF;
		dwcp_count(net, DWCP_MIB_REFUSED_BAD_PROOF);
		goto decline;
	}
	if (index >= dsk->nstreams) {
		reason = DWCP_DECLINE_MALFORMED;
		dwcp_count(net, DWCP_MIB_REFUSED_MALFORMED);
		goto decline;
	}
	dwcp_join_proof(ack.proof, dsk->ckey, dsk->skey, dsk->token, index,
			join.nonce, true);
	err = dwcp_hs_send(sock, DWCP_FRAME_JOIN_ACK, 0, &ack, sizeof(ack));
	if (err)
		goto out;
	st = &dsk->streams[index];
	/* The client knows best: a rejoin replaces a stream we still hold. */
	if (st->up)
		dwcp_session_stream_down(st, -ECONNRESET);
	dwcp_stream_attach(st, sock);
	dsk->st.dwci_stream_joins++;
	dwcp_count(net, DWCP_MIB_STREAMS_JOINED);
	goto out;
decline:
	dwcp_hs_send(sock, DWCP_FRAME_DECLINE, reason, NULL, 0);
	err = -EPERM;
out:
	release_sock(&dsk->sk);
	sock_put(&dsk->sk);
	return err;
}

static void dwcp_count_hs_error(struct net *net, int err)
{
	switch (err) {
	case -EPROTONOSUPPORT:
		dwcp_count(net, DWCP_MIB_REFUSED_VERSION);
		break;
	case -EBADMSG:
		dwcp_count(net, DWCP_MIB_REFUSED_BAD_CRC);
		break;
	case -EMSGSIZE:
		dwcp_count(net, DWCP_MIB_REFUSED_OVERSIZE);
		break;
	case -EPROTO:
		dwcp_count(net, DWCP_MIB_REFUSED_MALFORMED);
		break;
	default:
		dwcp_count(net, DWCP_MIB_REFUSED_TRUNCATED);
	}
}

/* First frame of an accepted connection: HELLO or JOIN, else refused. */
static void dwcp_handshake_work(struct work_struct *work)
{
	struct dwcp_pending *p = container_of(work, struct dwcp_pending, work);
	struct net *net = sock_net(p->sock->sk);
	struct dwcp_frame_hdr hdr;
	u8 *payload;
	int err;

	payload = kmalloc(DWCP_HANDSHAKE_MAX, GFP_KERNEL);
	if (!payload)
		goto drop;
	p->sock->sk->sk_rcvtimeo = DWCP_HS_TIMEOUT;
	p->sock->sk->sk_sndtimeo = DWCP_HS_TIMEOUT;
	err = dwcp_hs_recv(p->sock, &hdr, payload);
	if (err) {
		dwcp_count_hs_error(net, err);
		if (err == -EPROTONOSUPPORT)
			dwcp_hs_send(p->sock, DWCP_FRAME_DECLINE,
				     DWCP_DECLINE_VERSION, NULL, 0);
		goto drop;
	}
	if (hdr.type == DWCP_FRAME_HELLO) {
		dwcp_tcp_tune(p->sock);
		if (!dwcp_server_hello(p->listener, p->sock, payload,
				       be32_to_cpu(hdr.len)))
			p->sock = NULL;
	} else if (hdr.type == DWCP_FRAME_JOIN) {
		dwcp_tcp_tune(p->sock);
		if (!dwcp_server_join(net, p->sock, payload,
				      be32_to_cpu(hdr.len)))
			p->sock = NULL;
	} else {
		dwcp_count(net, DWCP_MIB_REFUSED_MALFORMED);
	}
drop:
	if (p->sock) {
		sock_no_linger(p->sock->sk);
		sock_release(p->sock);
	}
	kfree(payload);
	atomic_dec(&p->listener->pending);
	sock_put(&p->listener->sk);
	kfree(p);
}

static void dwcp_accept_work(struct work_struct *work)
{
	struct dwcp_sock *lsn = container_of(to_delayed_work(work),
					     struct dwcp_sock, accept_work);
	struct sock *sk = &lsn->sk;
	struct dwcp_pending *p;
	struct socket *ns;
	int err;

	for (;;) {
		lock_sock(sk);
		err = -EINVAL;
		if (sk->sk_state == DWCP_STATE_LISTEN && lsn->lsock)
			err = kernel_accept(lsn->lsock, &ns, O_NONBLOCK);
		release_sock(sk);
		if (err == -EAGAIN || err == -EINVAL)
			break;		/* accepted them all, or no listener */
		if (err) {
			/* short of memory: the connections wait in TCP's
			 * queue; try again later, not at the next arrival
			 */
			sock_hold(sk);
			if (!queue_delayed_work(dwcp_wq, &lsn->accept_work,
						DWCP_ACCEPT_RETRY))
				sock_put(sk);
			break;
		}
		/* TCP cloned the listener's callbacks into the child: give it
		 * back the plain ones so blocking reads wake up.
		 */
		write_lock_bh(&ns->sk->sk_callback_lock);
		ns->sk->sk_user_data = NULL;
		ns->sk->sk_data_ready = lsn->saved_listen_data_ready;
		write_unlock_bh(&ns->sk->sk_callback_lock);
		p = kzalloc(sizeof(*p), GFP_KERNEL);
		if (!p || atomic_inc_return(&lsn->pending) > DWCP_MAX_PENDING) {
			if (p)
				atomic_dec(&lsn->pending);
			kfree(p);
			dwcp_count(sock_net(sk), DWCP_MIB_REFUSED_FULL);
			sock_no_linger(ns->sk);
			sock_release(ns);
			continue;
		}
		INIT_WORK(&p->work, dwcp_handshake_work);
		p->sock = ns;
		p->listener = lsn;
		sock_hold(sk);
		queue_work(dwcp_hs_wq, &p->work);
	}
	sock_put(sk);
}

static void dwcp_listen_data_ready(struct sock *lsk)
{
	struct dwcp_sock *lsn;

	read_lock_bh(&lsk->sk_callback_lock);
	lsn = lsk->sk_user_data;
	if (lsn && lsk->sk_state == TCP_LISTEN) {
		/* now, also when a retry after a failure is pending */
		sock_hold(&lsn->sk);
		if (mod_delayed_work(dwcp_wq, &lsn->accept_work, 0))
			sock_put(&lsn->sk);	/* it was pending: has one */
	}
	read_unlock_bh(&lsk->sk_callback_lock);
}

/**
 * dwcp_bind() - bind(): the local address of a listener or client
 * @sock: the socket
 * @uaddr: struct sockaddr_dwcp
 * @len: its length
 *
 * A privileged port needs CAP_NET_BIND_SERVICE here, as for inet_bind():
 * the client's stream binds it later in a worker, whose credentials are
 * not the caller's.
 *
 * Return: 0; -EINVAL (bad address, already bound or connected);
 * -EAFNOSUPPORT; -EACCES (a privileged port without the capability).
 * Whether the address can be used shows at listen() or connect()
 * (-EADDRINUSE, -EADDRNOTAVAIL).
 */
int dwcp_bind(struct socket *sock, struct sockaddr *uaddr, int len)
{
	struct dwcp_sock *dsk = dwcp_sk(sock->sk);
	struct net *net = sock_net(sock->sk);
	struct sockaddr_storage ss;
	unsigned short port;
	int err;

	err = dwcp_addr_from_user(uaddr, len, &ss);
	if (err)
		return err;
	/* sin_port and sin6_port sit at the same offset */
	port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (port && inet_port_requires_bind_service(net, port) &&
	    !ns_capable(net->user_ns, CAP_NET_BIND_SERVICE))
		return -EACCES;
	lock_sock(sock->sk);
	if (dsk->bound || sock->sk->sk_state != DWCP_STATE_CLOSED ||
	    dsk->client) {
		err = -EINVAL;
	} else {
		dsk->local = ss;
		dsk->bound = true;
	}
	release_sock(sock->sk);
	return err;
}

/**
 * dwcp_listen() - listen(): accept sessions on the bound address
 * @sock: the socket, bound
 * @backlog: most sessions waiting for accept()
 *
 * Return: 0; -EINVAL (not bound, or connected); -EADDRINUSE and other
 * errors of the TCP listener.
 */
int dwcp_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	struct dwcp_sock *dsk = dwcp_sk(sk);
	struct socket *lsock;
	int err;

	backlog = max(backlog, 1);	/* listen(0) admits one, as TCP's */
	lock_sock(sk);
	if (sk->sk_state == DWCP_STATE_LISTEN) {
		WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
		err = 0;
		goto out;
	}
	err = -EINVAL;
	if (sk->sk_state != DWCP_STATE_CLOSED || !dsk->bound || dsk->client)
		goto out;
	err = sock_create_kern(sock_net(sk), dsk->local.ss_family, SOCK_STREAM,
			       IPPROTO_TCP, &lsock);
	if (err)
		goto out;
	sock_set_reuseaddr(lsock->sk);
	err = kernel_bind(lsock, (struct sockaddr *)&dsk->local,
			  dwcp_addrlen(&dsk->local));
	if (!err)
		err = kernel_listen(lsock, max(backlog, 16) * 4);
	if (err) {
		sock_release(lsock);
		goto out;
	}
	kernel_getsockname(lsock, (struct sockaddr *)&dsk->local);
	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	write_lock_bh(&lsock->sk->sk_callback_lock);
	dsk->saved_listen_data_ready = lsock->sk->sk_data_ready;
	lsock->sk->sk_user_data = dsk;
	lsock->sk->sk_data_ready = dwcp_listen_data_ready;
	write_unlock_bh(&lsock->sk->sk_callback_lock);
	dsk->lsock = lsock;
	sk->sk_state = DWCP_STATE_LISTEN;
	/* connections may have queued before the callback was in place */
	sock_hold(sk);
	if (!queue_delayed_work(dwcp_wq, &dsk->accept_work, 0))
		sock_put(sk);
out:
	release_sock(sk);
	return err;
}

/**
 * dwcp_listener_stop() - close a listener and refuse its waiting sessions
 * @dsk: the listener
 *
 * Context: the listener's socket lock held; it is released and taken again
 * around the children, whose locks are taken one at a time.
 */
void dwcp_listener_stop(struct dwcp_sock *dsk)
{
	struct socket *lsock = dsk->lsock;
	struct dwcp_sock *child, *tmp;
	LIST_HEAD(children);

	dsk->sk.sk_state = DWCP_STATE_CLOSED;
	if (lsock) {
		write_lock_bh(&lsock->sk->sk_callback_lock);
		lsock->sk->sk_user_data = NULL;
		lsock->sk->sk_data_ready = dsk->saved_listen_data_ready;
		write_unlock_bh(&lsock->sk->sk_callback_lock);
		sock_release(lsock);
		dsk->lsock = NULL;
	}
	list_splice_init(&dsk->accept_q, &children);
	dsk->accept_len = 0;
	release_sock(&dsk->sk);
	list_for_each_entry_safe(child, tmp, &children, accept_node) {
		list_del_init(&child->accept_node);
		lock_sock(&child->sk);
		dwcp_session_abort(child, ECONNRESET);
		release_sock(&child->sk);
		dwcp_notify(&child->sk, DWCP_CMD_SESSION_CLOSED);
		sock_put(&child->sk);	/* the accept queue's reference */
	}
	lock_sock(&dsk->sk);
}

/**
 * dwcp_accept() - accept(): take an established session
 * @sock: the listener
 * @newsock: socket to graft the session onto
 * @flags: file flags (O_NONBLOCK)
 * @kern: unused
 *
 * Return: 0; -EINVAL (not listening); -EAGAIN (non-blocking, none waiting);
 * -ERESTARTSYS or -EINTR (signal).
 */
int dwcp_accept(struct socket *sock, struct socket *newsock, int flags,
		bool kern)
{
	struct sock *sk = sock->sk;
	struct dwcp_sock *dsk = dwcp_sk(sk);
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct dwcp_sock *child;
	long timeo;
	int err = 0;

	lock_sock(sk);
	timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);
	add_wait_queue(sk_sleep(sk), &wait);
	while (list_empty(&dsk->accept_q)) {
		err = -EINVAL;
		if (sk->sk_state != DWCP_STATE_LISTEN)
			break;
		err = dwcp_may_sleep(timeo);
		if (err)
			break;
		sk_wait_event(sk, &timeo, !list_empty(&dsk->accept_q) ||
			      sk->sk_state != DWCP_STATE_LISTEN, &wait);
		err = 0;
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	if (list_empty(&dsk->accept_q)) {
		release_sock(sk);
		return err ?: -EINVAL;
	}
	child = list_first_entry(&dsk->accept_q, struct dwcp_sock, accept_node);
	list_del_init(&child->accept_node);
	dsk->accept_len--;
	release_sock(sk);

	lock_sock(&child->sk);
	sock_graft(&child->sk, newsock);
	newsock->ops = sock->ops;
	newsock->state = SS_CONNECTED;
	release_sock(&child->sk);
	return 0;
}

/**
 * dwcp_getname() - getsockname()/getpeername()
 * @sock: the socket
 * @uaddr: where to write a struct sockaddr_dwcp
 * @peer: nonzero for the peer's address
 *
 * Return: DWCP_SOCKADDR_LEN; -ENOTCONN for the peer of an unconnected
 * socket.
 */
int dwcp_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	struct dwcp_sock *dsk = dwcp_sk(sock->sk);
	struct sockaddr_storage ss;

	lock_sock(sock->sk);
	if (peer && sock->sk->sk_state != DWCP_STATE_ESTABLISHED &&
	    !dsk->alive) {
		release_sock(sock->sk);
		return -ENOTCONN;
	}
	ss = peer ? dsk->peer : dsk->local;
	release_sock(sock->sk);
	return dwcp_addr_to_user(&ss, uaddr);
}

/**
 * dwcp_tcp_init_sock() - set up the workers of a new DWCP socket
 * @dsk: the socket
 */
void dwcp_tcp_init_sock(struct dwcp_sock *dsk)
{
	INIT_WORK(&dsk->connect_work, dwcp_connect_work);
	INIT_DELAYED_WORK(&dsk->accept_work, dwcp_accept_work);
}

/**
 * dwcp_stream_slot_init() - set up stream slot @index of @dsk
 * @dsk: the session
 * @index: slot number
 */
void dwcp_stream_slot_init(struct dwcp_sock *dsk, u16 index)
{
	struct dwcp_stream *st = &dsk->streams[index];

	st->dsk = dsk;
	st->index = index;
	INIT_DELAYED_WORK(&st->join_work, dwcp_join_work);
}
