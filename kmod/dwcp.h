/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of dwcp.ko, sectioned by the file that implements them.
 * The user-visible contract is uapi/linux/dwcp.h.
 */
#ifndef _DWCP_H
#define _DWCP_H

#include <linux/types.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <linux/rbtree.h>
#include <linux/workqueue.h>
#include <linux/hrtimer.h>
#include <linux/sched/signal.h>
#include "../uapi/linux/dwcp.h"
#include "hde.h"

#define DWCP_MODULE_VERSION "0.1.0"
#define DWCP_AUTO_STREAMS_MAX	16	/* kernel's choice, internet mode */

/* main.c */
extern int dwcp_family;
u64 dwcp_features(void);

/* crc.c */
void __init dwcp_crc_init(void);
void dwcp_crc_exit(void);
u32 dwcp_crc32c(u32 crc, const void *p, unsigned int len);
u32 dwcp_copy_crc32c(void *to, const void *from, size_t len, u32 crc);
bool dwcp_copy_fused(void);
bool dwcp_copy_to_iter_crc32c(const void *from, size_t len,
			      struct iov_iter *to, u32 *crc);
bool dwcp_copy_from_iter_crc32c(void *to, size_t len, struct iov_iter *from,
				u32 *crc);

/* frame.c */
void dwcp_frame_build(struct dwcp_frame_hdr *hdr, u8 type, u32 len, u64 seq,
		      u32 aux, const void *payload);
int dwcp_frame_build_from_iter(struct dwcp_frame_hdr *hdr, u8 type, u32 len,
			       u64 seq, void *payload, struct iov_iter *from,
			       bool pcrc);
int dwcp_frame_check_hdr(const struct dwcp_frame_hdr *hdr, u32 max_data);
int dwcp_frame_check_crc(const struct dwcp_frame_hdr *hdr, const void *payload);
u32 dwcp_frame_crc_hdr(const struct dwcp_frame_hdr *hdr);
int dwcp_frame_crc_verify(const struct dwcp_frame_hdr *hdr, u32 crc);
bool dwcp_frame_pcrc(const struct dwcp_frame_hdr *hdr);
int dwcp_frame_pcrc_verify(const struct dwcp_frame_hdr *hdr, u32 crc);
void dwcp_frame_set_flags(struct dwcp_frame_hdr *hdr, u16 flags, u32 aux,
			  const void *payload);
int dwcp_hello_parse(const void *p, u32 len, struct dwcp_hello *out);
int dwcp_hello_ack_parse(const void *p, u32 len, struct dwcp_hello_ack *out);
int dwcp_join_parse(const void *p, u32 len, struct dwcp_join *out);
void dwcp_join_proof(u8 out[DWCP_PROOF_LEN], const u8 ckey[DWCP_KEY_LEN],
		     const u8 skey[DWCP_KEY_LEN], u32 token, u16 index,
		     const u8 nonce[DWCP_NONCE_LEN], bool ack);

/* buf.c */

#define DWCP_BUF_BUSY	32

/**
 * struct dwcp_bufcache - freed frame-sized payload buffers kept for reuse
 * @head: the buffers, each DWCP_DEFAULT_FRAME bytes, linked through
 *	their first bytes
 * @busy: oldest first, buffers freed while others still held their pages
 *	(TCP, or a receiver on this host reading them from its skbs), kept
 *	until they let go: those bytes must not change, not even for a link
 * @busy_first: index of the oldest in @busy
 * @busy_n: how many @busy holds
 * @bytes: the size of all these buffers
 * @taken: one was reused since the last dwcp_bufcache_trim()
 */
struct dwcp_bufcache {
	void *head;
	void *busy[DWCP_BUF_BUSY];
	u8 busy_first;
	u8 busy_n;
	u64 bytes;
	bool taken;
};

u32 dwcp_buf_cap(u32 len);
bool dwcp_buf_pages(const void *buf, u32 len);
void dwcp_buf_release(void *buf, u32 len);
void *dwcp_buf_alloc(struct dwcp_bufcache *c, u32 len);
void dwcp_buf_free(struct dwcp_bufcache *c, void *buf, u32 len, u64 room);
void dwcp_bufcache_drain(struct dwcp_bufcache *c);
void dwcp_bufcache_trim(struct dwcp_bufcache *c);

/* reorder.c */

/**
 * struct dwcp_rxbuf - a received data frame
 * @node: in the reorder tree while waiting for a gap to fill
 * @list: in the ready list once in order
 * @seq: session sequence number of data[0]
 * @len: payload bytes
 * @off: bytes the application already consumed
 * @data: the payload, a separate allocation (a 64 KiB frame then fits one
 *	order-4 block instead of spilling into vmalloc); NULL when @segs
 *	hold it
 * @segs: or the payload left where TCP received it: clones of TCP's skbs,
 *	each with the part that is ours in its dwcp_seg_cb (the receive
 *	path's one copy is then the one into the reader's buffer)
 * @seg_cost: memory the clones may pin: each one's whole skb (truesize),
 *	however little of it is ours, since a clone keeps all of it (an skb
 *	two frames share counts for both); no frame starts in skbs once the
 *	session's frames hold DWCP_RX_PIN_BUFS receive buffers' worth
 * @check: enum dwcp_rx_check
 * @pcrc: a DWCP_FRAME_F_PCRC payload's CRC, from the header's aux
 */
struct dwcp_rxbuf {
	struct rb_node node;
	struct list_head list;
	u64 seq;
	u32 len;
	u32 off;
	u8 *data;
	struct sk_buff_head segs;
	u32 seg_cost;
	u8 check;
	u32 pcrc;
};

