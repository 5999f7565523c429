// SPDX-License-Identifier: GPL-2.0
/*
 * Sessions: the byte stream of one DWCP socket, cut into frames, striped
 * over the streams, acknowledged end to end and put back in order.
 *
 * All session state is protected by the DWCP socket's lock (lock_sock);
 * io_work does the protocol work in process context.  A session that is
 * established holds one reference on its socket ("alive"), dropped when it
 * finishes or aborts, so an orphaned session (closed by the application
 * with data still in flight) lives on until the peer has it all.
 *
 * Sequence numbers count payload bytes from 0; the FIN takes one more.
 * Frames keep their boundaries when resent, so the receiver can tell a
 * duplicate by its sequence number.
 */
#include <linux/math64.h>
#include <linux/sched/signal.h>
#include <linux/uio.h>
#include <net/tcp.h>

#include "dwcp.h"

#define DWCP_IO_BUDGET		(1024 * 1024)	/* bytes per stream per pass */
#define DWCP_IO_PASSES		8
#define DWCP_ORPHAN_TIMEOUT	(60 * HZ)
#define DWCP_NO_STREAM_TIMEOUT	(30 * HZ)
#define DWCP_RESET_TIMEOUT	(5 * HZ)	/* for a peer to take a RESET */
/*
 * A retired stream's server closes its side once it has read all the stream
 * carried, which a lossy path can take many seconds to deliver (TCP's own
 * timeouts catch a dead peer); this only bounds a peer that never closes.
 */
#define DWCP_RETIRE_TIMEOUT	(60 * HZ)
#define DWCP_TICK		msecs_to_jiffies(DWCP_SAMPLE_MS)

static void dwcp_tick_work(struct work_struct *work);

/**
 * dwcp_io_kick() - make io_work run soon
 * @dsk: the session
 *
 * Context: any, including softirq and hardirq.
 */
void dwcp_io_kick(struct dwcp_sock *dsk)
{
	/* Hold first: the work may run and put before we get further. */
	sock_hold(&dsk->sk);
	if (!queue_work(dwcp_wq, &dsk->io_work))
		sock_put(&dsk->sk);
}

static enum hrtimer_restart dwcp_pace_timer_fn(struct hrtimer *t)
{
	struct dwcp_sock *dsk = container_of(t, struct dwcp_sock, pace_timer);

	dwcp_io_kick(dsk);
	return HRTIMER_NORESTART;
}

/**
 * dwcp_session_init() - initial state of a new socket's session
 * @dsk: the socket
 */
void dwcp_session_init(struct dwcp_sock *dsk)
{
	INIT_LIST_HEAD(&dsk->tx_queue);
	INIT_LIST_HEAD(&dsk->tx_inflight);
	INIT_LIST_HEAD(&dsk->rx_ready);
	INIT_LIST_HEAD(&dsk->accept_q);
	INIT_LIST_HEAD(&dsk->accept_node);
	dwcp_reorder_init(&dsk->reorder, 0);
	INIT_WORK(&dsk->io_work, dwcp_io_work);
	INIT_DELAYED_WORK(&dsk->tick_work, dwcp_tick_work);
	hrtimer_init(&dsk->pace_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	dsk->pace_timer.function = dwcp_pace_timer_fn;
	dsk->frame_size = DWCP_DEFAULT_FRAME;
	dsk->peer_max_frame = DWCP_DEFAULT_FRAME;
	dwcp_measure_init(dsk);
	dwcp_tcp_init_sock(dsk);
}

/**
 * dwcp_session_alloc() - the stream slots of a session about to start
 * @dsk: the socket, before dwcp_session_start()
 * @nstreams: at least the slots the handshake will grant,
 *	1..DWCP_MAX_STREAMS
 *
 * Called before our last word of the handshake (the client's HELLO, the
 * server's HELLO_ACK), so that a host short of memory refuses the session
 * instead of starting it with fewer slots than the peer was told (its joins
 * to the others would all be declined).  The session has no slots in use
 * (nstreams 0) until dwcp_session_start().
 *
 * Context: process, the socket lock held.
 * Return: 0, or -ENOMEM.
 */
int dwcp_session_alloc(struct dwcp_sock *dsk, u16 nstreams)
{
	dsk->streams = kvcalloc(nstreams, sizeof(*dsk->streams), GFP_KERNEL);
	dsk->cands = kvcalloc(nstreams, sizeof(*dsk->cands), GFP_KERNEL);
	if (!dsk->streams || !dsk->cands) {
		kvfree(dsk->streams);
		kvfree(dsk->cands);
		dsk->streams = NULL;
		dsk->cands = NULL;
		return -ENOMEM;
	}
	return 0;
}

/**
 * dwcp_session_start() - the handshake succeeded: the session is established
 * @dsk: the socket, its slots allocated by dwcp_session_alloc()
 * @nstreams: slots granted, at most those allocated
 * @active: of them to use, 1..@nstreams
 *
 * Context: process, the socket lock held.
 */
void dwcp_session_start(struct dwcp_sock *dsk, u16 nstreams, u16 active)
{
	struct sock *sk = &dsk->sk;
	u16 i;

	dsk->nstreams = nstreams;
	dsk->active = clamp_t(u16, active, 1, nstreams);
	dwcp_peer_warm_start(dsk);	/* before any stream takes a cc */
	for (i = 0; i < nstreams; i++)
		dwcp_stream_slot_init(dsk, i);
	if (sk->sk_type == SOCK_SEQPACKET)
		dwcp_rec_init(dsk);
	dsk->alive = true;
	sock_hold(sk);			/* the session reference */
	dsk->ack_now = true;		/* tell the peer our window */
	dsk->refill_ns = ktime_get_ns();
	dsk->st.dwci_streams_total = dsk->active;
	sk->sk_state = DWCP_STATE_ESTABLISHED;
	sk->sk_state_change(sk);
	dwcp_mode_transport(dsk);	/* a warm or forced start, say */
	for (i = 1; i < dsk->active; i++)
		dwcp_join_schedule(&dsk->streams[i]);
	sock_hold(sk);
	if (!queue_delayed_work(dwcp_wq, &dsk->tick_work, DWCP_TICK))
		sock_put(sk);
}

/*
 * What a queued frame costs, charged to the send buffer: its payload buffer
 * and bookkeeping, so that tiny writes cannot queue frames without bound.
 */
static int dwcp_txframe_charge(const struct dwcp_txframe *f)
{
	return sizeof(*f) + dwcp_buf_cap(f->len);
}

static bool dwcp_txframe_small(const struct dwcp_txframe *f)
{
	return f->app_len < DWCP_SMALL_FRAME;
}

static void dwcp_txframe_free(struct dwcp_sock *dsk, struct dwcp_txframe *f)
{
	sk_wmem_queued_add(&dsk->sk, -dwcp_txframe_charge(f));
	if (f->sent && dwcp_txframe_small(f))
		dsk->small_unacked--;
	list_del(&f->list);
	dwcp_buf_free(&dsk->tx_bufs, f->data, f->len, dwcp_tx_spare_room(dsk));
	kfree(f);
}

/*
 * Free the frames the session holds: everything to send and waiting for
 * order; with @rx_ready also what the application has not read yet.
 */
static void dwcp_session_purge(struct dwcp_sock *dsk, bool rx_ready)
{
	struct dwcp_rxbuf *rb, *rtmp;
	struct dwcp_txframe *f, *tmp;

	list_for_each_entry_safe(f, tmp, &dsk->tx_queue, list)
		dwcp_txframe_free(dsk, f);
	list_for_each_entry_safe(f, tmp, &dsk->tx_inflight, list)
		dwcp_txframe_free(dsk, f);
	dwcp_reorder_purge(&dsk->reorder);
	dsk->rx_pinned = 0;
	list_for_each_entry_safe(rb, rtmp, &dsk->rx_ready, list) {
		if (rx_ready) {
			list_del(&rb->list);
			dwcp_rxbuf_free(rb);
		} else {
			dsk->rx_pinned += rb->seg_cost;	/* still to read */
		}
	}
	if (rx_ready) {
		dsk->rx_ready_bytes = 0;
		dsk->rx_held_bytes = 0;
		WRITE_ONCE(dsk->rx_wanted, NULL);
	}
}

/* Stop everything that could run for the session; drop "alive". */
static void dwcp_session_stop(struct dwcp_sock *dsk, bool abort)
{
	struct sock *sk = &dsk->sk;
	u16 i;

	if (!dsk->alive)
		return;
	dsk->alive = false;
	dwcp_token_del(dsk);
	for (i = 0; i < dsk->nstreams; i++) {
		struct dwcp_stream *st = &dsk->streams[i];

		st->cur = NULL;
		dwcp_stream_detach(st, abort);
	}
	/* A graceful end keeps the received data for the application. */
	dwcp_session_purge(dsk, abort);
	/* the only place: spares are kept only while alive (*_spare_room()) */
	dwcp_bufcache_drain(&dsk->tx_bufs);
	dwcp_bufcache_drain(&dsk->rx_bufs);
	hrtimer_cancel(&dsk->pace_timer);
	sk->sk_state = DWCP_STATE_CLOSED;
	sk->sk_shutdown = SHUTDOWN_MASK;
	sk->sk_state_change(sk);
	sk->sk_write_space(sk);
	/* Callers hold their own reference: this is never the last one. */
	sock_put(sk);
}

/**
 * dwcp_session_abort() - end the session now, losing what is in flight
 * @dsk: the session
 * @err: positive errno the application sees (ECONNRESET, ETIMEDOUT, ...)
 *
 * Context: the socket lock held, and a reference of the caller's own.
 */
void dwcp_session_abort(struct dwcp_sock *dsk, int err)
{
	if (!dsk->alive)
		return;
	dwcp_count(sock_net(&dsk->sk), DWCP_MIB_SESSIONS_ABORTED);
	dsk->sk.sk_err = err;
	dwcp_session_stop(dsk, true);
	sk_error_report(&dsk->sk);
}

/* Any stream up that is not half-closed (retiring)? */
static bool dwcp_streams_can_send(const struct dwcp_sock *dsk)
{
	u16 i;

	for (i = 0; i < dsk->nstreams; i++)
		if (dsk->streams[i].up && !dsk->streams[i].retiring)
			return true;
	return false;
}

/**
 * dwcp_session_reset() - abort the session, and tell the peer
 * @dsk: the session
 * @err: positive errno, as for dwcp_session_abort()
 *
 * As TCP's reset: what is queued is dropped and the peer's session ends
 * with ECONNRESET, not after DWCP_NO_STREAM_TIMEOUT of waiting for the
 * streams it would take for failed.  Each stream finishes the frame it is
 * writing and sends a RESET (protocol.md "Reset"); the session lives on,
 * reading and dropping, until the peer has reset every stream in answer or
 * DWCP_RESET_TIMEOUT passed, then aborts.  A peer without DWCP_CAP_RESET,
 * or no stream up: dwcp_session_abort() at once.
 *
 * Context: the socket lock held, and a reference of the caller's own.
 */
void dwcp_session_reset(struct dwcp_sock *dsk, int err)
{
	if (!dsk->alive || dsk->resetting)
		return;
	if (!dsk->peer_reset || !dwcp_streams_can_send(dsk)) {
		dwcp_session_abort(dsk, err);
		return;
	}
	dwcp_frame_build(&dsk->reset_hdr, DWCP_FRAME_RESET, 0, 0, 0, NULL);
	dsk->resetting = true;
	dsk->closing = true;
	dsk->orphan_end = jiffies + DWCP_RESET_TIMEOUT;
	dsk->sk.sk_err = err;
	sk_error_report(&dsk->sk);
	dwcp_io_kick(dsk);
}

/* A resetting session's writing: the RESETs, nothing else. */
static void dwcp_reset_tx(struct dwcp_sock *dsk)
{
	u16 i;

	for (i = 0; i < dsk->nstreams; i++) {
		struct dwcp_stream *st = &dsk->streams[i];
		int err;

		if (!st->up || st->reset_sent)
			continue;
		if (st->retiring) {	/* half-closed: nothing more goes on it */
			dwcp_stream_detach(st, true);
			continue;
		}
		err = dwcp_stream_send_reset(st);
		if (!err)
			st->reset_sent = true;
		else if (err != -EAGAIN)
			dwcp_stream_detach(st, true);
	}
}

/**
 * dwcp_session_destruct() - free what a dead session still holds
 * @dsk: the session, unreferenced
 */
void dwcp_session_destruct(struct dwcp_sock *dsk)
{
	dwcp_session_purge(dsk, true);
	dwcp_rec_destroy(dsk);
	dwcp_zframe_destroy(dsk);
	kvfree(dsk->streams);
	dsk->streams = NULL;
	kvfree(dsk->cands);
	dsk->cands = NULL;
}

/* Put @f back in the send queue, in sequence order. */
static void dwcp_requeue(struct dwcp_sock *dsk, struct dwcp_txframe *f)
{
	struct dwcp_txframe *pos;

	list_del(&f->list);
	f->stream = -1;
	list_for_each_entry(pos, &dsk->tx_queue, list)
		if (pos->seq > f->seq) {
			list_add_tail(&f->list, &pos->list);
			return;
		}
	list_add_tail(&f->list, &dsk->tx_queue);
}

/*
 * The stream goes away: what it carried and the peer has not acknowledged
 * goes out again on the others (the receiver drops what it already has).
 */
static void dwcp_stream_take_back(struct dwcp_stream *st)
{
	struct dwcp_sock *dsk = st->dsk;
	struct dwcp_txframe *f, *tmp;

	st->cur = NULL;
	list_for_each_entry_safe(f, tmp, &dsk->tx_inflight, list)
		if (f->stream == st->index)
			dwcp_requeue(dsk, f);
	/* A FIN or ack that went down with it is sent again. */
	if (dsk->fin_sent && dsk->snd_una <= dsk->fin_seq)
		dsk->fin_sent = false;
	dsk->ack_now = true;
}

/* No stream left: the session gives up unless one comes back in time. */
static void dwcp_session_streams_gone(struct dwcp_sock *dsk)
{
	if (!dsk->st.dwci_streams_up && !dsk->deadline)
		dsk->deadline = jiffies + DWCP_NO_STREAM_TIMEOUT;
}

/**
 * dwcp_session_stream_down() - a stream failed: resend its frames elsewhere
 * @st: the stream
 * @err: why (negative errno), for the record
 *
 * Context: the socket lock held.
 */
void dwcp_session_stream_down(struct dwcp_stream *st, int err)
{
	struct dwcp_sock *dsk = st->dsk;

	if (!st->up)
		return;
	if (dsk->resetting) {	/* the peer's answer to the RESET, or none */
		dwcp_stream_detach(st, true);
		return;
	}
	dsk->st.dwci_stream_failures++;
	dwcp_count(sock_net(&dsk->sk), DWCP_MIB_STREAM_FAILURES);
	dwcp_stream_take_back(st);
	dwcp_stream_detach(st, true);
	dwcp_nl_notify_stream(st, DWCP_CMD_STREAM_DOWN, err);
	dwcp_session_streams_gone(dsk);
	dwcp_join_schedule(st);
}

/*
 * The peer closed @st cleanly as the session ends.  A frame it was still
 * writing (a retirement can end a stream mid-frame) goes out again on
 * another stream; what the peer acknowledged is simply freed.
 */
static void dwcp_stream_ended(struct dwcp_stream *st)
{
	dwcp_stream_take_back(st);
	dwcp_stream_detach(st, false);
	dwcp_session_streams_gone(st->dsk);
}

/* May the scheduler hand @st frames or control frames? */
static bool dwcp_stream_usable(const struct dwcp_sock *dsk,
			       const struct dwcp_stream *st)
{
	return st->up && !st->retiring && st->index < dsk->active;
}

/*
 * @st ended cleanly (TCP FIN) outside the session's end: on the client a
 * stream it retired (the server may end it in the middle of a frame it was
 * writing), on the server one its client retired (always between frames:
 * a FIN in the middle of one is a stream failure).  Nothing is lost: what
 * it carried unacknowledged goes out again on the others.
 */
static void dwcp_stream_retired(struct dwcp_stream *st)
{
	struct dwcp_sock *dsk = st->dsk;

	dwcp_count(sock_net(&dsk->sk), DWCP_MIB_STREAMS_RETIRED);
	dwcp_stream_take_back(st);
	dwcp_stream_detach(st, false);
	dwcp_session_streams_gone(dsk);
	st->retiring = false;
	dwcp_nl_notify_stream(st, DWCP_CMD_STREAM_DOWN, 0);
	/* wanted again while it was closing */
	st->backoff_ms = 0;
	dwcp_join_schedule(st);
}

/*
 * Client: half-close the surplus streams once they hold no partly written
 * frame; each stays up to read what the server still sends, until its FIN.
 */
static void dwcp_streams_retire(struct dwcp_sock *dsk)
{
	u16 i;

	for (i = dsk->active; dsk->client && i < dsk->nstreams; i++) {
		struct dwcp_stream *st = &dsk->streams[i];

		if (!st->up || st->retiring || st->cur || st->ctl_len)
			continue;
		st->retiring = true;
		st->retire_end = jiffies + DWCP_RETIRE_TIMEOUT;
		kernel_sock_shutdown(st->sock, SHUT_WR);
	}
}

/* Client: a retired stream whose server never closed it is reset. */
static void dwcp_streams_retire_check(struct dwcp_sock *dsk)
{
	bool reset = false;
	u16 i;

	for (i = 0; dsk->alive && i < dsk->nstreams; i++) {
		struct dwcp_stream *st = &dsk->streams[i];

		if (st->up && st->retiring && time_after(jiffies, st->retire_end)) {
			dwcp_session_stream_down(st, -ETIMEDOUT);
			reset = true;
		}
	}
	if (reset)
		dwcp_io_kick(dsk);	/* its frames wait on the others */
}

/**
 * dwcp_session_streams_max() - the most streams a policy may give @dsk
 * @dsk: the session
 *
 * Context: the socket lock held.
 * Return: the granted slots of a connecting session whose application left
 * DWCP_STREAMS to the kernel; 0 otherwise (accepting side, chosen by the
 * application, or not connected).
 */
u16 dwcp_session_streams_max(const struct dwcp_sock *dsk)
{
	return dsk->client && !dsk->want_streams ? dsk->nstreams : 0;
}

/*
 * DWCP_STREAMS on a connected client: the application chooses the count
 * (the policy keeps off it, dwcp_session_streams_max()); 0 hands the count
 * back to the policy and leaves it as it is.
 */
static int dwcp_session_streams_sockopt(struct dwcp_sock *dsk, int val)
{
	int err = val ? dwcp_session_set_streams(dsk, val) : 0;

	if (!err)
		dsk->want_streams = val;
	return err;
}

/**
 * dwcp_session_set_streams() - use @n streams of the session from now on
 * @dsk: the session, connecting side
 * @n: 1..the streams the peer granted
 *
 * Missing streams join (those not already waiting out a backoff at once);
 * surplus ones finish the frame they are writing, half-close and go once
 * the peer closes its side.  No data is lost; what a surplus stream
 * carried unacknowledged is sent again on the others.
 *
 * Context: the socket lock held.
 * Return: 0; -EOPNOTSUPP on the accepting side (only clients open
 * streams); -ENOTCONN before the handshake or after the end; -EINVAL when
 * @n is 0 or above the granted count.
 */
int dwcp_session_set_streams(struct dwcp_sock *dsk, u32 n)
{
	u16 i;

	if (!dsk->client)
		return -EOPNOTSUPP;
	if (!dsk->alive || !dsk->nstreams)
		return -ENOTCONN;
	if (n < 1 || n > dsk->nstreams)
		return -EINVAL;
	dsk->active = n;
	dsk->st.dwci_streams_total = n;
	for (i = 0; i < n; i++) {
		struct dwcp_stream *st = &dsk->streams[i];

		if (!st->up && !st->joining) {
			st->backoff_ms = 0;
			dwcp_join_schedule(st);
		}
	}
	dwcp_io_kick(dsk);		/* the surplus retires from io_work */
	return 0;
}

/**
 * dwcp_session_frame_max() - the largest frame size a policy may give @dsk
 * @dsk: the session
 *
 * Context: the socket lock held.
 * Return: what the peer accepts; 0 when the application chose the size
 * with DWCP_FRAME_SIZE.
 */
u32 dwcp_session_frame_max(const struct dwcp_sock *dsk)
{
	return dsk->want_frame ? 0 : dsk->peer_max_frame;
}

/**
 * dwcp_session_frame_size() - payload bytes per data frame the session sends
 * @dsk: the session
 *
 * Return: its frame size, capped at what the peer accepts.
 */
u32 dwcp_session_frame_size(const struct dwcp_sock *dsk)
{
	return min(dsk->frame_size, dsk->peer_max_frame);
}

/**
 * dwcp_session_set_frame_size() - send data in frames of @n bytes from now
 * @dsk: the session, either side, any state
 * @n: DWCP_MIN_FRAME..DWCP_MAX_FRAME; frames are cut at the smaller of it
 *	and what the peer accepts
 *
 * Frames already queued keep their size: the receiver takes any size up to
 * its limit, so the change needs no word with the peer.
 *
 * Context: the socket lock held.
 * Return: 0, or -EINVAL when @n is out of range.
 */
int dwcp_session_set_frame_size(struct dwcp_sock *dsk, u32 n)
{
	if (n < DWCP_MIN_FRAME || n > DWCP_MAX_FRAME)
		return -EINVAL;
	dsk->frame_size = n;
	return 0;
}

/*
 * The receive buffer the window is made of.  A keyed-record session needs
 * room for two whole chunks, or a chunk bigger than the window would never
 * arrive whole (and its records never be decoded).
 */
static u32 dwcp_rcvbuf(const struct dwcp_sock *dsk)
{
	u32 rcvbuf = READ_ONCE(dsk->sk.sk_rcvbuf);

	return dsk->rec ? max_t(u32, rcvbuf, 2 * (DWCP_HDE_CHUNK_HDR_LEN +
						  DWCP_HDE_MAX_PLAIN)) : rcvbuf;
}

static u32 dwcp_rcv_window(struct dwcp_sock *dsk)
{
	u64 used = dsk->reorder.bytes + dsk->rx_ready_bytes +
		   dsk->rx_held_bytes;
	u32 rcvbuf = dwcp_rcvbuf(dsk);

	return used >= rcvbuf ? 0 : rcvbuf - used;
}

/**
 * dwcp_rx_spare_room() - bytes of freed receive buffers the session may keep
 * @dsk: the session, locked
 *
 * Return: what the receive buffer has free (see buf.c); 0 once the
 * session ended (no more frames come).
 */
u64 dwcp_rx_spare_room(struct dwcp_sock *dsk)
{
	return dsk->alive ? dwcp_rcv_window(dsk) : 0;
}

/**
 * dwcp_tx_spare_room() - bytes of freed send buffers the session may keep
 * @dsk: the session, locked
 *
 * Return: what the send buffer has free (see buf.c); 0 once the session
 * ended.
 */
u64 dwcp_tx_spare_room(struct dwcp_sock *dsk)
{
	int room = READ_ONCE(dsk->sk.sk_sndbuf) - dsk->sk.sk_wmem_queued;

	return dsk->alive ? max(room, 0) : 0;
}

/*
 * Payload checks left to the reader (DWCP_FRAME_F_PCRC).  Where the copy to
 * user space runs the CRC in the same pass (crc.c), a plain data frame left
 * in skbs is checked there instead of in a pass of its own on arrival, as
 * UDP leaves a checksum the device did not check to the copy: the receive
 * path then reads each byte once, as TCP's does.  Such a frame is not
 * acknowledged before its check, so the sender still has it when it fails,
 * and sends it again when asked (DWCP_FRAME_RESEND).  One that waits for
 * the reader longer than a grace is checked by the tick, so that neither
 * acknowledgements nor a closing peer wait on the application.
 */
#define DWCP_RX_CHECK_GRACE	HZ
/* A RESEND not answered is sent again after 1, 2, 4, ... 8 s. */
#define DWCP_RX_RESEND_WAIT_MAX	(8 * HZ)
/* The reader's checks move the ack this far, or to the end: it goes out. */
#define DWCP_RX_ACK_EVERY	(4 * DWCP_DEFAULT_FRAME)

/* Sequence number of the next byte the application reads. */
static u64 dwcp_rx_read_pos(const struct dwcp_sock *dsk)
{
	return dsk->reorder.rcv_nxt - dsk->rx_ready_bytes - dsk->rx_held_bytes;
}

/* May @rb's payload check wait for the reader? */
static bool dwcp_rx_may_defer(const struct dwcp_sock *dsk,
			      const struct dwcp_rxbuf *rb)
{
	return rb && !rb->data && dsk->peer_pcrc && dwcp_copy_fused() &&
	       !dsk->rx_wanted && !dsk->closing && !dsk->rd_shutdown &&
	       !dsk->peer_fin && rb->seq >= dwcp_rx_read_pos(dsk);
}

/* Where the checked bytes end: at the first frame unchecked or wanted. */
static u64 dwcp_rx_checked_to(const struct dwcp_sock *dsk)
{
	const struct dwcp_rxbuf *rb;

	if (dsk->rx_unchecked_end <= dwcp_rx_read_pos(dsk) && !dsk->rx_wanted)
		return dsk->reorder.rcv_nxt;
	list_for_each_entry(rb, &dsk->rx_ready, list) {
		if (rb->check != DWCP_RX_CHECKED)
			return rb->seq;
		if (rb->seq >= dsk->rx_unchecked_end)
			break;		/* all checked on arrival from here */
	}
	return dsk->reorder.rcv_nxt;
}

/*
 * The cumulative ack: next byte expected, plus one once the FIN is in; not
 * past a payload still to check.
 */
static u64 dwcp_ack_seq(struct dwcp_sock *dsk)
{
	u64 ack = dwcp_rx_checked_to(dsk);

	if (dsk->peer_fin && ack == dsk->peer_fin_seq)
		ack++;
	return ack;
}

/**
 * dwcp_queue_ctl() - queue a control frame on the least loaded stream up
 * @dsk: the session
 * @type: enum dwcp_frame_type, one without payload
 * @seq: its seq field
 * @aux: its aux field
 *
 * Context: the socket lock held.
 *
 * Return: true if queued; false when no stream that is up has room (the
 * caller tries again later).
 */
bool dwcp_queue_ctl(struct dwcp_sock *dsk, u8 type, u64 seq, u32 aux)
{
	struct dwcp_stream *best = NULL;
	u32 best_q = U32_MAX;
	u16 i;

	for (i = 0; i < dsk->nstreams; i++) {
		struct dwcp_stream *st = &dsk->streams[i];
		u32 q;

		if (!dwcp_stream_usable(dsk, st) ||
		    st->ctl_len + DWCP_FRAME_HDR_LEN > sizeof(st->ctl))
			continue;
		q = READ_ONCE(st->sock->sk->sk_wmem_queued) +
		    (st->cur ? DWCP_FRAME_HDR_LEN + st->cur->len : 0);
		if (q < best_q) {
			best_q = q;
			best = st;
		}
	}
	if (!best)
		return false;
	dwcp_frame_build((struct dwcp_frame_hdr *)(best->ctl + best->ctl_len),
			 type, 0, seq, aux, NULL);
	best->ctl_len += DWCP_FRAME_HDR_LEN;
	return true;
}

/*
 * The window offered: from the ack, so that it ends where it would if
 * every byte in were checked (a payload the reader checks holds back the
 * ack, not the sender).
 */
static u32 dwcp_ack_window(struct dwcp_sock *dsk, u64 ack)
{
	u64 wnd = dwcp_rcv_window(dsk);

	if (ack < dsk->reorder.rcv_nxt)
		wnd += dsk->reorder.rcv_nxt - ack;
	return min_t(u64, wnd, U32_MAX);
}

static void dwcp_maybe_ack(struct dwcp_sock *dsk)
{
	u64 ack = dwcp_ack_seq(dsk);
	u32 wnd = dwcp_ack_window(dsk, ack);
	u32 quarter = dwcp_rcvbuf(dsk) / 4;

	if (dsk->rx_wanted && !dsk->resend_queued &&
	    dwcp_queue_ctl(dsk, DWCP_FRAME_RESEND, dsk->rx_wanted->seq, 0)) {
		dsk->resend_queued = true;
		dsk->resend_time = jiffies;
	}
	dwcp_rec_send_ctl(dsk, dsk->ack_now);
	if (!dsk->ack_now && ack == dsk->ack_sent &&
	    wnd < dsk->wnd_sent + quarter)
		return;
	if (dwcp_queue_ctl(dsk, DWCP_FRAME_ACK, ack, wnd)) {
		dsk->ack_sent = ack;
		dsk->wnd_sent = wnd;
		dsk->rcvbuf_sent = max(dsk->rcvbuf_sent, dwcp_rcvbuf(dsk));
		dsk->ack_now = false;
	}
}

static int dwcp_protocol_error(struct dwcp_sock *dsk)
{
	dwcp_count(sock_net(&dsk->sk), DWCP_MIB_PROTOCOL_ERRORS);
	dwcp_session_abort(dsk, EPROTO);
	return -EPROTO;
}

/*
 * An in-order small frame joins the last one waiting for the application
 * when that has room (buf.c sizes), so a reader behind a peer's small
 * writes holds their bytes, not a frame's bookkeeping per write.
 */
static bool dwcp_ready_coalesce(struct dwcp_sock *dsk, struct dwcp_rxbuf *rb)
{
	struct dwcp_rxbuf *tail;

	if (rb->len >= DWCP_SMALL_FRAME || !rb->data ||
	    list_empty(&dsk->rx_ready))
		return false;
	tail = list_last_entry(&dsk->rx_ready, struct dwcp_rxbuf, list);
	if (!tail->data || tail->len + rb->len > dwcp_buf_cap(tail->len))
		return false;
	memcpy(tail->data + tail->len, rb->data, rb->len);
	tail->len += rb->len;
	dwcp_rxbuf_free(rb);
	return true;
}

/*
 * The frame the reader asked for again came (checked on arrival: nothing is
 * deferred while one is wanted): its payload goes into the waiting buffer,
 * and what came after it becomes readable.
 */
static bool dwcp_rx_fill_wanted(struct dwcp_sock *dsk, struct dwcp_rxbuf *rb)
{
	struct dwcp_rxbuf *w = dsk->rx_wanted;

	if (!w || rb->seq != w->seq || rb->len != w->len ||
	    rb->check != DWCP_RX_CHECKED)
		return false;
	swap(w->data, rb->data);
	skb_queue_splice_init(&rb->segs, &w->segs);
	swap(w->seg_cost, rb->seg_cost);
	dsk->rx_pinned += w->seg_cost;
	w->check = DWCP_RX_CHECKED;
	dwcp_rxbuf_free(rb);
	WRITE_ONCE(dsk->rx_wanted, NULL);
	WRITE_ONCE(dsk->rx_ready_bytes,
		   dsk->rx_ready_bytes + dsk->rx_held_bytes);
	dsk->rx_held_bytes = 0;
	dsk->ack_now = true;
	dsk->sk.sk_data_ready(&dsk->sk);
	return true;
}

/*
 * A payload failed its check after arrival (@rb in rx_ready, none of it
 * read): drop it and ask the sender for the frame again.  Its bytes and
 * those after it wait until it comes; none of them was acknowledged.  The
 * session is alive: it ends only once everything is checked (or aborts).
 */
static void dwcp_rx_payload_bad(struct dwcp_sock *dsk, struct dwcp_rxbuf *rb)
{
	u64 held = dsk->reorder.rcv_nxt - rb->seq;

	dwcp_count(sock_net(&dsk->sk), DWCP_MIB_DATA_CRC_ERRORS);
	dsk->rx_pinned -= rb->seg_cost;
	dwcp_rxbuf_drop_payload(rb);
	rb->check = DWCP_RX_WANTED;
	WRITE_ONCE(dsk->rx_wanted, rb);
	dsk->resend_queued = false;
	WRITE_ONCE(dsk->rx_ready_bytes, dsk->rx_ready_bytes - held);
	dsk->rx_held_bytes += held;
	dsk->resend_wait = DWCP_RX_CHECK_GRACE;
	dwcp_io_kick(dsk);
}

/*
 * Check the payloads in rx_ready left to the reader that start before
 * @end, as far as a wanted frame.  Returns true if it checked any.
 */
static bool dwcp_rx_check_before(struct dwcp_sock *dsk, u64 end)
{
	struct dwcp_rxbuf *rb;
	bool checked = false;

	list_for_each_entry(rb, &dsk->rx_ready, list) {
		if (rb->seq >= end || rb->check == DWCP_RX_WANTED)
			break;
		if (rb->check == DWCP_RX_CHECKED)
			continue;
		if (dwcp_rxbuf_check_payload(rb)) {
			dwcp_rx_payload_bad(dsk, rb);
			break;
		}
		checked = true;
	}
	return checked;
}

/*
 * The reader's end of data: the FIN is in and nothing is wanted again, or
 * the application shut reading down.
 */
static bool dwcp_rx_eof(const struct dwcp_sock *dsk)
{
	return READ_ONCE(dsk->sk.sk_shutdown) & RCV_SHUTDOWN &&
	       (!READ_ONCE(dsk->rx_wanted) || READ_ONCE(dsk->rd_shutdown));
}

static int dwcp_rx_data(struct dwcp_sock *dsk, struct dwcp_rxbuf *rb)
{
	struct sock *sk = &dsk->sk;
	bool woke = false;
	int err;

	dsk->st.dwci_frames_received++;
	if (dsk->peer_fin && rb->seq + rb->len > dsk->peer_fin_seq) {
		dwcp_rxbuf_free(rb);
		return dwcp_protocol_error(dsk);
	}
	err = dwcp_reorder_add(&dsk->reorder, rb);
	if (err == -EEXIST && dwcp_rx_fill_wanted(dsk, rb))
		return 0;
	if (err == -EEXIST) {
		dsk->st.dwci_frames_dup++;
		dwcp_rxbuf_free(rb);
		dsk->ack_now = true;	/* the peer missed our ack */
		return 0;
	}
	if (err) {
		dwcp_rxbuf_free(rb);
		return dwcp_protocol_error(dsk);
	}
	dsk->rx_pinned += rb->seg_cost;
	if (rb->check == DWCP_RX_UNCHECKED)
		dsk->rx_unchecked_end = max(dsk->rx_unchecked_end,
					    rb->seq + rb->len);
	/*
	 * A peer that ignores our window would make us buffer without end.
	 * The sender keeps the widest window it was offered (dwcp_peer_edge()),
	 * so an SO_RCVBUF shrunk since holds what the larger one let in.
	 */
	if (dsk->reorder.bytes + dsk->rx_ready_bytes + dsk->rx_held_bytes >
	    2ULL * max(dwcp_rcvbuf(dsk), dsk->rcvbuf_sent) + DWCP_MAX_FRAME)
		return dwcp_protocol_error(dsk);
	dsk->st.dwci_reorder_bytes_max = max(dsk->st.dwci_reorder_bytes_max,
					     dsk->reorder.bytes);
	/* Small frames out of order: the sender keeps fewer unacked. */
	if (dsk->reorder.small > DWCP_MAX_SMALL_UNACKED)
		return dwcp_protocol_error(dsk);
	while ((rb = dwcp_reorder_pop(&dsk->reorder))) {
		u32 len = rb->len;

		rb->off = 0;
		if (!dwcp_ready_coalesce(dsk, rb))
			list_add_tail(&rb->list, &dsk->rx_ready);
		if (dsk->rx_wanted)
			dsk->rx_held_bytes += len;
		else
			WRITE_ONCE(dsk->rx_ready_bytes,
				   dsk->rx_ready_bytes + len);
		woke = true;
	}
	if (dsk->peer_fin && dsk->reorder.rcv_nxt == dsk->peer_fin_seq) {
		sk->sk_shutdown |= RCV_SHUTDOWN;
		woke = true;
	}
	if (woke && dsk->peer_fin)	/* a gap filled after the FIN */
		dwcp_rx_check_before(dsk, U64_MAX);
	if (woke) {
		dwcp_rec_rx_update(dsk);
		sk->sk_data_ready(sk);
	}
	return 0;
}

static void dwcp_rx_ack(struct dwcp_sock *dsk, u64 ack, u32 wnd)
{
	u64 limit = dsk->snd_nxt + (dsk->fin_queued ? 1 : 0);
	struct dwcp_txframe *f, *tmp;
	bool freed = false;

	if (ack > limit) {
		dwcp_protocol_error(dsk);
		return;
	}
	if (ack > dsk->snd_una) {
		dsk->st.dwci_bytes_acked += min(ack, dsk->snd_nxt) -
					    min(dsk->snd_una, dsk->snd_nxt);
		dsk->snd_una = ack;
		list_for_each_entry_safe(f, tmp, &dsk->tx_inflight, list) {
			if (f->seq + f->app_len > ack)
				continue;
			if (f->stream >= 0 && dsk->streams[f->stream].cur == f) {
				f->acked = true;	/* freed when written */
				continue;
			}
			dwcp_txframe_free(dsk, f);
			freed = true;
		}
		/* tx_queue is in sequence order: stop at the first unacked */
		list_for_each_entry_safe(f, tmp, &dsk->tx_queue, list) {
			if (f->seq + f->app_len > ack)
				break;
			dwcp_txframe_free(dsk, f);
			freed = true;
		}
	}
	dsk->peer_edge = dwcp_peer_edge(dsk->peer_edge, ack, wnd);
	if (freed)
		dsk->sk.sk_write_space(&dsk->sk);
}

/*
 * The peer asks again for the DWCP_FRAME_F_PCRC frame at @seq (its payload
 * failed the check after arrival): unacknowledged, so still here.  One
 * being written again, or queued to be, is on its way already; one
 * acknowledged since came again by other means (a stream's failure, an
 * earlier ask) while this ask was on its way.
 */
static int dwcp_rx_resend(struct dwcp_sock *dsk, u64 seq)
{
	struct dwcp_txframe *f;

	if (seq >= dsk->snd_nxt)
		return dwcp_protocol_error(dsk);
	list_for_each_entry(f, &dsk->tx_inflight, list) {
		if (f->seq != seq || !dwcp_frame_pcrc(&f->hdr))
			continue;
		if (f->stream < 0 || dsk->streams[f->stream].cur != f)
			dwcp_requeue(dsk, f);
		break;
	}
	return 0;
}

static void dwcp_rx_fin(struct dwcp_sock *dsk, u64 seq)
{
	if (dsk->peer_fin) {
		if (seq != dsk->peer_fin_seq)
			dwcp_protocol_error(dsk);
		dsk->ack_now = true;
		return;
	}
	if (seq < dsk->reorder.rcv_nxt) {
		dwcp_protocol_error(dsk);
		return;
	}
	dsk->peer_fin = true;
	dsk->peer_fin_seq = seq;
	dsk->ack_now = true;
	/*
	 * Its last data is in or on the way: check what waits for the reader
	 * now, so that the final ack (the peer's close, its linger) does not
	 * wait on the application; nothing more is deferred.
	 */
	dwcp_rx_check_before(dsk, U64_MAX);
	if (dsk->reorder.rcv_nxt == seq) {
		dsk->sk.sk_shutdown |= RCV_SHUTDOWN;
		dsk->sk.sk_data_ready(&dsk->sk);
	}
}

/* One complete frame from stream @st. */
static int dwcp_rx_frame(struct dwcp_stream *st)
{
	struct dwcp_sock *dsk = st->dsk;
	struct dwcp_frame_hdr *h = &st->rx_hdr;
	struct dwcp_rxbuf *rb = st->rx_buf;

	st->rx_buf = NULL;
	st->rx_hdr_got = 0;
	st->rx_got = 0;
	if (dwcp_rxbuf_check_crc(h, rb, dwcp_rx_may_defer(dsk, rb))) {
		dwcp_rxbuf_free(rb);
		if (dsk->alive)
			dwcp_count(sock_net(&dsk->sk),
				   DWCP_MIB_DATA_CRC_ERRORS);
		return -EBADMSG;	/* corrupted on this stream: drop it */
	}

	/* resetting: read only so that TCP does not reset; a RESET still ends
	 * it (both ends reset at once)
	 */
	if (dsk->resetting && h->type != DWCP_FRAME_RESET) {
		dwcp_rxbuf_free(rb);
		return 0;
	}
	switch (h->type) {
	case DWCP_FRAME_DATA:
		if (h->flags == cpu_to_be16(DWCP_FRAME_F_ZSTD)) {
			rb = dwcp_zframe_decompress(dsk, rb, be32_to_cpu(h->aux));
			if (IS_ERR(rb) && PTR_ERR(rb) == -EBADMSG)
				return dwcp_protocol_error(dsk);
			if (IS_ERR(rb)) {
				dwcp_session_abort(dsk, ENOMEM);
				return -ENOMEM;
			}
		}
		return dwcp_rx_data(dsk, rb);
	case DWCP_FRAME_ACK:
		dwcp_rx_ack(dsk, be64_to_cpu(h->seq), be32_to_cpu(h->aux));
		return 0;
	case DWCP_FRAME_FIN:
		dwcp_rx_fin(dsk, be64_to_cpu(h->seq));
		return 0;
	case DWCP_FRAME_RESET:
		dwcp_count(sock_net(&dsk->sk), DWCP_MIB_PEER_RESETS);
		dwcp_session_abort(dsk, ECONNRESET);
		return 0;
	case DWCP_FRAME_RESEND:
		return dwcp_rx_resend(dsk, be64_to_cpu(h->seq));
	case DWCP_FRAME_REC_ACK:
		if (dwcp_rec_rx_ack(dsk, be64_to_cpu(h->seq)))
			return dwcp_protocol_error(dsk);
		return 0;
	case DWCP_FRAME_RESYNC:
		if (dwcp_rec_rx_resync(dsk, be64_to_cpu(h->seq),
				       be32_to_cpu(h->aux)) == -EPROTO)
			return dwcp_protocol_error(dsk);
		return 0;
	default:
		dwcp_rxbuf_free(rb);
		return dwcp_protocol_error(dsk);
	}
}

/*
 * What a read pass of @st reports: the bytes it consumed while TCP merely
 * has no more now, but EOF or an error at once even after some bytes (the
 * frames read before are processed; a partial one goes with the stream).
 * TCP wakes us once for its FIN, and that wakeup's read event is spent: a
 * pass that read the last bytes and then the FIN and reported only the
 * bytes left the stream waiting for a wakeup that never comes (a retired
 * stream's server never closed its side).
 */
static int dwcp_rx_result(int done, int err)
{
	return err == -EAGAIN && done ? done : err;
}

/*
 * A plain data frame of 4 KiB or more of a byte stream stays in TCP's skbs
 * until the reader copies it out (one copy on the receive path, as TCP
 * has, instead of two).  Compressed frames are decompressed, small ones
 * packed together and keyed records decoded, so they get a buffer of their
 * own.  A plain frame is copied too (and counted) while the session holds
 * skbs worth DWCP_RX_PIN_BUFS receive buffers, and during a stream's copy
 * run after a frame came in too many pieces (paced, lossy paths without
 * GRO: the pieces would be gathered only to be copied).
 */
static struct dwcp_rxbuf *dwcp_rx_payload_buf(struct dwcp_stream *st)
{
	struct dwcp_sock *dsk = st->dsk;
	const struct dwcp_frame_hdr *h = &st->rx_hdr;
	u32 len = be32_to_cpu(h->len);
	u64 seq = be64_to_cpu(h->seq);

	if (h->type != DWCP_FRAME_DATA || (h->flags && !dwcp_frame_pcrc(h)) ||
	    len < DWCP_SMALL_FRAME || dsk->sk.sk_type != SOCK_STREAM)
		return dwcp_rxbuf_alloc(&dsk->rx_bufs, seq, len);
	if (!st->rx_copy_next &&
	    dsk->rx_pinned < (u64)DWCP_RX_PIN_BUFS * dwcp_rcvbuf(dsk))
		return dwcp_rxbuf_alloc_segs(seq, len);
	if (st->rx_copy_next)
		st->rx_copy_next--;
	dwcp_count(sock_net(&dsk->sk), DWCP_MIB_RX_FRAMES_COPIED);
	return dwcp_rxbuf_alloc(&dsk->rx_bufs, seq, len);
}

/*
 * Read more of the current frame's payload; 0 once it is all there.  One
 * in too many pieces (behind urgent data, or short of memory for a clone)
 * is copied, and the rest read into the copy; the stream's next copy run
 * is twice the last.
 */
static int dwcp_rx_payload(struct dwcp_stream *st)
{
	struct dwcp_rxbuf *rb = st->rx_buf;
	int err;

	if (!rb->data) {
		err = dwcp_stream_recv_segs(st, rb, &st->rx_got);
		if (!err)
			st->rx_copy_streak = 0;
		if (err != -ENOSPC)
			return err;
		err = dwcp_rxbuf_linearize(&st->dsk->rx_bufs, rb);
		if (err)
			return err;
		dwcp_count(sock_net(&st->dsk->sk), DWCP_MIB_RX_FRAMES_COPIED);
		st->rx_copy_streak = clamp(2 * st->rx_copy_streak, 1,
					   DWCP_RX_COPY_STREAK_MAX);
		st->rx_copy_next = st->rx_copy_streak;
	}
	return dwcp_stream_recv(st, rb->data, rb->len, &st->rx_got);
}

/* Read frames from @st; returns bytes consumed or a negative errno. */
static int dwcp_rx_stream(struct dwcp_stream *st)
{
	struct dwcp_sock *dsk = st->dsk;
	u32 budget = DWCP_IO_BUDGET, len;
	int done = 0, err;

	while (budget && dsk->alive && st->up) {
		if (st->rx_hdr_got < DWCP_FRAME_HDR_LEN) {
			u32 before = st->rx_hdr_got;

			err = dwcp_stream_recv(st, &st->rx_hdr,
					       DWCP_FRAME_HDR_LEN,
					       &st->rx_hdr_got);
			done += st->rx_hdr_got - before;
			if (err)
				return dwcp_rx_result(done, err);
			if (dwcp_frame_check_hdr(&st->rx_hdr, DWCP_MAX_FRAME))
				return -EPROTO;
			len = be32_to_cpu(st->rx_hdr.len);
			if (len) {
				st->rx_buf = dwcp_rx_payload_buf(st);
				if (!st->rx_buf)
					return -ENOMEM;
			}
		}
		len = be32_to_cpu(st->rx_hdr.len);
		if (st->rx_got < len) {
			u32 before = st->rx_got;

			err = dwcp_rx_payload(st);
			done += st->rx_got - before;
			budget -= min(budget, st->rx_got - before);
			if (err)
				return dwcp_rx_result(done, err);
		}
		err = dwcp_rx_frame(st);
		if (err)
			return err;
		budget -= min_t(u32, budget, DWCP_FRAME_HDR_LEN);
	}
	if (!budget)
		set_bit(DWCP_EV_READ, &st->events);	/* more to read */
	return done;
}

/* Write the stream's pending control frames and current frame. */
static int dwcp_stream_flush(struct dwcp_stream *st)
{
	struct dwcp_sock *dsk = st->dsk;
	int err;

	for (;;) {
		struct dwcp_txframe *f = st->cur;

		if (f && (st->cur_off || !st->ctl_len)) {
			err = dwcp_stream_send_frame(st, f, &st->cur_off);
			if (err)
				return err;
			st->cur = NULL;
			st->cur_off = 0;
			if (f->acked)
				dwcp_txframe_free(dsk, f);
			continue;
		}
		if (st->ctl_len) {
			err = dwcp_stream_send(st, st->ctl, st->ctl_len,
					       &st->ctl_off);
			if (err)
				return err;
			st->ctl_len = 0;
			st->ctl_off = 0;
			continue;
		}
		return 0;
	}
}

/**
 * dwcp_pace_burst() - the most pacing tokens a session may save up
 * @rate: pacing rate, bytes/s, not 0
 * @frame_size: the session's frame size now
 * @bytes: the frame about to be sent, header included
 *
 * Two frames or 10 ms worth, whichever is larger, and never less than the
 * frame at hand: one queued before the frame size shrank would otherwise
 * wait for tokens that are capped below its size.
 *
 * Return: the cap in bytes.
 */
u64 dwcp_pace_burst(u64 rate, u32 frame_size, u32 bytes)
{
	return max3(2 * ((u64)DWCP_FRAME_HDR_LEN + frame_size),
		    div_u64(rate, 100), (u64)bytes);
}

/**
 * dwcp_peer_edge() - the right edge of the peer's window after an ack
 * @edge: the edge so far
 * @ack: the ack's cumulative sequence number
 * @wnd: the window it advertises beyond @ack
 *
 * Acks travel on any stream, so two of them can arrive out of order: a
 * window update overtaken by an older ack that said "full" would close
 * the window for good (the receiver believes it reopened it and says
 * nothing more).  So the sender keeps the largest edge, ack + window,
 * it has seen: every edge the receiver offered lies within its buffer
 * beyond what its application had read then, hence within it beyond what
 * it has read now, and the receiver may hold that much.
 *
 * Return: the new edge.
 */
u64 dwcp_peer_edge(u64 edge, u64 ack, u32 wnd)
{
	return max(edge, ack + wnd);
}

/**
 * dwcp_window_allows() - may this data frame go, as far as the peer's
 * window says
 * @seq: the frame's first sequence number
 * @len: the session bytes it carries
 * @resend: it went out before (then it was inside the window already)
 * @snd_una: the first byte the peer has not acknowledged
 * @peer_edge: the right edge of its window (dwcp_peer_edge())
 *
 * New data goes while it fits the window.  A frame that starts at
 * @snd_una also goes whenever the window is open at all: a frame larger
 * than the whole window (a receiver whose SO_RCVBUF is below the sender's
 * frame size) would otherwise never go.  The receiver tolerates one frame
 * beyond its window.
 *
 * Return: true if the frame may be sent now.
 */
bool dwcp_window_allows(u64 seq, u32 len, bool resend, u64 snd_una,
			u64 peer_edge)
{
	if (resend || seq + len <= peer_edge)
		return true;
	return seq == snd_una && peer_edge > snd_una;
}

static bool dwcp_pace_allows(struct dwcp_sock *dsk, u32 bytes)
{
	u64 rate = dsk->pacing_rate, now, burst, wait_ns;

	if (!rate)
		return true;
	now = ktime_get_ns();
	dsk->tokens += mul_u64_u64_div_u64(now - dsk->refill_ns, rate,
					   NSEC_PER_SEC);
	dsk->refill_ns = now;
	burst = dwcp_pace_burst(rate, dsk->frame_size, bytes);
	dsk->tokens = min(dsk->tokens, burst);
	if (dsk->tokens >= bytes) {
		dsk->tokens -= bytes;
		return true;
	}
	wait_ns = div64_u64((bytes - dsk->tokens) * NSEC_PER_SEC, rate);
	if (!hrtimer_active(&dsk->pace_timer))
		hrtimer_start(&dsk->pace_timer, ns_to_ktime(wait_ns),
			      HRTIMER_MODE_REL);
	return false;
}

static int dwcp_pick_stream(struct dwcp_sock *dsk, u32 len)
{
	struct dwcp_sched_cand *c = dsk->cands;
	int n = dsk->nstreams, i, pick;

	/* Every slot, every time: a partial view can miss the only usable one. */
	for (i = 0; i < n; i++) {
		struct dwcp_stream *st = &dsk->streams[i];
		struct sock *tsk;

		c[i].usable = dwcp_stream_usable(dsk, st) && !st->cur &&
			      dwcp_stream_writeable(st);
		if (!c[i].usable)
			continue;
		tsk = st->sock->sk;
		c[i].queued = READ_ONCE(tsk->sk_wmem_queued);
		c[i].rate = READ_ONCE(tsk->sk_pacing_rate);
		if (c[i].rate == ~0UL)
			c[i].rate = 0;
	}
	pick = dwcp_sched_pick(c, n, len, dsk->sched_rr % n);
	if (pick < 0)
		return pick;
	dsk->sched_rr++;
	return pick;
}

/* Hand frames to streams and write what they take; returns progress. */
static bool dwcp_tx(struct dwcp_sock *dsk)
{
	bool progress = false;
	u16 i;
	int err;

	for (i = 0; i < dsk->nstreams && dsk->alive; i++) {
		struct dwcp_stream *st = &dsk->streams[i];

		if (!st->up || (!st->cur && !st->ctl_len))
			continue;
		err = dwcp_stream_flush(st);
		if (err && err != -EAGAIN)
			dwcp_session_stream_down(st, err);
		else if (!err)
			progress = true;
	}

	while (dsk->alive && !list_empty(&dsk->tx_queue)) {
		struct dwcp_txframe *f = list_first_entry(&dsk->tx_queue,
							  struct dwcp_txframe,
							  list);
		struct dwcp_stream *st;
		int idx;

		if (!dwcp_window_allows(f->seq, f->app_len, f->sent,
					dsk->snd_una, dsk->peer_edge))
			break;		/* the peer's window is full */
		if (!f->sent && dwcp_txframe_small(f) &&
		    dsk->small_unacked >= DWCP_MAX_SMALL_UNACKED)
			break;		/* small writes coalesce meanwhile */
		idx = dwcp_pick_stream(dsk, f->len);
		if (idx < 0)
			break;		/* every stream is busy or down */
		if (!dwcp_pace_allows(dsk, DWCP_FRAME_HDR_LEN + f->len))
			break;
		st = &dsk->streams[idx];
		list_move_tail(&f->list, &dsk->tx_inflight);
		if (f->sent) {
			dsk->st.dwci_frames_resent++;
			dwcp_count(sock_net(&dsk->sk), DWCP_MIB_FRAMES_RESENT);
		} else {
			f->sent = true;
			dsk->small_unacked += dwcp_txframe_small(f);
			dsk->st.dwci_frames_sent++;
			dsk->st.dwci_bytes_sent += f->app_len;
		}
		f->stream = idx;
		st->cur = f;
		st->cur_off = 0;
		progress = true;
		err = dwcp_stream_flush(st);
		if (err && err != -EAGAIN)
			dwcp_session_stream_down(st, err);
	}

	if (dsk->alive && dsk->fin_queued && !dsk->fin_sent &&
	    list_empty(&dsk->tx_queue) && dwcp_rec_fin_ready(dsk) &&
	    dwcp_queue_ctl(dsk, DWCP_FRAME_FIN, dsk->fin_seq, 0)) {
		dsk->fin_sent = true;
		progress = true;
	}
	return progress;
}

/*
 * Our FIN is out and the peer's data is all in, and checked: the peer may
 * now close its streams, and a clean TCP close is no failure.
 */
static bool dwcp_session_ending(struct dwcp_sock *dsk)
{
	return dsk->fin_sent && dsk->peer_fin &&
	       dwcp_rx_checked_to(dsk) == dsk->peer_fin_seq;
}

/* Both directions finished and acknowledged: close the streams. */
static bool dwcp_session_done(struct dwcp_sock *dsk)
{
	return dsk->fin_queued && dsk->snd_una == dsk->fin_seq + 1 &&
	       dsk->peer_fin && dsk->reorder.rcv_nxt == dsk->peer_fin_seq &&
	       dsk->ack_sent == dsk->peer_fin_seq + 1;
}

static void dwcp_io(struct dwcp_sock *dsk)
{
	bool more = true;
	int pass, err;
	u16 i;

	for (pass = 0; pass < DWCP_IO_PASSES && more && dsk->alive; pass++) {
		more = false;
		if (!dsk->resetting)
			dwcp_rec_tx_idle(dsk);
		for (i = 0; i < dsk->nstreams && dsk->alive; i++) {
			struct dwcp_stream *st = &dsk->streams[i];

			if (!st->up)
				continue;
			if (test_and_clear_bit(DWCP_EV_STATE, &st->events)) {
				int state = READ_ONCE(st->sock->sk->sk_state);

				/* half-closed on purpose: reading tells EOF from error */
				if (st->retiring) {
					set_bit(DWCP_EV_READ, &st->events);
				} else if (state != TCP_ESTABLISHED &&
					 state != TCP_CLOSE_WAIT) {
					dwcp_session_stream_down(st, -ECONNRESET);
					continue;
				}
			}
			if (!test_and_clear_bit(DWCP_EV_READ, &st->events))
				continue;
			err = dwcp_rx_stream(st);
			if (err > 0)
				more = true;
			else if (dsk->resetting && err && err != -EAGAIN)
				dwcp_stream_detach(st, true);	/* answered */
			else if (err == -ESHUTDOWN && dwcp_session_ending(dsk))
				dwcp_stream_ended(st);
			else if (err == -ESHUTDOWN &&
				 (st->retiring ||
				  (!dsk->client && !st->rx_hdr_got)))
				dwcp_stream_retired(st);
			else if (err && err != -EAGAIN && dsk->alive)
				dwcp_session_stream_down(st, err);
		}
		if (!dsk->alive)
			return;
		if (dsk->resetting) {
			dwcp_reset_tx(dsk);
			continue;
		}
		dwcp_maybe_ack(dsk);
		more |= dwcp_tx(dsk);
		dwcp_streams_retire(dsk);
	}
	if (!dsk->alive)
		return;
	if (dsk->resetting) {
		/* every stream answered (or failed): the peer has it */
		if (!dsk->st.dwci_streams_up)
			dwcp_session_abort(dsk, ECONNRESET);
		else if (more)
			dwcp_io_kick(dsk);
		return;
	}
	if (more)
		dwcp_io_kick(dsk);		/* yield, then go on */
	/* All in and no stream to ask again on: the reader's checks now. */
	if (!dsk->st.dwci_streams_up && dsk->peer_fin &&
	    dsk->reorder.rcv_nxt == dsk->peer_fin_seq)
		dwcp_rx_check_before(dsk, U64_MAX);
	/* Done, or the peer is done and closed every stream. */
	if (dwcp_session_done(dsk) ||
	    (dwcp_session_ending(dsk) && !dsk->st.dwci_streams_up)) {
		for (i = 0; i < dsk->nstreams; i++)
			if (dsk->streams[i].up)
				dwcp_stream_flush(&dsk->streams[i]);
		dwcp_session_stop(dsk, false);
	}
}

/**
 * dwcp_io_work() - the session's protocol engine
 * @work: the session's io_work
 */
void dwcp_io_work(struct work_struct *work)
{
	struct dwcp_sock *dsk = container_of(work, struct dwcp_sock, io_work);

	lock_sock(&dsk->sk);
	if (dsk->alive)
		dwcp_io(dsk);
	release_sock(&dsk->sk);
	sock_put(&dsk->sk);
}

/*
 * Once a grace: the payloads left unchecked since the last one and not read
 * since are checked here, and a frame wanted again is asked for again if
 * it has not come a grace after the ask.
 */
static void dwcp_rx_check_stale(struct dwcp_sock *dsk)
{
	u64 mark = dsk->rx_check_mark;

	/* its RESEND may have gone down with a stream; ask less often */
	if (dsk->rx_wanted && dsk->resend_queued &&
	    time_after_eq(jiffies, dsk->resend_time + dsk->resend_wait)) {
		dsk->resend_queued = false;
		dsk->resend_wait = min_t(unsigned long, 2 * dsk->resend_wait,
					 DWCP_RX_RESEND_WAIT_MAX);
		dwcp_io_kick(dsk);
	}
	if (time_before(jiffies, dsk->rx_check_time + DWCP_RX_CHECK_GRACE))
		return;
	dsk->rx_check_time = jiffies;
	dsk->rx_check_mark = dsk->rx_unchecked_end;
	if (dwcp_rx_check_before(dsk, mark))
		dwcp_io_kick(dsk);
}

/* Every DWCP_SAMPLE_MS: a measurement sample, the deadlines of orphans and
 * of sessions without streams.
 */
static void dwcp_tick_work(struct work_struct *work)
{
	struct dwcp_sock *dsk = container_of(to_delayed_work(work),
					     struct dwcp_sock, tick_work);
	struct sock *sk = &dsk->sk;

	lock_sock(sk);
	if (dsk->st.dwci_streams_up)
		dsk->deadline = 0;
	if (dsk->alive && !dsk->resetting) {	/* no new streams for it */
		dwcp_measure_tick(dsk);
		dwcp_rx_check_stale(dsk);
	}
	dwcp_bufcache_trim(&dsk->tx_bufs);
	dwcp_bufcache_trim(&dsk->rx_bufs);
	dwcp_streams_retire_check(dsk);
	if (dsk->alive && dsk->deadline &&
	    time_after(jiffies, dsk->deadline))
		dwcp_session_abort(dsk, ETIMEDOUT);
	if (dsk->alive && dsk->closing && time_after(jiffies, dsk->orphan_end))
		dwcp_session_abort(dsk, ETIMEDOUT);
	if (dsk->alive) {
		/* once a second, as before sampling came: a stalled engine moves */
		if (++dsk->ticks % (1000 / DWCP_SAMPLE_MS) == 0)
			dwcp_io_kick(dsk);
		sock_hold(sk);
		if (!queue_delayed_work(dwcp_wq, &dsk->tick_work, DWCP_TICK))
			sock_put(sk);
	}
	release_sock(sk);
	sock_put(sk);
}

/**
 * dwcp_session_close() - the application closed the socket
 * @dsk: the session
 * @linger: SO_LINGER time in jiffies, 0 to abort, negative if not set
 *
 * Sends everything queued, then the FIN, in the background (at most
 * DWCP_ORPHAN_TIMEOUT); with SO_LINGER waits up to @linger for it.  Unread
 * received data or SO_LINGER 0 abort the session instead, as TCP does.
 *
 * Context: the socket lock held.
 */
void dwcp_session_close(struct dwcp_sock *dsk, long linger)
{
	struct sock *sk = &dsk->sk;
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	if (!dsk->alive)
		return;
	if (!linger || dsk->rx_ready_bytes || dsk->rx_held_bytes) {
		dwcp_session_reset(dsk, ECONNRESET);
		return;
	}
	if (dwcp_rec_flush(dsk))
		return;
	if (!dsk->fin_queued) {
		dsk->fin_queued = true;
		dsk->fin_seq = dsk->snd_nxt;
	}
	dsk->closing = true;
	dsk->orphan_end = jiffies + DWCP_ORPHAN_TIMEOUT;
	dwcp_io_kick(dsk);
	if (linger < 0)
		return;
	add_wait_queue(sk_sleep(sk), &wait);
	while (dsk->alive && linger && !signal_pending(current))
		sk_wait_event(sk, &linger, !dsk->alive, &wait);
	remove_wait_queue(sk_sleep(sk), &wait);
	if (dsk->alive)
		dwcp_session_reset(dsk, ETIMEDOUT);
}

/**
 * dwcp_wait_connected() - wait while connect() is in progress
 * @sk: the socket, locked
 * @timeo: time left, updated
 *
 * Return: 0 once not connecting; -EAGAIN (no time), -EINTR/-ERESTARTSYS.
 */
int dwcp_wait_connected(struct sock *sk, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	add_wait_queue(sk_sleep(sk), &wait);
	while (sk->sk_state == DWCP_STATE_CONNECTING && *timeo &&
	       !signal_pending(current))
		sk_wait_event(sk, timeo, sk->sk_state != DWCP_STATE_CONNECTING,
			      &wait);
	remove_wait_queue(sk_sleep(sk), &wait);
	if (sk->sk_state == DWCP_STATE_CONNECTING)
		return *timeo ? sock_intr_errno(*timeo) : -EAGAIN;
	return 0;
}

/**
 * dwcp_session_rate() - the session's delivery rate, for codec choices
 * @dsk: the session, locked
 *
 * The sum of its streams' latest TCP delivery-rate samples, capped by the
 * pacing rate.  Samples of streams that share a bottleneck come from
 * different moments, so this can overestimate (see performance.md).
 *
 * Return: bytes/s, 0 when nothing is measured yet.
 */
u64 dwcp_session_rate(struct dwcp_sock *dsk)
{
	u64 rate = 0;
	u16 i;

	for (i = 0; i < dsk->nstreams; i++) {
		struct dwcp_stream *st = &dsk->streams[i];
		const struct tcp_sock *tp;
		u32 intv;

		if (!st->up)
			continue;
		tp = tcp_sk(st->sock->sk);
		intv = READ_ONCE(tp->rate_interval_us);
		if (intv)
			rate += div64_u64((u64)READ_ONCE(tp->rate_delivered) *
					  READ_ONCE(tp->mss_cache) * USEC_PER_SEC,
					  intv);
	}
	if (dsk->pacing_rate && (!rate || dsk->pacing_rate < rate))
		rate = dsk->pacing_rate;
	return rate;
}

/*
 * Room for more: in the send buffer, and for keyed records in the history
 * kept for resyncs.
 */
static bool dwcp_snd_room(struct dwcp_sock *dsk)
{
	return READ_ONCE(dsk->sk.sk_wmem_queued) <
	       READ_ONCE(dsk->sk.sk_sndbuf) && !dwcp_rec_hist_full(dsk);
}

/**
 * dwcp_wait_sndbuf() - wait until the send buffer has room
 * @dsk: the session, locked
 * @timeo: time left, updated
 *
 * Return: 0; -EPIPE (shut down for writing or finished); -EAGAIN;
 * -EINTR/-ERESTARTSYS; the session's error.
 */
int dwcp_wait_sndbuf(struct dwcp_sock *dsk, long *timeo)
{
	struct sock *sk = &dsk->sk;
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int err = 0;

	add_wait_queue(sk_sleep(sk), &wait);
	for (;;) {
		err = sock_error(sk);
		if (err)
			break;
		if (!dsk->alive || sk->sk_shutdown & SEND_SHUTDOWN) {
			err = -EPIPE;
			break;
		}
		if (dwcp_snd_room(dsk))
			break;
		dsk->meas.blocked = true;	/* backlogged: measure.c */
		dwcp_io_kick(dsk);
		err = dwcp_may_sleep(*timeo);
		if (err)
			break;
		sk_wait_event(sk, timeo, dwcp_snd_room(dsk) ||
			      !dsk->alive || sk->sk_err, &wait);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return err;
}

/**
 * dwcp_queue_frame() - queue @n bytes from @from as one data frame
 * @dsk: the session, locked, alive, its FIN not queued
 * @from: the bytes
 * @n: at most the peer's frame size
 *
 * Return: 0; -ENOMEM; -EFAULT.
 */
int dwcp_queue_frame(struct dwcp_sock *dsk, struct iov_iter *from, u32 n)
{
	struct dwcp_txframe *f;

	f = kmalloc(sizeof(*f), GFP_KERNEL);
	if (f)
		f->data = dwcp_buf_alloc(&dsk->tx_bufs, n);
	if (!f || !f->data) {
		kfree(f);
		return -ENOMEM;
	}
	/* the receiver may check a payload when its reader copies it */
	if (dwcp_frame_build_from_iter(&f->hdr, DWCP_FRAME_DATA, n,
				       dsk->snd_nxt, f->data, from,
				       dsk->peer_pcrc &&
				       n >= DWCP_SMALL_FRAME)) {
		dwcp_buf_release(f->data, n);
		kfree(f);
		return -EFAULT;
	}
	f->seq = dsk->snd_nxt;
	f->len = n;
	f->app_len = n;
	f->stream = -1;
	f->sent = false;
	f->acked = false;
	/* Record chunks are compressed already; byte streams may be. */
	if (dsk->sk.sk_type == SOCK_STREAM)
		dwcp_zframe_compress(dsk, f, dwcp_session_rate(dsk));
	list_add_tail(&f->list, &dsk->tx_queue);
	sk_wmem_queued_add(&dsk->sk, dwcp_txframe_charge(f));
	dsk->snd_nxt += n;
	return 0;
}

/*
 * Append up to @n bytes to the newest queued frame if it is small and has
 * not gone out yet (a small write while the session is busy): fewer frames
 * for the peer to keep, and the small-frame limit is rarely met.
 * Returns the bytes appended, 0 if none, or -EFAULT.
 */
static int dwcp_tx_coalesce(struct dwcp_sock *dsk, struct iov_iter *from,
			    u32 n)
{
	struct dwcp_txframe *f;

	if (list_empty(&dsk->tx_queue))
		return 0;
	f = list_last_entry(&dsk->tx_queue, struct dwcp_txframe, list);
	if (f->sent || f->hdr.flags || f->len >= DWCP_SMALL_FRAME ||
	    f->seq + f->app_len != dsk->snd_nxt)
		return 0;
	n = min(n, DWCP_SMALL_FRAME - f->len);
	if (!copy_from_iter_full(f->data + f->len, n, from))
		return -EFAULT;
	f->len += n;
	f->app_len += n;
	dwcp_frame_build(&f->hdr, DWCP_FRAME_DATA, f->len, f->seq, 0, f->data);
	dsk->snd_nxt += n;
	return n;
}

/**
 * dwcp_sendmsg() - send(): queue bytes for the session
 * @sock: the socket
 * @msg: the data (MSG_DONTWAIT, MSG_NOSIGNAL honoured)
 * @len: its length
 *
 * A SOCK_SEQPACKET socket sends one keyed record (dwcp_rec_sendmsg()).
 *
 * Return: bytes queued; -EAGAIN (non-blocking and full); -EPIPE (shut down
 * for writing or finished, with SIGPIPE unless MSG_NOSIGNAL); -ENOTCONN;
 * -EFAULT; -ENOMEM; the session's error.
 */
int dwcp_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	struct sock *sk = sock->sk;
	struct dwcp_sock *dsk = dwcp_sk(sk);
	size_t copied = 0, unkicked = 0;
	long timeo;
	int err = 0;

	if (sk->sk_type == SOCK_SEQPACKET)
		return dwcp_rec_sendmsg(sock, msg, len);
	if (msg->msg_flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE |
			       MSG_EOR | MSG_WAITALL))
		return -EOPNOTSUPP;
	lock_sock(sk);
	timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	err = dwcp_wait_connected(sk, &timeo);
	if (err)
		goto out;
	while (copied < len) {
		u32 fsize = dwcp_session_frame_size(dsk);
		u32 n = min_t(size_t, len - copied, fsize);

		err = dwcp_wait_sndbuf(dsk, &timeo);
		if (!err) {
			int got = dwcp_tx_coalesce(dsk, &msg->msg_iter, n);

			if (got > 0)
				n = got;
			else
				err = got ?: dwcp_queue_frame(dsk,
							      &msg->msg_iter,
							      n);
		}
		if (err)
			break;
		copied += n;
		unkicked += n;
		if (unkicked >= 4 * fsize) {	/* start sending big writes */
			dwcp_io_kick(dsk);
			unkicked = 0;
		}
	}
	if (copied)
		dwcp_io_kick(dsk);
out:
	release_sock(sk);
	if (copied)
		return copied;
	if (err == -EPIPE)
		return sk_stream_error(sk, msg->msg_flags, err);
	return err;
}