/**
 * enum dwcp_rx_check - what is known of a received payload
 * @DWCP_RX_CHECKED: its CRC matched
 * @DWCP_RX_UNCHECKED: DWCP_FRAME_F_PCRC, header checked: the payload is
 *	checked when the reader copies it (or by the tick), and nothing from
 *	it on is acknowledged before
 * @DWCP_RX_WANTED: it failed that check: its payload dropped, asked again
 *	(DWCP_FRAME_RESEND); the reader waits for it
 */
enum dwcp_rx_check {
	DWCP_RX_CHECKED,
	DWCP_RX_UNCHECKED,
	DWCP_RX_WANTED,
};

/* The part of a cloned skb that belongs to a frame (in skb->cb). */
struct dwcp_seg_cb {
	u32 off;
	u32 len;
};

static inline struct dwcp_seg_cb *dwcp_seg_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct dwcp_seg_cb) > sizeof_field(struct sk_buff, cb));
	return (struct dwcp_seg_cb *)skb->cb;
}

/*
 * A frame gathered from more pieces than this (or one per 4 KiB of a larger
 * frame: small skbs, no GRO) is copied into a buffer of its own instead;
 * the stream then copies its next plain data frames on receipt, 1, 2, 4,
 * ... DWCP_RX_COPY_STREAK_MAX of them in a row while that goes on, trying
 * skbs again after each run.  And no frame starts in skbs while the
 * session's frames hold skbs (full truesize) worth DWCP_RX_PIN_BUFS receive
 * buffers.
 */
#define DWCP_RX_MAX_SEGS	16
#define DWCP_RX_COPY_STREAK_MAX	64
#define DWCP_RX_PIN_BUFS	2

struct dwcp_rxbuf *dwcp_rxbuf_alloc(struct dwcp_bufcache *c, u64 seq, u32 len);
struct dwcp_rxbuf *dwcp_rxbuf_alloc_segs(u64 seq, u32 len);
bool dwcp_rxbuf_segs_full(const struct dwcp_rxbuf *rb);
int dwcp_rxbuf_linearize(struct dwcp_bufcache *c, struct dwcp_rxbuf *rb);
int dwcp_rxbuf_check_crc(const struct dwcp_frame_hdr *hdr,
			 struct dwcp_rxbuf *rb, bool defer);
int dwcp_rxbuf_check_payload(struct dwcp_rxbuf *rb);
int dwcp_rxbuf_copy_crc(const struct dwcp_rxbuf *rb, struct iov_iter *to,
			u32 *crc);
void dwcp_rxbuf_drop_payload(struct dwcp_rxbuf *rb);
int dwcp_rxbuf_copy(const struct dwcp_rxbuf *rb, u32 from, u32 n,
		    struct iov_iter *to);
void dwcp_rxbuf_free(struct dwcp_rxbuf *rb);
void dwcp_rxbuf_recycle(struct dwcp_bufcache *c, struct dwcp_rxbuf *rb,
			u64 room);

struct dwcp_reorder {
	struct rb_root root;
	u64 rcv_nxt;
	u64 bytes;
	u32 frames;
	u32 small;		/* of them shorter than DWCP_SMALL_FRAME */
};

void dwcp_reorder_init(struct dwcp_reorder *r, u64 rcv_nxt);
int dwcp_reorder_add(struct dwcp_reorder *r, struct dwcp_rxbuf *f);
struct dwcp_rxbuf *dwcp_reorder_pop(struct dwcp_reorder *r);
void dwcp_reorder_purge(struct dwcp_reorder *r);

/* sched.c */

/**
 * struct dwcp_sched_cand - a stream as the scheduler sees it
 * @queued: bytes queued in its TCP socket, not yet acked
 * @rate: its delivery (pacing) rate in bytes/s, 0 if unknown
 * @usable: up and able to take a frame now
 */
struct dwcp_sched_cand {
	u32 queued;
	u64 rate;
	bool usable;
};

int dwcp_sched_pick(const struct dwcp_sched_cand *c, int n, u32 len,
		    int start);

/* detect.c */
#define DWCP_NMODES		3	/* datacenter, internet, hybrid */
#define DWCP_COOLDOWN_MAX_MS	600000

/**
 * struct dwcp_detect_cfg - thresholds of the mode detector (per netns)
 * @forced: enum dwcp_mode forced on sessions without their own, AUTO none
 * @dc_rtt_us: datacenter below this smoothed RTT
 * @inet_rtt_us: internet above
 * @dc_bw: bytes/s, datacenter at or above (when measured); 0 ignores
 * @inet_bw: bytes/s, internet below (when measured); 0 ignores
 * @dc_loss_ppm: datacenter below this retransmission rate
 * @inet_loss_ppm: internet above
 * @enter_pct: score that lets a mode in
 * @leave_pct: the current mode may be left once its score is below this
 * @cooldown_ms: least time between two detected changes
 */
struct dwcp_detect_cfg {
	u32 forced;
	u32 dc_rtt_us;
	u32 inet_rtt_us;
	u64 dc_bw;
	u64 inet_bw;
	u32 dc_loss_ppm;
	u32 inet_loss_ppm;
	u32 enter_pct;
	u32 leave_pct;
	u32 cooldown_ms;
};