/*
 * The reader reached @rb, its payload unchecked: copy it whole with the
 * CRC in the same pass when @room takes it all (1: copied, @rb->len
 * bytes), or check it first (0: checked, to copy as any).  -EAGAIN: it
 * failed and is asked again, nothing of it copied; -EFAULT.
 */
static int dwcp_rx_check_read(struct dwcp_sock *dsk, struct dwcp_rxbuf *rb,
			      struct iov_iter *to, size_t room, bool whole)
{
	u32 crc;
	int err;

	if (rb->check == DWCP_RX_WANTED)
		return -EAGAIN;
	if (whole && room >= rb->len) {
		err = dwcp_rxbuf_copy_crc(rb, to, &crc);
		if (err)
			return err;
		if (~crc == rb->pcrc) {
			rb->check = DWCP_RX_CHECKED;
			return 1;
		}
		iov_iter_revert(to, rb->len);
	} else if (!dwcp_rxbuf_check_payload(rb)) {
		return 0;
	}
	dwcp_rx_payload_bad(dsk, rb);
	return -EAGAIN;
}

/* Copy up to @len bytes of in-order data; @peek leaves them queued. */
static int dwcp_copy_ready(struct dwcp_sock *dsk, struct msghdr *msg,
			   size_t len, bool peek, size_t *peek_skip)
{
	struct dwcp_rxbuf *rb, *tmp;
	size_t copied = 0, skip = *peek_skip;
	int err;

	list_for_each_entry_safe(rb, tmp, &dsk->rx_ready, list) {
		u32 avail = rb->len - rb->off;
		size_t n;

		if (skip >= avail) {	/* peeked: checked then */
			skip -= avail;
			continue;
		}
		n = min_t(size_t, avail - skip, len - copied);
		err = rb->check == DWCP_RX_CHECKED ? 0 :
		      dwcp_rx_check_read(dsk, rb, &msg->msg_iter,
					 len - copied, !peek && !skip);
		if (err == -EAGAIN)
			return copied;
		if (err < 0)
			return copied ? copied : err;
		/* 1: copied whole (n is all of it) in the check's pass */
		if (!err &&
		    dwcp_rxbuf_copy(rb, rb->off + skip, n, &msg->msg_iter))
			return copied ? copied : -EFAULT;
		copied += n;
		if (peek) {
			skip = 0;
			*peek_skip += n;
		} else {
			rb->off += n;
			WRITE_ONCE(dsk->rx_ready_bytes, dsk->rx_ready_bytes - n);
			dsk->st.dwci_bytes_received += n;
			if (rb->off == rb->len) {
				list_del(&rb->list);
				dsk->rx_pinned -= rb->seg_cost;
				dwcp_rxbuf_recycle(&dsk->rx_bufs, rb,
						   dwcp_rx_spare_room(dsk));
			}
		}
		if (copied == len)
			break;
	}
	return copied;
}