/**
 * struct dwcp_sample - one measurement of a session's path
 * @rtt_us: least latest RTT sample of the streams with data acked
 * @min_rtt_us: least minimum RTT of the up streams
 * @loss_ppm: retransmitted per million segments sent
 * @loss_fresh: @loss_ppm was computed from this sample's segments (it is
 *	carried over between samples until DWCP_LOSS_MIN_SEGS are sent)
 * @rate: bytes/s acknowledged while backlogged; 0 = not measured
 */
struct dwcp_sample {
	u32 rtt_us;
	u32 min_rtt_us;
	u32 loss_ppm;
	bool loss_fresh;
	u64 rate;
};

/**
 * struct dwcp_detect - mode detector state of one session
 * @mode: enum dwcp_mode in force (never AUTO)
 * @old_mode: before the last change
 * @reason: enum dwcp_mode_reason of the last change
 * @forced: the session's own forced mode, AUTO none
 * @cooling: a detected change happened at @changed_ms; hold off reversals
 * @dir: direction of that change: +1 towards internet, -1 towards
 *	datacenter
 * @streak_mode: the mode the last clear samples voted for
 * @streak: how many clear samples in a row voted @streak_mode
 * @score: per mille, per mode (index mode - 1)
 * @changed_ms: time of the last detected change
 * @changes: mode changes, any reason
 * @samples: samples seen
 */
struct dwcp_detect {
	u8 mode;
	u8 old_mode;
	u8 reason;
	u8 forced;
	bool cooling;
	s8 dir;
	u8 streak_mode;
	u8 streak;
	u16 score[DWCP_NMODES];
	u64 changed_ms;
	u64 changes;
	u64 samples;
};

void dwcp_detect_cfg_default(struct dwcp_detect_cfg *c);
enum dwcp_cfg_error {
	DWCP_CFG_OK,
	DWCP_CFG_BAD_MODE,
	DWCP_CFG_BAD_RTT,
	DWCP_CFG_BAD_LOSS,
	DWCP_CFG_BAD_PCT,
	DWCP_CFG_BAD_COOLDOWN,
};

int dwcp_detect_cfg_check(const struct dwcp_detect_cfg *c);
void dwcp_detect_init(struct dwcp_detect *d);
u8 dwcp_detect_vote(const struct dwcp_detect_cfg *c,
		    const struct dwcp_sample *s);
bool dwcp_detect_apply_force(struct dwcp_detect *d,
			     const struct dwcp_detect_cfg *c, u64 now_ms);
bool dwcp_detect_step(struct dwcp_detect *d, const struct dwcp_detect_cfg *c,
		      const struct dwcp_sample *s, u64 now_ms);
void dwcp_detect_warm_start(struct dwcp_detect *d, u8 mode,
			    const u16 score[DWCP_NMODES]);
bool dwcp_detect_follow(struct dwcp_detect *d, const struct dwcp_detect *peer,
			bool own_sample);

/* measure.c */

/**
 * struct dwcp_measure - sampling state of one session
 * @last: the last sample taken
 * @last_ns: when the tick last ran
 * @acked: dwci_bytes_acked then
 * @busy: data was waiting then
 * @blocked: the writer found the send buffer full since the last tick
 * @segs: segments sent since loss was last computed
 * @retrans: of them retransmitted
 * @loss_ppm: the last computed loss
 * @reports: samples taken (one in ten is reported)
 * @busy_bytes: acknowledged in backlogged ticks since the last report
 * @busy_ns: length of those ticks
 * @report_ns: when the last report was made (or the first tick ran)
 */
struct dwcp_measure {
	struct dwcp_sample last;
	u64 last_ns;
	u64 acked;
	bool busy;
	bool blocked;
	u64 segs;
	u64 retrans;
	u32 loss_ppm;
	u32 reports;
	u64 busy_bytes;
	u64 busy_ns;
	u64 report_ns;
};

/* stats.c */

/*
 * Counters per netns, in the order of their stats-get attributes: counter
 * i is reported as attribute DWCP_MIB_ATTR(i).
 */
#define DWCP_MIB_ATTR(mib)	((mib) + DWCP_A_STATS_SESSIONS_OPENED)
#define DWCP_MIB_OF(name)	(DWCP_A_STATS_##name - DWCP_A_STATS_SESSIONS_OPENED)

enum dwcp_mib {
	DWCP_MIB_SESSIONS_OPENED = DWCP_MIB_OF(SESSIONS_OPENED),
	DWCP_MIB_SESSIONS_ACCEPTED = DWCP_MIB_OF(SESSIONS_ACCEPTED),
	DWCP_MIB_SESSIONS_ABORTED = DWCP_MIB_OF(SESSIONS_ABORTED),
	DWCP_MIB_STREAMS_JOINED = DWCP_MIB_OF(STREAMS_JOINED),
	DWCP_MIB_STREAM_FAILURES = DWCP_MIB_OF(STREAM_FAILURES),
	DWCP_MIB_FRAMES_RESENT = DWCP_MIB_OF(FRAMES_RESENT),
	DWCP_MIB_REFUSED_VERSION = DWCP_MIB_OF(REFUSED_VERSION),
	DWCP_MIB_REFUSED_BAD_CRC = DWCP_MIB_OF(REFUSED_BAD_CRC),
	DWCP_MIB_REFUSED_OVERSIZE = DWCP_MIB_OF(REFUSED_OVERSIZE),
	DWCP_MIB_REFUSED_MALFORMED = DWCP_MIB_OF(REFUSED_MALFORMED),
	DWCP_MIB_REFUSED_TRUNCATED = DWCP_MIB_OF(REFUSED_TRUNCATED),
	DWCP_MIB_REFUSED_NO_SESSION = DWCP_MIB_OF(REFUSED_NO_SESSION),
	DWCP_MIB_REFUSED_BAD_PROOF = DWCP_MIB_OF(REFUSED_BAD_PROOF),
	DWCP_MIB_REFUSED_FULL = DWCP_MIB_OF(REFUSED_FULL),
	DWCP_MIB_PROTOCOL_ERRORS = DWCP_MIB_OF(PROTOCOL_ERRORS),
	DWCP_MIB_REFUSED_TYPE = DWCP_MIB_OF(REFUSED_TYPE),
	DWCP_MIB_HDE_REJECTED = DWCP_MIB_OF(HDE_REJECTED),
	DWCP_MIB_HDE_STALE = DWCP_MIB_OF(HDE_STALE),
	DWCP_MIB_MODE_CHANGES = DWCP_MIB_OF(MODE_CHANGES),
	DWCP_MIB_STREAMS_RETIRED = DWCP_MIB_OF(STREAMS_RETIRED),
	DWCP_MIB_PEER_WARM_STARTS = DWCP_MIB_OF(PEER_WARM_STARTS),
	DWCP_MIB_FALLBACK_NO_RDMA = DWCP_MIB_OF(FALLBACK_NO_RDMA),
	DWCP_MIB_RX_FRAMES_COPIED = DWCP_MIB_OF(RX_FRAMES_COPIED),
	DWCP_MIB_PEER_RESETS = DWCP_MIB_OF(PEER_RESETS),
	DWCP_MIB_DATA_CRC_ERRORS = DWCP_MIB_OF(DATA_CRC_ERRORS),
	DWCP_MIB_MAX = DWCP_MIB_OF(MAX) + 1
};

struct dwcp_net {
	atomic64_t mib[DWCP_MIB_MAX];
	spinlock_t tokens_lock;		/* protects tokens */
	struct hlist_head tokens[64];	/* server sessions by token */
	spinlock_t socks_lock;		/* protects socks */
	struct list_head socks;		/* every DWCP sock of the netns */
	unsigned long hde_store_bytes;	/* sysctl net.dwcp.hde_store_bytes */
	spinlock_t detect_lock;		/* protects detect */
	struct dwcp_detect_cfg detect;	/* defaults-get/defaults-set */
	struct ctl_table_header *sysctl;
	spinlock_t peers_lock;		/* protects the peers fields */
	struct hlist_head peers[64];	/* by address (peer.c) */
	struct list_head peers_lru;	/* the most recently reported first */
	u32 npeers;
	u32 peers_gen;			/* changes when a peer comes or goes */
	u32 peers_seed;			/* of the address hash */
};

struct dwcp_net *dwcp_pernet(const struct net *net);
void dwcp_count(const struct net *net, enum dwcp_mib mib);
void dwcp_stats_read(const struct net *net, u64 *mib);
int dwcp_stats_init(void);
void dwcp_stats_exit(void);

/* peer.c */

/**
 * struct dwcp_peer_view - a peer as peer-get reports it
 * @addr: its address, port zeroed (the table's key)
 * @mode: the mode its sessions' detectors last chose
 * @score: their scores then, per mille
 * @sample: the sample of the last report
 * @age_ms: since the last report
 * @reports: reports from its sessions
 * @warm_starts: sessions that started in its mode
 * @samples: samples its sessions fed to its detector
 * @changes: mode changes of its detector
 */
struct dwcp_peer_view {
	struct sockaddr_storage addr;
	u8 mode;
	u16 score[DWCP_NMODES];
	struct dwcp_sample sample;
	u64 age_ms;
	u64 reports;
	u64 warm_starts;
	u64 samples;
	u64 changes;
};

struct dwcp_sock;
void dwcp_peer_report(struct dwcp_sock *dsk, const struct dwcp_sample *s);
bool dwcp_peer_warm_start(struct dwcp_sock *dsk);
int dwcp_peer_detect(struct dwcp_sock *dsk, const struct dwcp_detect_cfg *cfg,
		     const struct dwcp_sample *s, u64 now_ms,
		     struct dwcp_sample *cause);
int dwcp_peers_read(struct net *net, unsigned long *pos,
		    struct dwcp_peer_view *v, int n, u32 *gen);
void dwcp_peers_init(struct dwcp_net *dn);
void dwcp_peers_exit(struct dwcp_net *dn);

/* socket.c, session.c, tcp.c */

/**
 * struct dwcp_txframe - a data frame from sendmsg() until it is acked
 * @list: in tx_queue (to send) or tx_inflight (handed to a stream)
 * @seq: sequence number of the first payload byte
 * @len: payload bytes
 * @app_len: session bytes it covers (@len unless compressed)
 * @stream: index of the stream it was last handed to, -1 if none
 * @sent: it went out at least once (so sending again is a resend)
 * @acked: acknowledged while a stream was still writing it
 * @hdr: its header, CRC included
 * @data: payload, a separate allocation (see struct dwcp_rxbuf)
 */
struct dwcp_txframe {
	struct list_head list;
	u64 seq;
	u32 len;
	u32 app_len;
	int stream;
	bool sent;
	bool acked;
	struct dwcp_frame_hdr hdr;
	u8 *data;
};

/**
 * struct dwcp_stream - one TCP connection of a session (a slot: it survives
 * the connection and is refilled by a rejoin)
 */