/**
 * dwcp_ready_read() - copy in-order received bytes into a kernel buffer
 * @dsk: the session, locked
 * @buf: destination
 * @n: bytes wanted
 * @peek: leave them queued
 *
 * Return: bytes copied (fewer when fewer are there).
 */
int dwcp_ready_read(struct dwcp_sock *dsk, void *buf, size_t n, bool peek)
{
	struct msghdr m = {};
	struct kvec kv = { .iov_base = buf, .iov_len = n };
	size_t skip = 0;

	iov_iter_kvec(&m.msg_iter, READ, &kv, 1, n);
	return dwcp_copy_ready(dsk, &m, n, peek, &skip);
}

/**
 * dwcp_rx_window_update() - tell the peer when reading opened the window,
 *	or checked payloads DWCP_RX_ACK_EVERY long (or all there were)
 * @dsk: the session, locked
 */
void dwcp_rx_window_update(struct dwcp_sock *dsk)
{
	u64 ack;

	if (!dsk->alive)
		return;
	ack = dwcp_ack_seq(dsk);
	if (dwcp_rcv_window(dsk) >= dsk->wnd_sent + dwcp_rcvbuf(dsk) / 4 ||
	    (dsk->rx_unchecked_end > dsk->ack_sent &&
	     (ack >= dsk->ack_sent + min_t(u32, dwcp_rcvbuf(dsk) / 8,
					   DWCP_RX_ACK_EVERY) ||
	      (ack > dsk->ack_sent &&
	       dwcp_rx_checked_to(dsk) == dsk->reorder.rcv_nxt))))
		dwcp_io_kick(dsk);
}

/**
 * dwcp_recvmsg() - recv(): in-order bytes of the session
 * @sock: the socket
 * @msg: where to put them
 * @len: at most this many
 * @flags: MSG_DONTWAIT, MSG_WAITALL, MSG_PEEK
 *
 * Return: bytes copied; 0 at the end of the peer's data; -EAGAIN; -ENOTCONN;
 * -EINVAL on a listener; -EFAULT; the session's error.
 */
int dwcp_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		 int flags)
{
	struct sock *sk = sock->sk;
	struct dwcp_sock *dsk = dwcp_sk(sk);
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	size_t copied = 0, peek_skip = 0;
	bool peek = flags & MSG_PEEK;
	long timeo;
	int target, err = 0, n;

	if (sk->sk_type == SOCK_SEQPACKET)
		return dwcp_rec_recvmsg(sock, msg, len, flags);
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
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	add_wait_queue(sk_sleep(sk), &wait);
	while (copied < len) {
		n = dwcp_copy_ready(dsk, msg, len - copied, peek, &peek_skip);
		if (n < 0) {
			err = n;
			break;
		}
		copied += n;
		if (copied >= target || (copied && peek))
			break;
		if (copied && !(flags & MSG_WAITALL) && !timeo)
			break;
		err = sock_error(sk);
		if (err || dwcp_rx_eof(dsk))
			break;
		if (!dsk->alive) {
			err = dsk->client || dsk->nstreams ? 0 : -ENOTCONN;
			break;
		}
		err = dwcp_may_sleep(timeo);
		if (err)
			break;
		dwcp_rx_window_update(dsk);	/* a peek may have checked */
		sk_wait_event(sk, &timeo, READ_ONCE(dsk->rx_ready_bytes) ||
			      sk->sk_err || dwcp_rx_eof(dsk) ||
			      !dsk->alive, &wait);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	if (copied)
		dwcp_rx_window_update(dsk);
out:
	release_sock(sk);
	return copied ? copied : err;
}

/**
 * dwcp_poll() - poll()/epoll readiness
 * @file: the file
 * @sock: the socket
 * @wait: poll table
 *
 * Return: EPOLLIN when data, EOF or a session to accept is there; EPOLLOUT
 * when send() would not block; EPOLLERR, EPOLLHUP, EPOLLRDHUP as for TCP.
 */
__poll_t dwcp_poll(struct file *file, struct socket *sock,
		   struct poll_table_struct *wait)
{
	struct sock *sk = sock->sk;
	struct dwcp_sock *dsk = dwcp_sk(sk);
	__poll_t mask = 0;
	int state;

	sock_poll_wait(file, sock, wait);
	state = READ_ONCE(sk->sk_state);
	if (state == DWCP_STATE_LISTEN)
		return READ_ONCE(dsk->accept_len) ? EPOLLIN | EPOLLRDNORM : 0;
	if (READ_ONCE(sk->sk_err))
		mask |= EPOLLERR;
	if (state == DWCP_STATE_CONNECTING)
		return mask;
	if (READ_ONCE(sk->sk_shutdown) == SHUTDOWN_MASK ||
	    (state == DWCP_STATE_CLOSED && (dsk->client || dsk->nstreams)))
		mask |= EPOLLHUP;
	if (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN)	/* not EOF if wanted */
		mask |= dwcp_rx_eof(dsk) ? EPOLLIN | EPOLLRDNORM | EPOLLRDHUP :
					   EPOLLRDHUP;
	if (sk->sk_type == SOCK_SEQPACKET ? dwcp_rec_readable(dsk) :
	    READ_ONCE(dsk->rx_ready_bytes))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (state == DWCP_STATE_ESTABLISHED &&
	    !(READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN) && dwcp_snd_room(dsk))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

/**
 * dwcp_shutdown() - shutdown()
 * @sock: the socket
 * @how: SHUT_RD, SHUT_WR or SHUT_RDWR
 *
 * SHUT_WR sends the FIN after everything queued.
 *
 * Return: 0; -EINVAL for a bad @how; -ENOTCONN when not connected.
 */
int dwcp_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	struct dwcp_sock *dsk = dwcp_sk(sk);
	int err = 0;

	how++;		/* SHUT_RD 0 -> RCV_SHUTDOWN 1, ... */
	if (how & ~SHUTDOWN_MASK || !how)
		return -EINVAL;
	lock_sock(sk);
	if (sk->sk_state == DWCP_STATE_LISTEN && how & RCV_SHUTDOWN) {
		dwcp_listener_stop(dsk);
		goto out;
	}
	if (!dsk->alive) {
		err = -ENOTCONN;
		goto out;
	}
	if (how & SEND_SHUTDOWN) {
		err = dwcp_rec_flush(dsk);
		if (err)
			goto out;
	}
	sk->sk_shutdown |= how;
	if (how & RCV_SHUTDOWN)
		WRITE_ONCE(dsk->rd_shutdown, true);	/* EOF, even if wanted */
	if (how & SEND_SHUTDOWN && !dsk->fin_queued) {
		dsk->fin_queued = true;
		dsk->fin_seq = dsk->snd_nxt;
		dwcp_io_kick(dsk);
	}
	sk->sk_state_change(sk);
out:
	release_sock(sk);
	return err;
}

/* ---- socket options ---- */

/**
 * dwcp_session_snapshot() - the DWCP_INFO figures of a session
 * @dsk: the session; the caller holds its socket lock
 * @info: filled completely
 * @si: per-stream figures, @n slots; may be NULL when @n is 0
 * @n: slots in @si
 *
 * Shared by getsockopt(DWCP_INFO) and netlink session-get.
 *
 * Return: the number of @si slots filled (at most the session's streams).
 */
int dwcp_session_snapshot(struct dwcp_sock *dsk, struct dwcp_conn_info *info,
			  struct dwcp_stream_info *si, int n)
{
	int i;

	*info = dsk->st;
	info->dwci_version = DWCP_INFO_VERSION;
	info->dwci_len = sizeof(*info);
	info->dwci_stream_info_len = sizeof(*si);
	info->dwci_state = dsk->sk.sk_state;
	info->dwci_streams_total = dsk->active;
	info->dwci_frame_size = dwcp_session_frame_size(dsk);
	info->dwci_reorder_bytes = dsk->reorder.bytes;
	info->dwci_pacing_rate = dsk->pacing_rate;
	info->dwci_peer_window = min_t(u64, dsk->peer_edge > dsk->snd_una ?
				       dsk->peer_edge - dsk->snd_una : 0,
				       U32_MAX);
	dwcp_rec_info(dsk, info);
	dwcp_measure_info(dsk, info);

	n = dsk->streams ? min_t(int, n, dsk->nstreams) : 0;
	for (i = 0; i < n; i++) {
		struct dwcp_stream *st = &dsk->streams[i];
		struct tcp_info ti;

		memset(&si[i], 0, sizeof(si[i]));
		si[i].dwsi_index = i;
		si[i].dwsi_state = st->up;
		si[i].dwsi_bytes_sent = st->bytes_sent;
		si[i].dwsi_bytes_received = st->bytes_received;
		if (!st->up)
			continue;
		tcp_get_info(st->sock->sk, &ti);
		si[i].dwsi_rtt_us = ti.tcpi_rtt;
		si[i].dwsi_min_rtt_us = ti.tcpi_min_rtt;
		si[i].dwsi_cwnd = ti.tcpi_snd_cwnd;
		si[i].dwsi_total_retrans = ti.tcpi_total_retrans;
		si[i].dwsi_delivery_rate = ti.tcpi_delivery_rate;
		si[i].dwsi_pacing_rate = ti.tcpi_pacing_rate;
		strscpy(si[i].dwsi_cc, inet_csk(st->sock->sk)->icsk_ca_ops->name,
			sizeof(si[i].dwsi_cc));
	}
	return n;
}

static int dwcp_get_info(struct dwcp_sock *dsk, char __user *optval,
			 int __user *optlen)
{
	struct dwcp_stream_info *si = NULL;
	struct dwcp_conn_info info;
	int len, n = 0, err = 0;
	size_t want;

	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	lock_sock(&dsk->sk);
	if (len > sizeof(info) && dsk->nstreams) {
		n = min_t(int, (len - sizeof(info)) / sizeof(*si),
			  dsk->nstreams);
		si = kvcalloc(n ?: 1, sizeof(*si), GFP_KERNEL);
		if (!si) {
			release_sock(&dsk->sk);
			return -ENOMEM;
		}
	}
	n = dwcp_session_snapshot(dsk, &info, si, n);
	release_sock(&dsk->sk);

	want = min_t(size_t, len, sizeof(info));
	if (copy_to_user(optval, &info, want) ||
	    (n && copy_to_user(optval + sizeof(info), si, n * sizeof(*si))))
		err = -EFAULT;
	else if (put_user((int)(want + n * sizeof(*si)), optlen))
		err = -EFAULT;
	kvfree(si);
	return err;
}

/**
 * dwcp_session_set_pacing() - set the aggregate pacing rate of a session
 * @dsk: the session; the caller holds its socket lock
 * @rate: bytes/s for the whole session, 0 for none
 *
 * Takes effect at once: the token bucket restarts empty.
 */
void dwcp_session_set_pacing(struct dwcp_sock *dsk, u64 rate)
{
	dsk->pacing_rate = rate;
	dsk->tokens = 0;
	dsk->refill_ns = ktime_get_ns();
	if (dsk->alive)
		dwcp_io_kick(dsk);
}

/**
 * dwcp_session_set_codec() - set the compression policy of a session
 * @dsk: the session; the caller holds its socket lock
 * @codec: as DWCP_CODEC: -1 measured choice, 0 none, 1..3 zstd levels
 *
 * Return: 0; -EINVAL when @codec is out of range.
 */
int dwcp_session_set_codec(struct dwcp_sock *dsk, int codec)
{
	if (codec < -1 || codec >= HDE_NR_OPTS)
		return -EINVAL;
	dsk->codec = codec;
	return 0;
}

/**
 * dwcp_setsockopt() - setsockopt() at level SOL_DWCP
 * @sock: the socket
 * @level: must be SOL_DWCP
 * @optname: DWCP_STREAMS, DWCP_CONGESTION, DWCP_PACING_RATE, DWCP_FRAME_SIZE,
 *	DWCP_HDE_STORE, DWCP_CODEC
 * @optval: value
 * @optlen: its length
 *
 * DWCP_PACING_RATE and DWCP_HDE_STORE take a __u64 (or a __u32).
 *
 * Return: 0; -ENOPROTOOPT (level or name); -EINVAL (length or range, or
 * DWCP_HDE_STORE above sysctl net.dwcp.hde_store_bytes);
 * -EISCONN (only before connect/listen, or on a connected session for
 * DWCP_STREAMS and DWCP_CONGESTION); -EFAULT; for DWCP_CONGESTION the
 * error TCP gives the caller for that algorithm (-ENOENT, -EPERM).
 */
int dwcp_setsockopt(struct socket *sock, int level, int optname,
		    sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	struct dwcp_sock *dsk = dwcp_sk(sk);
	char name[TCP_CA_NAME_MAX];
	u64 rate = 0;
	int val = 0, err = 0;
	bool early;

	if (level != SOL_DWCP)
		return -ENOPROTOOPT;
	switch (optname) {
	case DWCP_STREAMS:
	case DWCP_FRAME_SIZE:
	case DWCP_CODEC:
	case DWCP_MODE:
		if (optlen < sizeof(int))
			return -EINVAL;
		if (copy_from_sockptr(&val, optval, sizeof(int)))
			return -EFAULT;
		break;
	case DWCP_HDE_STORE:
	case DWCP_PACING_RATE:
		if (optlen == sizeof(u32)) {
			u32 r32;

			if (copy_from_sockptr(&r32, optval, sizeof(r32)))
				return -EFAULT;
			rate = r32;
		} else if (optlen >= sizeof(u64)) {
			if (copy_from_sockptr(&rate, optval, sizeof(rate)))
				return -EFAULT;
		} else {
			return -EINVAL;
		}
		break;
	case DWCP_CONGESTION:
		if (!optlen || optlen >= TCP_CA_NAME_MAX)
			return -EINVAL;
		memset(name, 0, sizeof(name));
		if (copy_from_sockptr(name, optval, optlen))
			return -EFAULT;
		name[strcspn(name, "\n")] = 0;
		/* "" hands the choice back to the mode */
		err = name[0] ? dwcp_check_congestion(sock_net(sk), name) : 0;
		if (err)
			return err;
		break;
	default:
		return -ENOPROTOOPT;
	}

	lock_sock(sk);
	early = sk->sk_state == DWCP_STATE_CLOSED && !dsk->alive &&
		!dsk->client;
	switch (optname) {
	case DWCP_STREAMS:
		if (val < 0 || val > DWCP_MAX_STREAMS)
			err = -EINVAL;
		else if (dsk->client && dsk->alive)
			err = dwcp_session_streams_sockopt(dsk, val);
		else if (!early)
			err = -EISCONN;
		else
			dsk->want_streams = val;
		break;
	case DWCP_FRAME_SIZE:
		if (val < DWCP_MIN_FRAME || val > DWCP_MAX_FRAME) {
			err = -EINVAL;
		} else if (!early) {
			err = -EISCONN;
		} else {
			dsk->frame_size = val;
			dsk->want_frame = true;
		}
		break;
	case DWCP_HDE_STORE:
		if (rate > READ_ONCE(dwcp_pernet(sock_net(sk))->hde_store_bytes))
			err = -EINVAL;	/* above the netns limit */
		else if (!early)
			err = -EISCONN;
		else
			dsk->hde_store = rate;
		break;
	case DWCP_CODEC:
		err = dwcp_session_set_codec(dsk, val);
		break;
	case DWCP_MODE:
		err = val < 0 ? -EINVAL : dwcp_mode_force(dsk, val);
		break;
	case DWCP_PACING_RATE:
		dwcp_session_set_pacing(dsk, rate);
		break;
	case DWCP_CONGESTION:
		if (dsk->alive)
			dwcp_session_set_cc(dsk, name);
		else if (!early)
			err = -EISCONN;
		else
			strscpy(dsk->cc, name, sizeof(dsk->cc));
		break;
	}
	release_sock(sk);
	return err;
}

/**
 * dwcp_getsockopt() - getsockopt() at level SOL_DWCP
 * @sock: the socket
 * @level: must be SOL_DWCP
 * @optname: DWCP_STREAMS, DWCP_CONGESTION, DWCP_PACING_RATE, DWCP_INFO,
 *	DWCP_FRAME_SIZE, DWCP_HDE_STORE, DWCP_CODEC
 * @optval: buffer
 * @optlen: its length; set to the length returned
 *
 * Return: 0; -ENOPROTOOPT; -EINVAL (buffer too short); -EFAULT; -ENOMEM.
 */
int dwcp_getsockopt(struct socket *sock, int level, int optname,
		    char __user *optval, int __user *optlen)
{
	struct dwcp_sock *dsk = dwcp_sk(sock->sk);
	char name[TCP_CA_NAME_MAX];
	int len, val;
	u64 rate;

	if (level != SOL_DWCP)
		return -ENOPROTOOPT;
	if (optname == DWCP_INFO)
		return dwcp_get_info(dsk, optval, optlen);
	if (get_user(len, optlen))
		return -EFAULT;
	switch (optname) {
	case DWCP_STREAMS:
	case DWCP_FRAME_SIZE:
	case DWCP_CODEC:
	case DWCP_MODE:
		if (len < sizeof(int))
			return -EINVAL;
		lock_sock(sock->sk);
		if (optname == DWCP_FRAME_SIZE)
			val = dsk->frame_size;
		else if (optname == DWCP_CODEC)
			val = dsk->codec;
		else if (optname == DWCP_MODE)
			val = dsk->det.mode;
		else
			val = dsk->active ?: dsk->want_streams;
		release_sock(sock->sk);
		len = sizeof(int);
		if (copy_to_user(optval, &val, len))
			return -EFAULT;
		break;
	case DWCP_PACING_RATE:
	case DWCP_HDE_STORE:
		if (len < sizeof(u64))
			return -EINVAL;
		lock_sock(sock->sk);
		if (optname == DWCP_PACING_RATE)
			rate = dsk->pacing_rate;
		else	/* the agreed limit once connected */
			rate = dsk->rec ? dsk->hde_store_limit : dsk->hde_store;
		release_sock(sock->sk);
		len = sizeof(u64);
		if (copy_to_user(optval, &rate, len))
			return -EFAULT;
		break;
	case DWCP_CONGESTION:
		lock_sock(sock->sk);
		strscpy(name, dwcp_mode_cc(dsk), sizeof(name));
		release_sock(sock->sk);
		len = min_t(int, len, strlen(name) + 1);
		if (len <= 0)
			return -EINVAL;
		if (copy_to_user(optval, name, len))
			return -EFAULT;
		break;
	default:
		return -ENOPROTOOPT;
	}
	return put_user(len, optlen);
}