struct dwcp_stream {
	struct dwcp_sock *dsk;
	struct socket *sock;		/* NULL while down */
	u16 index;
	bool up;
	unsigned long events;		/* DWCP_EV_*, set by TCP callbacks */
	/* transmit */
	struct dwcp_txframe *cur;	/* frame being written */
	u32 cur_off;
	u8 ctl[DWCP_FRAME_HDR_LEN];	/* pending control frame */
	u32 ctl_len;
	u32 ctl_off;
	/* receive */
	struct dwcp_frame_hdr rx_hdr;
	u32 rx_hdr_got;
	struct dwcp_rxbuf *rx_buf;
	u32 rx_got;
	u8 rx_copy_next;		/* frames to copy before trying skbs again */
	u8 rx_copy_streak;		/* the last such run */
	/* statistics */
	u64 bytes_sent;
	u64 bytes_received;
	/* measurement baselines (measure.c), valid while m_sock == sock */
	struct socket *m_sock;
	u32 m_segs_out;
	u32 m_retrans;
	u32 m_delivered;
	/* saved TCP callbacks, restored before release */
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_write_space)(struct sock *sk);
	void (*saved_state_change)(struct sock *sk);
	/* client: (re)join with backoff */
	struct delayed_work join_work;
	unsigned int backoff_ms;
	bool joining;
	/* client: half-closed because the session uses fewer streams */
	bool retiring;
	unsigned long retire_end;	/* jiffies: give up waiting for EOF */
	/* session being reset: bytes of its RESET frame written */
	u32 reset_off;
	bool reset_begun;		/* its unsent limit lifted */
	bool reset_sent;
};

#define DWCP_EV_READ	0
#define DWCP_EV_WRITE	1
#define DWCP_EV_STATE	2

/**
 * struct dwcp_sock - a DWCP socket; one session from socket() to close()
 * @sk: the generic socket, must come first
 * @id: session id, unique until the next reboot
 */
struct dwcp_sock {
	struct sock sk;
	u64 id;

	/* configuration (before connect/listen) */
	u16 want_streams;
	u32 frame_size;
	bool want_frame;		/* the application chose frame_size */
	u64 pacing_rate;
	char cc[TCP_CA_NAME_MAX];
	struct sockaddr_storage local;
	struct sockaddr_storage peer;
	bool bound;
	bool client;
	u64 hde_store;			/* DWCP_HDE_STORE asked */
	int codec;			/* DWCP_CODEC */
	u8 fallback;			/* enum dwcp_fallback_reason */

	/* session */
	u32 token;
	u8 ckey[DWCP_KEY_LEN];
	u8 skey[DWCP_KEY_LEN];
	u16 nstreams;			/* slots the peer granted */
	u16 active;			/* slots 0..active-1 in use */
	bool policy_streams;		/* session-set chose the count */
	u32 peer_max_frame;
	struct dwcp_stream *streams;	/* nstreams slots */
	struct dwcp_sched_cand *cands;	/* nstreams, scratch of the scheduler */
	struct work_struct io_work;
	struct work_struct connect_work;
	struct hlist_node token_node;
	bool token_hashed;
	bool alive;			/* holds the session reference */
	bool closing;			/* application closed: orphan */
	bool resetting;			/* sending RESETs, then aborts */
	struct dwcp_frame_hdr reset_hdr;	/* the RESET every stream sends */
	unsigned long deadline;		/* jiffies: give up while no stream is up */
	unsigned long orphan_end;	/* jiffies: give up delivering after close */
	struct delayed_work tick_work;
	unsigned int ticks;		/* of tick_work, every DWCP_SAMPLE_MS */
	int sched_rr;

	/* transmit */
	struct list_head tx_queue;
	struct dwcp_bufcache tx_bufs;	/* spare payload buffers */
	struct list_head tx_inflight;
	u64 snd_nxt;
	u64 snd_una;
	u64 peer_edge;			/* dwcp_peer_edge() of its acks */
	u32 small_unacked;		/* sent frames < DWCP_SMALL_FRAME */
	bool fin_queued;
	bool fin_sent;
	u64 fin_seq;

	/* receive */
	struct dwcp_reorder reorder;
	struct list_head rx_ready;
	struct dwcp_bufcache rx_bufs;	/* spare payload buffers */
	u64 rx_ready_bytes;		/* readable: before rx_wanted */
	u64 rx_pinned;			/* seg_cost of the frames filed */
	u64 ack_sent;			/* last cumulative ack sent */
	u32 wnd_sent;			/* last window sent */
	u32 rcvbuf_sent;		/* largest receive buffer behind one */
	bool ack_now;
	bool peer_fin;
	u64 peer_fin_seq;
	/* receive: payloads left to the reader's check (DWCP_FRAME_F_PCRC) */
	u64 rx_unchecked_end;		/* end of the last frame left so */
	u64 rx_check_mark;		/* rx_unchecked_end at the last grace */
	unsigned long rx_check_time;	/* jiffies: when that grace began */
	struct dwcp_rxbuf *rx_wanted;	/* in rx_ready: failed, asked again */
	bool resend_queued;		/* its RESEND is out */
	unsigned long resend_time;	/* jiffies: since then */
	unsigned long resend_wait;	/* jiffies: before it is sent again */
	bool rd_shutdown;		/* shutdown(SHUT_RD): no reader */
	u64 rx_held_bytes;		/* rx_ready bytes from rx_wanted on */

	/* pacing: one token bucket for all streams */
	u64 tokens;
	u64 refill_ns;
	struct hrtimer pace_timer;

	/* byte-stream compression: compress.c */
	struct dwcp_zstd *zstd;
	bool peer_zstd;			/* the peer takes DWCP_FRAME_F_ZSTD */
	bool peer_resync;		/* keyed records: both ends resync */
	bool peer_reset;		/* peer takes DWCP_FRAME_RESET */
	bool peer_pcrc;			/* peer takes DWCP_FRAME_F_PCRC, RESEND */

	/* keyed records (SOCK_SEQPACKET): record.c */
	struct dwcp_rec *rec;
	u64 hde_store_limit;		/* baseline bytes both ends agreed */

	/* measurement and mode: measure.c, detect.c */
	struct dwcp_measure meas;
	struct dwcp_detect det;

	/* DWCP_INFO counters */
	struct dwcp_conn_info st;

	/* listener */
	struct socket *lsock;
	struct delayed_work accept_work;
	struct list_head accept_q;	/* established children */
	int accept_len;
	atomic_t pending;		/* handshakes in progress */
	void (*saved_listen_data_ready)(struct sock *sk);

	/* child of a listener, until accept() */
	struct list_head accept_node;

	struct list_head netns_node;	/* in dwcp_net.socks */
};

static inline struct dwcp_sock *dwcp_sk(const struct sock *sk)
{
	return (struct dwcp_sock *)sk;
}

/*
 * May a blocking call sleep now?  0 if so; -EAGAIN when non-blocking or the
 * timeout ran out; -ERESTARTSYS/-EINTR on a signal.
 */
static inline int dwcp_may_sleep(long timeo)
{
	if (!timeo)
		return -EAGAIN;
	if (signal_pending(current))
		return sock_intr_errno(timeo);
	return 0;
}

extern struct workqueue_struct *dwcp_wq;	/* protocol engine */
extern struct workqueue_struct *dwcp_hs_wq;	/* server handshakes */
extern struct workqueue_struct *dwcp_conn_wq;	/* client connect, joins */
bool dwcp_family_allowed(int family);
int dwcp_socket_init(int family);
void dwcp_socket_exit(void);
const struct proto_ops *dwcp_stream_ops_get(void);
struct sock *dwcp_sock_alloc(struct net *net, int kern, int type);
void dwcp_notify(struct sock *sk, u8 cmd);

/* session.c */
int dwcp_sendmsg(struct socket *sock, struct msghdr *msg, size_t len);
int dwcp_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		 int flags);
__poll_t dwcp_poll(struct file *file, struct socket *sock,
		   struct poll_table_struct *wait);
int dwcp_shutdown(struct socket *sock, int how);
int dwcp_setsockopt(struct socket *sock, int level, int optname,
		    sockptr_t optval, unsigned int optlen);
int dwcp_getsockopt(struct socket *sock, int level, int optname,
		    char __user *optval, int __user *optlen);
int dwcp_session_alloc(struct dwcp_sock *dsk, u16 nstreams);
void dwcp_session_start(struct dwcp_sock *dsk, u16 nstreams, u16 active);
int dwcp_session_set_streams(struct dwcp_sock *dsk, u32 n);
u16 dwcp_session_streams_max(const struct dwcp_sock *dsk);
int dwcp_session_set_frame_size(struct dwcp_sock *dsk, u32 n);
u64 dwcp_pace_burst(u64 rate, u32 frame_size, u32 bytes);
u64 dwcp_peer_edge(u64 edge, u64 ack, u32 wnd);
bool dwcp_window_allows(u64 seq, u32 len, bool resend, u64 snd_una,
			u64 peer_edge);
u32 dwcp_session_frame_max(const struct dwcp_sock *dsk);
u32 dwcp_session_frame_size(const struct dwcp_sock *dsk);
u64 dwcp_rx_spare_room(struct dwcp_sock *dsk);
u64 dwcp_tx_spare_room(struct dwcp_sock *dsk);
void dwcp_session_abort(struct dwcp_sock *dsk, int err);
void dwcp_session_reset(struct dwcp_sock *dsk, int err);
void dwcp_session_close(struct dwcp_sock *dsk, long linger);
void dwcp_session_stream_down(struct dwcp_stream *st, int err);
void dwcp_session_destruct(struct dwcp_sock *dsk);
void dwcp_io_kick(struct dwcp_sock *dsk);
void dwcp_io_work(struct work_struct *work);
void dwcp_session_init(struct dwcp_sock *dsk);
int dwcp_wait_connected(struct sock *sk, long *timeo);
int dwcp_wait_sndbuf(struct dwcp_sock *dsk, long *timeo);
int dwcp_queue_frame(struct dwcp_sock *dsk, struct iov_iter *from, u32 n);
bool dwcp_queue_ctl(struct dwcp_sock *dsk, u8 type, u64 seq, u32 aux);
int dwcp_ready_read(struct dwcp_sock *dsk, void *buf, size_t n, bool peek);
void dwcp_rx_window_update(struct dwcp_sock *dsk);
u64 dwcp_session_rate(struct dwcp_sock *dsk);
int dwcp_session_snapshot(struct dwcp_sock *dsk, struct dwcp_conn_info *info,
			  struct dwcp_stream_info *si, int n);
void dwcp_session_set_pacing(struct dwcp_sock *dsk, u64 rate);
int dwcp_session_set_codec(struct dwcp_sock *dsk, int codec);

/* measure.c */
const char *dwcp_mode_cc(const struct dwcp_sock *dsk);
int dwcp_mode_codec_max(const struct dwcp_sock *dsk);
void dwcp_mode_transport(struct dwcp_sock *dsk);
void dwcp_session_set_cc(struct dwcp_sock *dsk, const char *name);
void dwcp_defaults_get(struct net *net, struct dwcp_detect_cfg *c);
void dwcp_defaults_set(struct net *net, const struct dwcp_detect_cfg *c);
void dwcp_measure_init(struct dwcp_sock *dsk);
void dwcp_measure_tick(struct dwcp_sock *dsk);
u64 dwcp_measure_report_rate(u64 busy_bytes, u64 busy_ns, u64 interval_ns);
u16 dwcp_streams_for_rtt(u32 rtt_us, u16 granted);
int dwcp_mode_force(struct dwcp_sock *dsk, u32 mode);
void dwcp_measure_info(const struct dwcp_sock *dsk,
		       struct dwcp_conn_info *info);

/* compress.c */
void dwcp_zframe_compress(struct dwcp_sock *dsk, struct dwcp_txframe *f,
			  u64 rate);
struct dwcp_rxbuf *dwcp_zframe_decompress(struct dwcp_sock *dsk,
					  struct dwcp_rxbuf *rb, u32 out_len);
void dwcp_zframe_destroy(struct dwcp_sock *dsk);

/* record.c */
void dwcp_rec_init(struct dwcp_sock *dsk);
void dwcp_rec_destroy(struct dwcp_sock *dsk);
int dwcp_rec_flush(struct dwcp_sock *dsk);
void dwcp_rec_tx_idle(struct dwcp_sock *dsk);
int dwcp_rec_sendmsg(struct socket *sock, struct msghdr *msg, size_t len);
int dwcp_rec_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		     int flags);
void dwcp_rec_rx_update(struct dwcp_sock *dsk);
bool dwcp_rec_readable(struct dwcp_sock *dsk);
void dwcp_rec_info(struct dwcp_sock *dsk, struct dwcp_conn_info *info);
bool dwcp_rec_hist_full(const struct dwcp_sock *dsk);
void dwcp_rec_send_ctl(struct dwcp_sock *dsk, bool again);
/*
 * Resyncs served back to back at most, and one more per this many ms: each
 * encodes every record not yet decoded again, so a peer asking over and
 * over would have us spend CPU and bandwidth for nothing.  A RESYNC beyond
 * that is ignored; the receiver asks again every DWCP_RESYNC_RETRY_MS.
 */
#define DWCP_RESYNC_BURST	4
#define DWCP_RESYNC_REFILL_MS	(DWCP_RESYNC_RETRY_MS / 2)
bool dwcp_resync_credit_take(u32 *credit, unsigned long *at,
			     unsigned long now);
int dwcp_rec_rx_ack(struct dwcp_sock *dsk, u64 end);
int dwcp_rec_rx_resync(struct dwcp_sock *dsk, u64 start, u32 nr);
bool dwcp_rec_fin_ready(const struct dwcp_sock *dsk);

/* tcp.c */
int dwcp_addr_from_user(const struct sockaddr *uaddr, int len,
			struct sockaddr_storage *out);
int dwcp_addr_to_user(const struct sockaddr_storage *ss,
		      struct sockaddr *uaddr);
int dwcp_bind(struct socket *sock, struct sockaddr *uaddr, int len);
int dwcp_listen(struct socket *sock, int backlog);
int dwcp_accept(struct socket *sock, struct socket *newsock, int flags,
		bool kern);
int dwcp_connect(struct socket *sock, struct sockaddr *uaddr, int len,
		 int flags);
int dwcp_getname(struct socket *sock, struct sockaddr *uaddr, int peer);
void dwcp_listener_stop(struct dwcp_sock *dsk);
void dwcp_stream_attach(struct dwcp_stream *st, struct socket *sock);
void dwcp_stream_detach(struct dwcp_stream *st, bool abort);
int dwcp_stream_send_reset(struct dwcp_stream *st);
int dwcp_stream_send(struct dwcp_stream *st, const void *buf, u32 len,
		     u32 *off);
int dwcp_stream_send_frame(struct dwcp_stream *st,
			   const struct dwcp_txframe *f, u32 *off);
int dwcp_stream_recv(struct dwcp_stream *st, void *buf, u32 len, u32 *got);
int dwcp_stream_recv_segs(struct dwcp_stream *st, struct dwcp_rxbuf *rb,
			  u32 *got);
void dwcp_join_schedule(struct dwcp_stream *st);
int dwcp_check_congestion(struct net *net, const char *name);
void dwcp_token_del(struct dwcp_sock *dsk);
void dwcp_tcp_init_sock(struct dwcp_sock *dsk);
void dwcp_stream_slot_init(struct dwcp_sock *dsk, u16 index);
int dwcp_stream_set_cc(struct dwcp_stream *st, const char *name);
bool dwcp_stream_writeable(struct dwcp_stream *st);

/* netlink.c */

/**
 * struct dwcp_info - what info-get reports
 * @version: module version string
 * @family: address family number of AF_DWCP
 * @features: enum dwcp_feature bits
 */
struct dwcp_info {
	const char *version;
	u32 family;
	u64 features;
};

/**
 * struct dwcp_session_event - what a session event reports
 * @cmd: DWCP_CMD_SESSION_CREATED or DWCP_CMD_SESSION_CLOSED
 * @id: session id
 * @sock_type: socket type
 */
struct dwcp_session_event {
	u8 cmd;
	u64 id;
	u32 sock_type;
};

/**
 * struct dwcp_session_view - what session-get reports of one session
 * @id: session id
 * @sock_type: socket type
 * @has_peer: @peer is known
 * @local: local address
 * @peer: peer address
 * @info: the DWCP_INFO figures
 * @streams: per-stream figures, @nstreams of them
 * @nstreams: entries in @streams
 * @forced: enum dwcp_mode forced on it (its own, else the netns's)
 * @streams_max: dwcp_session_streams_max()
 * @frame_max: dwcp_session_frame_max()
 * @fallback: enum dwcp_fallback_reason in force
 * @cc: congestion control chosen for the streams, "" the mode's
 */
struct dwcp_session_view {
	u64 id;
	u32 sock_type;
	u32 forced;
	u32 streams_max;
	u32 frame_max;
	u32 fallback;
	char cc[TCP_CA_NAME_MAX];
	bool has_peer;
	struct sockaddr_dwcp local;
	struct sockaddr_dwcp peer;
	struct dwcp_conn_info info;
	struct dwcp_stream_info *streams;
	int nstreams;
};

/**
 * struct dwcp_mode_event - what mode-changed and measurement events report
 * @cmd: DWCP_CMD_MODE_CHANGED or DWCP_CMD_MEASUREMENT
 * @id: session id
 * @mode: mode in force
 * @old_mode: mode before (mode-changed)
 * @reason: enum dwcp_mode_reason (mode-changed)
 * @time_ns: CLOCK_REALTIME of the event
 * @sample: the sample reported: a mode change's latest; a measurement's
 *	latest with the rate averaged over the report interval
 * @bytes_acked: session bytes acknowledged so far
 * @scores: detector scores, per mille
 * @streams_total: streams in use
 * @streams_max: dwcp_session_streams_max()
 * @frame_size: payload bytes per data frame sent
 * @frame_max: dwcp_session_frame_max()
 */
struct dwcp_mode_event {
	u8 cmd;
	u64 id;
	u8 mode;
	u8 old_mode;
	u8 reason;
	u64 time_ns;
	struct dwcp_sample sample;
	u64 bytes_acked;
	u32 scores[DWCP_NMODES];
	u32 streams_total;
	u32 streams_max;
	u32 frame_size;
	u32 frame_max;
};

/**
 * struct dwcp_stream_event - what stream-up and stream-down events report
 * @cmd: DWCP_CMD_STREAM_UP or DWCP_CMD_STREAM_DOWN
 * @id: session id
 * @index: stream slot
 * @error: stream-down: positive errno, 0 when retired
 * @time_ns: CLOCK_REALTIME of the event
 */
struct dwcp_stream_event {
	u8 cmd;
	u64 id;
	u32 index;
	u32 error;
	u64 time_ns;
};

int dwcp_genl_init(void);
void dwcp_genl_exit(void);
int dwcp_nl_fill_info(struct sk_buff *skb, u32 portid, u32 seq,
		      const struct dwcp_info *info);
int dwcp_nl_fill_session_event(struct sk_buff *skb,
			       const struct dwcp_session_event *ev);
void dwcp_nl_notify_session(struct net *net,
			    const struct dwcp_session_event *ev);
void dwcp_nl_notify_measurement(struct dwcp_sock *dsk, u8 cmd,
				const struct dwcp_sample *sample);

/**
 * struct dwcp_fallback_event - what a fallback event reports
 * @id: session id
 * @time_ns: CLOCK_REALTIME of the event
 * @mode: the mode whose transport the session could not have
 * @reason: enum dwcp_fallback_reason
 */
struct dwcp_fallback_event {
	u64 id;
	u64 time_ns;
	u8 mode;
	u8 reason;
};

int dwcp_nl_fill_fallback_event(struct sk_buff *skb,
				const struct dwcp_fallback_event *ev);
void dwcp_nl_notify_fallback(struct dwcp_sock *dsk);
int dwcp_nl_fill_mode_event(struct sk_buff *skb,
			    const struct dwcp_mode_event *ev);
extern const struct nla_policy dwcp_defaults_policy[DWCP_A_DEFAULTS_MAX + 1];
int dwcp_nl_fill_defaults(struct sk_buff *skb, u32 portid, u32 seq,
			  const struct dwcp_detect_cfg *c);
int dwcp_nl_parse_defaults(struct nlattr **tb, struct dwcp_detect_cfg *c,
			   struct netlink_ext_ack *extack);
extern const struct nla_policy dwcp_info_reply_policy[DWCP_A_INFO_MAX + 1];
extern const struct nla_policy dwcp_session_policy[DWCP_A_SESSION_MAX + 1];
extern const struct nla_policy dwcp_stream_policy[DWCP_A_STREAM_MAX + 1];
int dwcp_nl_fill_session(struct sk_buff *skb, u32 portid, u32 seq, int flags,
			 const struct dwcp_session_view *v, bool streams);
extern const struct nla_policy dwcp_stats_policy[DWCP_A_STATS_MAX + 1];
int dwcp_nl_fill_stats(struct sk_buff *skb, u32 portid, u32 seq,
		       const u64 *mib);
extern const struct nla_policy dwcp_peer_policy[DWCP_A_PEER_MAX + 1];
int dwcp_nl_put_peer(struct sk_buff *skb, const struct dwcp_peer_view *v);
int dwcp_nl_fill_stream_event(struct sk_buff *skb,
			      const struct dwcp_stream_event *ev);
void dwcp_nl_notify_stream(struct dwcp_stream *st, u8 cmd, int err);

#endif /* _DWCP_H */
