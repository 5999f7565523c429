/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * DWCP - the contract between the dwcp.ko kernel module and userspace.
 *
 * This header is the specification of everything userspace can see of the
 * module: the socket family, and the generic netlink family "dwcp" used for
 * control, statistics and events.  The netlink part is also described in
 * Documentation/netlink/specs/dwcp.yaml; a test (tests/spec-check) fails when
 * the two disagree on a name or a number.
 *
 * Compatibility rules:
 *  - numbers below never change meaning; new attributes, commands and
 *    feature bits are only ever appended;
 *  - DWCP_GENL_VERSION is bumped only for an incompatible change; the helper
 *    refuses to run against a family version it does not know;
 *  - readers ignore attributes they do not know (newer kernels add some).
 */
#ifndef _UAPI_LINUX_DWCP_H
#define _UAPI_LINUX_DWCP_H

#include <linux/types.h>

/*
 * 1. The socket family
 *
 * Linux has no free address family number for an out-of-tree module:
 * sock_register() refuses numbers >= AF_MAX (46 in 6.1).  DWCP therefore
 * borrows the number of a family that no 6.1 kernel implements, chosen by the
 * module parameter "family".  Applications must not hard-code it: read it from
 * DWCP_FAMILY_SYSFS (or from DWCP_A_INFO_FAMILY of info-get).
 *
 * The default, 19, is AF_ECONET (Acorn Econet), removed from Linux in 3.5.
 * The module also accepts DWCP_FAMILY_ALLOWED: 13 (AF_NETBEUI, never
 * implemented), 23 (AF_IRDA, removed in 4.17) and 25 (AF_WANPIPE, never in
 * mainline).  Any other value fails the module load with -EINVAL, so that a
 * typo can never shadow a real family whose module is not loaded yet.
 *
 * socket(family, SOCK_STREAM, 0) creates a DWCP socket; any other type gives
 * ESOCKTNOSUPPORT and any protocol other than 0 gives EPROTONOSUPPORT.
 * Operations that are not built yet fail with EOPNOTSUPP.
 */
#define DWCP_FAMILY_DEFAULT	19
#define DWCP_FAMILY_SYSFS	"/sys/module/dwcp/parameters/family"

/*
 * Socket address.  An AF_DWCP endpoint is an IPv4 or IPv6 address and a TCP
 * port: every stream of a session is a TCP connection to that address.
 *
 * @sdwcp_family: the AF_DWCP number
 * @sdwcp_ip_family: AF_INET or AF_INET6
 * @sdwcp_port: TCP port, network byte order
 * @sdwcp_reserved: must be zero
 * @sdwcp_scope_id: IPv6 scope (interface) id, zero for IPv4
 * @sdwcp_addr: the address, network byte order (v4 or v6 per ip_family)
 *
 * bind(), connect() and accept() take or return this struct; addrlen must
 * be at least DWCP_SOCKADDR_LEN.  Other values give EINVAL (EAFNOSUPPORT for
 * an unknown ip_family).
 */
struct sockaddr_dwcp {
	__u16	sdwcp_family;
	__u16	sdwcp_ip_family;
	__be16	sdwcp_port;
	__u16	sdwcp_reserved;
	__u32	sdwcp_scope_id;
	union {
		__be32	v4;
		__u8	v6[16];
	} sdwcp_addr;
};

#define DWCP_SOCKADDR_LEN	28

/*
 * Socket options at level SOL_DWCP.
 *
 * @DWCP_STREAMS: int, number of TCP streams of the session, 1..DWCP_MAX_STREAMS,
 *	0 (default) lets the kernel choose: a client uses 4..16 streams,
 *	more for longer round trips (4 + RTT / 10 ms, from the handshake, and
 *	again at every mode change from the latest or smoothed RTT, the
 *	larger, until a policy sets the count), a listener grants up to
 *	DWCP_MAX_STREAMS.  Set
 *	before connect() (the client asks for it) or listen() (the most the
 *	server grants).  After connect(), getsockopt returns the number in use;
 *	a connected client may set it again, from 1 up to what the server
 *	granted (as session-set's DWCP_A_SESSION_STREAMS_TOTAL; -EINVAL above,
 *	-EISCONN on the accepting side), which makes the count the
 *	application's (a policy such as dwcpd keeps off it); 0 hands it back
 *	to the policy and changes nothing now.
 * @DWCP_CONGESTION: string, TCP congestion control of every stream ("bbr",
 *	"cubic", any the kernel allows); by default the mode chooses (cubic
 *	in datacenter mode, bbr otherwise).  Set before connect()/listen(), or
 *	on a connected session (every up stream changes at once); "" hands it
 *	back to the mode.
 * @DWCP_PACING_RATE: __u64, aggregate pacing rate of the whole session in
 *	bytes/s across all its streams; 0 means none.  Any time.
 * @DWCP_INFO: struct dwcp_conn_info followed by one struct
 *	dwcp_stream_info per stream slot the peer granted (get only; the
 *	length returned says how many; dwci_streams_total of them in use).
 * @DWCP_FRAME_SIZE: int, payload bytes per data frame, DWCP_MIN_FRAME..
 *	DWCP_MAX_FRAME (default DWCP_DEFAULT_FRAME).  Before connect().  Set,
 *	the size is the application's; unset, a policy may change it live
 *	(session-set's DWCP_A_SESSION_FRAME_SIZE).
 * @DWCP_HDE_STORE: __u64, bytes of baselines (delta encoding) each end of a
 *	keyed-record session may keep; 0 turns delta encoding off.  Default
 *	and maximum: sysctl net.dwcp.hde_store_bytes of the netns.  The
 *	session uses the smaller of the two ends' values.  Before
 *	connect()/listen().
 * @DWCP_CODEC: int, compression of keyed-record chunks and of byte-stream
 *	frames: -1 (default) the kernel chooses by measured payoff, up to
 *	zstd 1 in datacenter mode, 3 in hybrid, 6 in internet mode; 0 none,
 *	1..3 zstd level 1, 3, 6 always (frames that do not shrink go as they
 *	are).  Any time; get returns the setting.
 * @DWCP_MODE: int, enum dwcp_mode: DWCP_MODE_AUTO (default) lets the
 *	detector choose from measurements; any other value forces that mode
 *	on this session.  Any time; get returns the mode in force (never
 *	DWCP_MODE_AUTO once established).  -EINVAL for an unknown mode.
 *
 * Keyed records (socket(AF_DWCP, SOCK_SEQPACKET, 0)): each sendmsg() is one
 * record of 1..DWCP_HDE_MAX_RECORD bytes and needs a control message
 * (cmsg_level SOL_DWCP, cmsg_type DWCP_CMSG_KEY, a __u64 key); each
 * recvmsg() returns one record, in order, with the same control message
 * (MSG_TRUNC when the buffer was shorter; the rest is dropped).  Records are
 * delta-encoded against the key's previous record and compressed (HDE,
 * below).  Both ends must be SOCK_SEQPACKET.  MSG_MORE holds the record in
 * the current chunk.
 */
#define SOL_DWCP		290

enum {
	DWCP_STREAMS = 1,
	DWCP_CONGESTION = 2,
	DWCP_PACING_RATE = 3,
	DWCP_INFO = 4,
	DWCP_FRAME_SIZE = 5,
	DWCP_HDE_STORE = 6,
	DWCP_CODEC = 7,
	DWCP_MODE = 8,
};

/*
 * Path modes.  The detector (Documentation/architecture.md, "Mode
 * detection") classifies every measurement sample of a session: datacenter
 * when RTT < dc_rtt, loss < dc_loss and (when the session was busy enough
 * to measure it and not paced) delivery rate >= dc_bw; internet when RTT >
 * inet_rtt, loss > inet_loss or a measured delivery rate < inet_bw; hybrid
 * otherwise.  Each mode keeps a score, the moving average of its votes over
 * about ten samples (one every DWCP_SAMPLE_MS); the session enters a mode
 * whose score reaches enter_pct once its own score fell below leave_pct, or
 * at once after three samples in a row beyond the thresholds of datacenter
 * or internet by a quarter (RTT < 3/4 dc_rtt, ...; RTT > 5/4 inet_rtt,
 * ...); a change that reverses the previous detected one (towards datacenter after
 * one towards internet, or the other way) waits until cooldown_ms after it.
 * A mode change sets the congestion control of every stream (datacenter:
 * cubic; internet and hybrid: bbr) unless DWCP_CONGESTION chose one.  New
 * sessions start in internet mode, the safe one.
 */
enum dwcp_mode {
	DWCP_MODE_AUTO = 0,
	DWCP_MODE_DATACENTER = 1,
	DWCP_MODE_INTERNET = 2,
	DWCP_MODE_HYBRID = 3,
};

#define DWCP_MODE_MAX		DWCP_MODE_HYBRID
#define DWCP_SAMPLE_MS		100

/* Control message types at level SOL_DWCP. */
enum {
	DWCP_CMSG_KEY = 1,	/* __u64: the key of a record */
};

#define DWCP_MAX_STREAMS	512
#define DWCP_MIN_FRAME		4096
#define DWCP_DEFAULT_FRAME	65536
#define DWCP_MAX_FRAME		1048576

/*
 * Small data frames: those with fewer than DWCP_SMALL_FRAME payload bytes
 * (after decompression).  Each costs the receiver more in bookkeeping than
 * in bytes, and the window counts bytes, so a sender has at most
 * DWCP_MAX_SMALL_UNACKED of them unacknowledged (a byte stream appends
 * writes to its newest frame while that waits to go out).  A receiver
 * holding more than that out of order closes the session with a protocol
 * error.
 */
#define DWCP_SMALL_FRAME	4096
#define DWCP_MAX_SMALL_UNACKED	1024

/* dwci_state values. */
enum dwcp_sock_state {
	DWCP_STATE_CLOSED = 0,
	DWCP_STATE_LISTEN = 1,
	DWCP_STATE_CONNECTING = 2,
	DWCP_STATE_ESTABLISHED = 3,
	DWCP_STATE_CLOSING = 4,
};

#define DWCP_INFO_VERSION	4

/*
 * DWCP_INFO, like tcp_info: fields are only ever appended; dwci_len says how
 * much the kernel filled.  Byte counters count payload bytes of the session.
 */
struct dwcp_conn_info {
	__u32	dwci_version;		/* DWCP_INFO_VERSION */
	__u32	dwci_len;		/* bytes of this struct filled */
	__u32	dwci_stream_info_len;	/* sizeof(struct dwcp_stream_info) */
	__u32	dwci_state;		/* enum dwcp_sock_state */
	__u16	dwci_streams_up;
	__u16	dwci_streams_total;	/* in use (DWCP_STREAMS) */
	__u32	dwci_frame_size;
	__u64	dwci_bytes_sent;	/* handed to streams, first time */
	__u64	dwci_bytes_acked;	/* acknowledged by the peer session */
	__u64	dwci_bytes_received;	/* delivered in order to the app */
	__u64	dwci_frames_sent;
	__u64	dwci_frames_resent;	/* sent again after a stream failed */
	__u64	dwci_frames_received;
	__u64	dwci_frames_dup;	/* received twice, dropped */
	__u64	dwci_reorder_bytes;	/* now waiting for a gap to fill */
	__u64	dwci_reorder_bytes_max;
	__u64	dwci_pacing_rate;	/* bytes/s, 0 = none */
	__u64	dwci_stream_failures;
	__u64	dwci_stream_joins;	/* streams (re)joined after the first */
	__u32	dwci_peer_window;	/* bytes the peer can still take */
	__u32	dwci_pad;
	/* version 2: keyed records and HDE (zero on byte-stream sessions) */
	__u64	dwci_rec_sent;
	__u64	dwci_rec_received;
	__u64	dwci_rec_bytes_sent;	/* record content, before HDE */
	__u64	dwci_rec_bytes_received;
	__u64	dwci_hde_chunks_sent;
	__u64	dwci_hde_chunk_bytes_sent; /* on the wire, chunk headers in */
	__u64	dwci_hde_chunk_bytes_received;
	__u64	dwci_hde_kind[6];	/* records sent per enum dwcp_hde_kind */
	__u64	dwci_hde_store_limit;	/* agreed baseline bytes per end */
	__u64	dwci_hde_store_bytes;	/* used by the sending end */
	__u64	dwci_hde_evictions;
	__u64	dwci_hde_stale;		/* records refused: baseline missing */
	__s32	dwci_hde_codec;		/* DWCP_CODEC setting */
	__u32	dwci_hde_ratio_ppm[4];	/* per option: out / plain, EWMA */
	__u32	dwci_hde_ns_per_kib[4];	/* per option: encode cost, EWMA */
	__u32	dwci_hde_chunks_by_opt[4]; /* chunks sent with each option */
	__u32	dwci_pad2;
	__u64	dwci_hde_rate;		/* delivery rate the codec choice used */
	/* byte streams: frames sent zstd-compressed and their wire bytes */
	__u64	dwci_frames_compressed;
	__u64	dwci_bytes_compressed_in;	/* session bytes they carry */
	__u64	dwci_bytes_compressed_out;	/* their payload on the wire */
	/* version 3: measurements and mode detection */
	__u32	dwci_mode;		/* enum dwcp_mode in force */
	__u32	dwci_mode_forced;	/* its own force, AUTO = none */
	__u64	dwci_mode_changes;	/* since the session started */
	__u32	dwci_rtt_us;		/* latest sample, least over streams */
	__u32	dwci_min_rtt_us;
	__u32	dwci_loss_ppm;		/* retransmitted / sent segments */
	__u32	dwci_mode_score[3];	/* per mille: dc, internet, hybrid */
	__u64	dwci_delivery_rate;	/* bytes/s acked, 0 = not measured */
	__u64	dwci_samples;		/* measurement samples taken */
	/* version 4: HDE resync (keyed records) */
	__u64	dwci_hde_resyncs;	/* asked for, as the receiving end */
	__u64	dwci_hde_resyncs_served; /* served, as the sending end */
	__u64	dwci_hde_resent_records; /* records sent again for them */
	__u64	dwci_hde_history_bytes;	/* records kept until the peer
					 * has decoded them
					 */
};

struct dwcp_stream_info {
	__u32	dwsi_index;
	__u32	dwsi_state;		/* 1 up, 0 down */
	__u32	dwsi_rtt_us;
	__u32	dwsi_min_rtt_us;
	__u32	dwsi_cwnd;		/* segments */
	__u32	dwsi_total_retrans;
	__u64	dwsi_delivery_rate;	/* bytes/s */
	__u64	dwsi_pacing_rate;	/* bytes/s */
	__u64	dwsi_bytes_sent;	/* frame bytes, headers included */
	__u64	dwsi_bytes_received;
	char	dwsi_cc[16];
};

/*
 * Wire format (Documentation/protocol.md tells the story).
 *
 * Every stream carries frames: a 24-byte header, big-endian, then @len
 * payload bytes.  @crc is CRC32C over the header (with @crc zero) and the
 * payload (over the header alone with DWCP_FRAME_F_PCRC).  A frame of an
 * unknown version or type, with a bad CRC, or longer than the receiver's
 * limit closes the stream; one that passes those checks
 * but breaks the protocol (a handshake type after the handshake, say)
 * aborts the session with EPROTO.
 */
#define DWCP_PROTO_VERSION	2
#define DWCP_FRAME_HDR_LEN	24
#define DWCP_HANDSHAKE_MAX	1024	/* payload limit of handshake frames */

struct dwcp_frame_hdr {
	__u8	version;
	__u8	type;		/* enum dwcp_frame_type */
	__be16	flags;		/* DWCP_FRAME_F_*; others must be zero */
	__be32	len;		/* payload bytes */
	__be64	seq;		/* DATA/FIN: session byte offset; ACK: next expected */
	__be32	aux;		/* ACK: receive window bytes; DECLINE: reason */
	__be32	crc;
};

enum dwcp_frame_type {
	DWCP_FRAME_HELLO = 1,		/* client, first stream: struct dwcp_hello */
	DWCP_FRAME_HELLO_ACK = 2,	/* server: struct dwcp_hello_ack */
	DWCP_FRAME_JOIN = 3,		/* client, extra stream: struct dwcp_join */
	DWCP_FRAME_JOIN_ACK = 4,	/* server: struct dwcp_join_ack */
	DWCP_FRAME_DECLINE = 5,		/* server: aux = enum dwcp_decline */
	DWCP_FRAME_DATA = 6,		/* payload = session bytes [seq, seq+len) */
	DWCP_FRAME_ACK = 7,		/* no payload */
	DWCP_FRAME_FIN = 8,		/* no payload; seq = end of data */
	DWCP_FRAME_REC_ACK = 9,		/* no payload; seq = end of the chunks
					 * decoded (keyed records, below)
					 */
	DWCP_FRAME_RESYNC = 10,		/* no payload; seq = start of the chunk
					 * that failed, aux = resync number
					 */
	DWCP_FRAME_RESET = 11,		/* no payload; the sender ended the
					 * session abortively (close() with
					 * SO_LINGER 0, or unread data): the
					 * receiver ends its own, ECONNRESET.
					 * Sent only to a peer with
					 * DWCP_CAP_RESET.
					 */
	DWCP_FRAME_RESEND = 12,		/* no payload; seq = start of a
					 * DWCP_FRAME_F_PCRC data frame whose
					 * payload failed its CRC when the
					 * reader took it: the sender sends
					 * that frame again.  Sent only to a
					 * peer with DWCP_CAP_PCRC.
					 */
};

/*
 * DATA frame flag: the payload is one zstd frame; aux is the number of
 * session bytes it decompresses to (1..the receiver's frame limit), and
 * seq..seq+aux is the span it covers.  Sent only to a peer whose hello
 * carried DWCP_CAP_ZSTD.  The CRC covers the bytes as sent.
 */
#define DWCP_FRAME_F_ZSTD	0x1

/*
 * DATA frame flag, not with DWCP_FRAME_F_ZSTD: aux is the CRC32C of the
 * payload alone, and crc covers the header alone (aux included).  The
 * receiver trusts the header on arrival and may check the payload when the
 * application reads it, in the same pass as that copy; a payload that
 * fails then is asked for again with DWCP_FRAME_RESEND, and nothing from
 * it is acknowledged before it passed.  Sent only to a peer whose hello
 * carried DWCP_CAP_PCRC, for frames of DWCP_SMALL_FRAME bytes or more.
 */
#define DWCP_FRAME_F_PCRC	0x2

/* Capability bits of hello frames. */
#define DWCP_CAP_TCP		0x1
#define DWCP_CAP_RECORDS	0x2	/* keyed records (SOCK_SEQPACKET) */
#define DWCP_CAP_ZSTD		0x4	/* accepts DWCP_FRAME_F_ZSTD frames */
#define DWCP_CAP_RESYNC		0x8	/* keyed records: REC_ACK and RESYNC */
#define DWCP_CAP_RESET		0x10	/* accepts DWCP_FRAME_RESET */
#define DWCP_CAP_PCRC		0x20	/* accepts DWCP_FRAME_F_PCRC frames
					 * and DWCP_FRAME_RESEND
					 */

#define DWCP_KEY_LEN		32
#define DWCP_NONCE_LEN		16
#define DWCP_PROOF_LEN		32

struct dwcp_hello {
	__be16	streams;		/* wanted */
	__be16	reserved;
	__be32	caps;
	__be32	max_frame;		/* largest payload the client accepts */
	__u8	key[DWCP_KEY_LEN];	/* client key */
	__be32	hde_store_kib;		/* baseline memory offered (records) */
};

/* Hello payloads only grow; a receiver reads what it knows, zero beyond. */
#define DWCP_HELLO_MIN_LEN	44
#define DWCP_HELLO_ACK_MIN_LEN	48

struct dwcp_hello_ack {
	__be16	streams;		/* granted */
	__be16	reserved;
	__be32	caps;
	__be32	max_frame;
	__be32	token;			/* names the session in joins */
	__u8	key[DWCP_KEY_LEN];	/* server key */
	__be32	hde_store_kib;		/* baseline memory both ends use */
};

/*
 * proof = HMAC-SHA256(client key || server key,
 *                     "dwcp-join" || token || index || nonce)
 */
struct dwcp_join {
	__be32	token;
	__be16	index;
	__be16	reserved;
	__u8	nonce[DWCP_NONCE_LEN];
	__u8	proof[DWCP_PROOF_LEN];
};

/* proof = HMAC-SHA256(keys, "dwcp-join-ack" || token || index || nonce) */
struct dwcp_join_ack {
	__u8	proof[DWCP_PROOF_LEN];
};

/* Why a server declined a stream (DECLINE aux; counted on the server). */
enum dwcp_decline {
	DWCP_DECLINE_VERSION = 1,	/* unsupported protocol version */
	DWCP_DECLINE_MALFORMED = 2,	/* bad handshake frame */
	DWCP_DECLINE_NO_SESSION = 3,	/* join names no session */
	DWCP_DECLINE_BAD_PROOF = 4,	/* join proof does not verify */
	DWCP_DECLINE_FULL = 5,		/* the listener's backlog is full */
	DWCP_DECLINE_TYPE = 6,		/* records vs byte stream mismatch */
};

/*
 * 1b. HDE: hierarchical delta encoding of keyed records
 *
 * A record is a key (64 bits, chosen by the application: a page frame
 * number, say) and 1..DWCP_HDE_MAX_RECORD content bytes.  Both ends keep the
 * last version of each key they sent or received (the baseline store), in
 * the same bounded memory; the sender decides every store change and the
 * receiver replays it in the same order, so the two stores stay identical
 * without messages about them (see protocol.md, "HDE").
 *
 * Records travel in chunks.  A chunk decodes with the receiver's store
 * alone (no compression state from earlier chunks), so a chunk resent on
 * another stream decodes the same way.
 *
 *   chunk   = struct dwcp_hde_chunk, then a body of @enc_len bytes
 *   plain   = prefix, then three sections:
 *             headers (hdrs_len bytes: the @nrec record headers, as
 *             columns), runs (runs_len bytes: the DELTA run tables, in
 *             record order) and literals (the rest: RAW contents and DELTA
 *             new bytes, in record order); @plain_len bytes in all
 *   prefix  = hdrs_len, runs_len (ULEB128), check (8 bytes, little-endian)
 *   body    = comp NONE: the plain bytes.  comp ZSTD: the prefix as it is,
 *             then for each section in turn a ULEB128 length n and n bytes:
 *             the section itself when n is its length, else one zstd frame
 *             that decompresses to exactly the section
 *
 * Keeping like with like (each header field, run lengths, content bytes)
 * is what lets zstd compress each well.  The header section holds, each
 * one after the other, the columns:
 *
 *   kinds    @nrec bytes, enum dwcp_hde_kind
 *   keys     per record, ULEB128 of the zigzag difference to the previous
 *            record's key (to 0 for the first record of a chunk)
 *   versions per record, ULEB128: the version its key has after it
 *   lengths  per record, ULEB128: content bytes, 1..DWCP_HDE_MAX_RECORD
 *   refs     in record order, DELTA: ULEB128 bytes of its run table; DUP:
 *            ULEB128 zigzag difference ref_key - key, ULEB128 ref_version
 *
 * The check covers the records rebuilt from baselines (SAME, DUP, DELTA),
 * in record order: starting from 0, for each such record, with h the
 * xxh64 (seed 0) of its content and rotl the 64-bit left rotation,
 * check = rotl(check + h * 0xC2B2AE3D27D4EB4F, 31) * 0x9E3779B185EBCA87
 * (an XXH64 round, so one wrong record always changes it).  A chunk with no
 * such record carries 0.  The receiver rebuilds a chunk's records and
 * delivers none of them until the check matches.
 *
 * Integers of the chunk header are big-endian.  A decoder rejects
 * (-EBADMSG) any length out of bounds, an overlong or oversized ULEB128, an
 * unknown kind or comp, sections or columns that do not add up exactly, a
 * zstd frame that does not produce exactly its section, and a chunk whose
 * records hold more than DWCP_HDE_MAX_CONTENT bytes together.  A chunk with
 * a record whose baseline is missing or has another version, or whose
 * check fails, is never delivered (-ESTALE).
 *
 * Resync (both ends announced DWCP_CAP_RESYNC).  A receiver whose chunk
 * fails -ESTALE empties its baseline store, drops the chunk and everything
 * after it, and sends RESYNC (seq = the session offset where the failed
 * chunk starts, aux = 1 for its first resync, 2 for the next, ...), again
 * every DWCP_RESYNC_RETRY_MS until the marker comes.  The sender, which
 * keeps every record until the receiver has decoded its chunk, empties
 * its store too and sends a marker chunk (comp DWCP_HDE_COMP_RESYNC, nrec
 * 0, plain_len = enc_len = 4, body = the resync number, big-endian), then
 * the records of the failed chunk and of every later one again, encoded
 * against the empty store.  The receiver skips whole chunks until that
 * marker.  REC_ACK (seq = the session offset where the last chunk decoded,
 * or the last marker, ends; never a skipped chunk) lets the sender drop
 * records; its FIN waits until every chunk is
 * decoded, so a resync can still come after the application has closed.
 * A marker the receiver did not ask for, or a RESYNC that names no chunk
 * start the sender keeps, is a protocol error.  A sender may serve only a
 * few resyncs back to back and then one per half DWCP_RESYNC_RETRY_MS
 * (Linux: 4, then one per 500 ms); it ignores a RESYNC beyond that, which
 * the receiver sends again.  Without DWCP_CAP_RESYNC at both ends, the
 * session fails with ESTALE instead.
 */
#define DWCP_RESYNC_RETRY_MS	1000
#define DWCP_HDE_MAX_RECORD	1048576		/* content bytes of one record */
#define DWCP_HDE_MAX_PLAIN	(DWCP_HDE_MAX_RECORD + 4096) /* of a chunk */
#define DWCP_HDE_MAX_CONTENT	(4 * DWCP_HDE_MAX_RECORD) /* records of a chunk */
#define DWCP_HDE_CHUNK_HDR_LEN	12

struct dwcp_hde_chunk {
	__u8	comp;		/* enum dwcp_hde_comp */
	__u8	level;		/* zstd level used (informational) */
	__be16	nrec;		/* records in the chunk, >= 1 */
	__be32	plain_len;	/* <= DWCP_HDE_MAX_PLAIN */
	__be32	enc_len;	/* body bytes; == plain_len when comp is NONE */
};

enum dwcp_hde_comp {
	DWCP_HDE_COMP_NONE = 0,
	DWCP_HDE_COMP_ZSTD = 1,
	DWCP_HDE_COMP_RESYNC = 2,	/* resync marker, below */
};

/*
 * What a record carries and how the receiver rebuilds the content.  "Store"
 * means: the content becomes @key's baseline with @version, which may evict
 * other baselines (the store's deterministic rule).
 */
enum dwcp_hde_kind {
	DWCP_HDE_RAW = 1,	/* content in the literals; store */
	DWCP_HDE_ZERO = 2,	/* content all zero; store */
	DWCP_HDE_SAME = 3,	/* content = baseline @version of @key, which
				 * stays as it is
				 */
	DWCP_HDE_DUP = 4,	/* content = baseline ref_version of ref_key;
				 * store
				 */
	DWCP_HDE_DELTA = 5,	/* content = baseline @version - 1 of @key
				 * (same length) changed by the run table;
				 * store
				 */
};

/*
 * DELTA run table: (skip, copy) pairs as ULEB128 until the table ends: skip
 * bytes stay as in the baseline, then copy >= 1 bytes come from the
 * literals.  Bytes after the last pair stay as in the baseline.  No pair
 * runs past @len.
 */

/*
 * 2. Generic netlink family "dwcp"
 *
 * Resolve the family id by name (CTRL_CMD_GETFAMILY) and check that its
 * version is DWCP_GENL_VERSION.  Read-only commands are open to every user;
 * commands that change state require CAP_NET_ADMIN in the user namespace
 * owning the network namespace.  Everything is per network namespace: a
 * request sees, and an event reports, only the objects of the requester's
 * (listener's) namespace.
 *
 * Events are multicast on the group DWCP_MCGRP_EVENTS.  They are hints:
 * multicast messages can be lost (ENOBUFS), so every object an event names
 * can also be read back with a get or dump command.
 */
#define DWCP_GENL_NAME		"dwcp"
#define DWCP_GENL_VERSION	1
#define DWCP_MCGRP_EVENTS	"events"

/* Longest module version string, including the terminating NUL. */
#define DWCP_VERSION_LEN	32

/*
 * Feature bits, reported in DWCP_A_INFO_FEATURES.  A bit is set only when
 * the running module implements the feature.
 *
 * @DWCP_FEATURE_SOCKET: socket(family, SOCK_STREAM, 0) creates DWCP sockets
 * @DWCP_FEATURE_EVENTS: session events are sent on DWCP_MCGRP_EVENTS
 * @DWCP_FEATURE_TCP: sessions carried over kernel TCP streams
 * @DWCP_FEATURE_RDMA: sessions carried over RDMA RC queue pairs
 * @DWCP_FEATURE_HDE: delta encoding and compression of records
 * @DWCP_FEATURE_PACING: aggregate pacing of a session
 * @DWCP_FEATURE_MODE_DETECT: datacenter/internet mode detection
 */
enum dwcp_feature {
	DWCP_FEATURE_SOCKET = 1,
	DWCP_FEATURE_EVENTS = 2,
	DWCP_FEATURE_TCP = 4,
	DWCP_FEATURE_RDMA = 8,
	DWCP_FEATURE_HDE = 16,
	DWCP_FEATURE_PACING = 32,
	DWCP_FEATURE_MODE_DETECT = 64,
};

/*
 * Attributes of info-get replies.
 *
 * @DWCP_A_INFO_VERSION: string, module version (at most DWCP_VERSION_LEN
 *	bytes with the NUL)
 * @DWCP_A_INFO_FAMILY: u32, the address family number of AF_DWCP
 * @DWCP_A_INFO_FEATURES: u64, enum dwcp_feature bits
 * @DWCP_A_INFO_PAD: padding for 64-bit attributes, carries nothing
 */
enum {
	DWCP_A_INFO_VERSION = 1,
	DWCP_A_INFO_FAMILY,
	DWCP_A_INFO_FEATURES,
	DWCP_A_INFO_PAD,

	__DWCP_A_INFO_MAX,
	DWCP_A_INFO_MAX = (__DWCP_A_INFO_MAX - 1)
};

/*
 * Attributes of a session (session-get replies and dumps, session-set
 * requests, session events).
 *
 * A session object exists for every DWCP socket, from socket() to the last
 * close().  Events carry only ID and SOCK_TYPE; session-get carries every
 * attribute that applies (a listener has no streams, a session not yet
 * connected no peer).
 *
 * @DWCP_A_SESSION_ID: u64, session id, unique until the next reboot
 * @DWCP_A_SESSION_SOCK_TYPE: u32, socket type (SOCK_STREAM, SOCK_SEQPACKET)
 * @DWCP_A_SESSION_PAD: padding for 64-bit attributes, carries nothing
 * @DWCP_A_SESSION_STATE: u32, enum dwcp_sock_state
 * @DWCP_A_SESSION_LOCAL: binary, struct sockaddr_dwcp of the local end
 * @DWCP_A_SESSION_PEER: binary, struct sockaddr_dwcp of the peer
 * @DWCP_A_SESSION_STREAMS_UP: u32, streams carrying data now
 * @DWCP_A_SESSION_STREAMS_TOTAL: u32, streams the session uses.
 *	session-set: 1 up to what the peer granted at the handshake (the
 *	count asked with DWCP_STREAMS, or 16 when the kernel chose); on the
 *	connecting side only.  Extra streams join; surplus ones finish the
 *	frame they carry and close (see Documentation/protocol.md).
 * @DWCP_A_SESSION_BYTES_SENT: u64, as dwci_bytes_sent
 * @DWCP_A_SESSION_BYTES_ACKED: u64, as dwci_bytes_acked
 * @DWCP_A_SESSION_BYTES_RECEIVED: u64, as dwci_bytes_received
 * @DWCP_A_SESSION_FRAMES_RESENT: u64, as dwci_frames_resent
 * @DWCP_A_SESSION_PACING_RATE: u64, aggregate pacing in bytes/s, 0 = none.
 *	session-set: any value; it applies at once to the whole session.
 * @DWCP_A_SESSION_CODEC: s32, as DWCP_CODEC: -1 measured choice, 0 none,
 *	1..3 zstd level 1, 3, 6.  session-set: -1..3.
 * @DWCP_A_SESSION_INFO: binary, struct dwcp_conn_info (DWCP_INFO, every
 *	counter; dwci_len says how much a newer or older kernel filled)
 * @DWCP_A_SESSION_STREAM: nest, repeated: one stream (DWCP_A_STREAM_*)
 * @DWCP_A_SESSION_MODE: u32, enum dwcp_mode in force.  session-set: the
 *	mode to force, DWCP_MODE_AUTO to hand the session back to the
 *	detector.  mode-changed: the new mode.
 * @DWCP_A_SESSION_MODE_FORCED: u32, enum dwcp_mode forced on the session
 *	(its own or the netns default), DWCP_MODE_AUTO if detected
 * @DWCP_A_SESSION_OLD_MODE: u32, mode-changed: the mode before
 * @DWCP_A_SESSION_MODE_REASON: u32, mode-changed: enum dwcp_mode_reason
 * @DWCP_A_SESSION_RTT_US: u32, the latest RTT sample (TCP's RACK RTT, its
 *	smoothed RTT until there is one), least over the streams that had
 *	data acknowledged in the last sample
 * @DWCP_A_SESSION_MIN_RTT_US: u32, least minimum RTT of the up streams
 * @DWCP_A_SESSION_LOSS_PPM: u32, segments retransmitted per million sent
 *	over the last sample
 * @DWCP_A_SESSION_DELIVERY_RATE: u64, bytes/s acknowledged over the last
 *	sample while the session was backlogged (data waiting for a stream,
 *	or the writer held back by a full send buffer; its pacing, if any,
 *	may be what limited it); 0 = not measured.  A measurement event
 *	averages the backlogged samples since the previous one instead, and
 *	says 0 if they cover less than half of that interval
 * @DWCP_A_SESSION_TIME_NS: u64, events: CLOCK_REALTIME of the sample
 * @DWCP_A_SESSION_MODE_SCORES: binary, three __u32 per mille: datacenter,
 *	internet, hybrid scores of the detector
 * @DWCP_A_SESSION_STREAMS_MAX: u32, the most streams a policy may give the
 *	session: the slots granted at the handshake on a connecting session
 *	whose application left DWCP_STREAMS to the kernel; 0 when the count
 *	is not the policy's (the accepting side, or the application chose
 *	it; an admin's session-set may still change the latter within its
 *	grant).  session-get, mode-changed and measurement events.
 * @DWCP_A_SESSION_CONGESTION: string, congestion control chosen for every
 *	stream (DWCP_CONGESTION or session-set), "" when the mode chooses
 *	(cubic in datacenter mode, bbr otherwise).  session-set: an algorithm
 *	the kernel allows (-ENOENT otherwise) or "" to hand it back to the
 *	mode; every up stream changes at once.
 * @DWCP_A_SESSION_FRAME_SIZE: u32, payload bytes per data frame the
 *	session sends (DWCP_FRAME_SIZE, capped at what the peer accepts).
 *	session-set: DWCP_MIN_FRAME..DWCP_MAX_FRAME; data queued from then on
 *	goes in frames of that size (capped at the peer's limit), frames
 *	already queued keep theirs.  session-get, mode-changed and
 *	measurement events.
 * @DWCP_A_SESSION_FRAME_SIZE_MAX: u32, the largest frame size a policy
 *	may give the session (what the peer accepts); 0 when the size is not
 *	the policy's (the application chose it with DWCP_FRAME_SIZE; an
 *	admin's session-set may still change it).  session-get, mode-changed
 *	and measurement events.
 * @DWCP_A_SESSION_FALLBACK: u32, enum dwcp_fallback_reason: why the
 *	session is not on the transport its mode asks for, 0 when it is (or
 *	it is not established).  session-get and the fallback event.
 */
enum {
	DWCP_A_SESSION_ID = 1,
	DWCP_A_SESSION_SOCK_TYPE,
	DWCP_A_SESSION_PAD,
	DWCP_A_SESSION_STATE,
	DWCP_A_SESSION_LOCAL,
	DWCP_A_SESSION_PEER,
	DWCP_A_SESSION_STREAMS_UP,
	DWCP_A_SESSION_STREAMS_TOTAL,
	DWCP_A_SESSION_BYTES_SENT,
	DWCP_A_SESSION_BYTES_ACKED,
	DWCP_A_SESSION_BYTES_RECEIVED,
	DWCP_A_SESSION_FRAMES_RESENT,
	DWCP_A_SESSION_PACING_RATE,
	DWCP_A_SESSION_CODEC,
	DWCP_A_SESSION_INFO,
	DWCP_A_SESSION_STREAM,
	DWCP_A_SESSION_MODE,
	DWCP_A_SESSION_MODE_FORCED,
	DWCP_A_SESSION_OLD_MODE,
	DWCP_A_SESSION_MODE_REASON,
	DWCP_A_SESSION_RTT_US,
	DWCP_A_SESSION_MIN_RTT_US,
	DWCP_A_SESSION_LOSS_PPM,
	DWCP_A_SESSION_DELIVERY_RATE,
	DWCP_A_SESSION_TIME_NS,
	DWCP_A_SESSION_MODE_SCORES,
	DWCP_A_SESSION_STREAMS_MAX,
	DWCP_A_SESSION_CONGESTION,
	DWCP_A_SESSION_FRAME_SIZE,
	DWCP_A_SESSION_FRAME_SIZE_MAX,
	DWCP_A_SESSION_FALLBACK,

	__DWCP_A_SESSION_MAX,
	DWCP_A_SESSION_MAX = (__DWCP_A_SESSION_MAX - 1)
};

/*
 * Attributes of one stream, nested in DWCP_A_SESSION_STREAM.  Figures from
 * the stream's TCP connection (tcp_info) are present only while it is up.
 *
 * @DWCP_A_STREAM_INDEX: u32, slot 0..streams_total-1
 * @DWCP_A_STREAM_UP: u8, 1 while the stream carries data
 * @DWCP_A_STREAM_RTT_US: u32, smoothed RTT
 * @DWCP_A_STREAM_MIN_RTT_US: u32
 * @DWCP_A_STREAM_CWND: u32, segments
 * @DWCP_A_STREAM_RETRANS: u32, segments retransmitted in total
 * @DWCP_A_STREAM_DELIVERY_RATE: u64, bytes/s
 * @DWCP_A_STREAM_PACING_RATE: u64, bytes/s, TCP's own pacing
 * @DWCP_A_STREAM_BYTES_SENT: u64, frame bytes, headers included
 * @DWCP_A_STREAM_BYTES_RECEIVED: u64
 * @DWCP_A_STREAM_CC: string, congestion control algorithm
 * @DWCP_A_STREAM_PAD: padding for 64-bit attributes, carries nothing
 * @DWCP_A_STREAM_ERROR: u32, stream-down events: the errno that took the
 *	stream down (ECONNRESET, ETIMEDOUT, EPIPE, EPROTO, ...); 0 when it was
 *	retired on purpose
 */
enum {
	DWCP_A_STREAM_INDEX = 1,
	DWCP_A_STREAM_UP,
	DWCP_A_STREAM_RTT_US,
	DWCP_A_STREAM_MIN_RTT_US,
	DWCP_A_STREAM_CWND,
	DWCP_A_STREAM_RETRANS,
	DWCP_A_STREAM_DELIVERY_RATE,
	DWCP_A_STREAM_PACING_RATE,
	DWCP_A_STREAM_BYTES_SENT,
	DWCP_A_STREAM_BYTES_RECEIVED,
	DWCP_A_STREAM_CC,
	DWCP_A_STREAM_PAD,
	DWCP_A_STREAM_ERROR,

	__DWCP_A_STREAM_MAX,
	DWCP_A_STREAM_MAX = (__DWCP_A_STREAM_MAX - 1)
};

/*
 * Why a session is not on the transport its mode asks for
 * (DWCP_A_SESSION_FALLBACK, the fallback event).  A session falls back
 * rather than fail: it stays on the TCP streams it has, and says why once
 * per entry into the mode (each reason is counted, DWCP_A_STATS_FALLBACK_*).
 * New reasons are appended; a helper must take an unknown one as "some
 * fallback".
 *
 * @DWCP_FALLBACK_NONE: on the mode's transport
 * @DWCP_FALLBACK_NO_RDMA: datacenter mode asks for RDMA queue pairs, and
 *	this module has no RDMA transport (DWCP_FEATURE_RDMA unset): the
 *	session stays on TCP, with the mode's congestion control and stream
 *	count
 */
enum dwcp_fallback_reason {
	DWCP_FALLBACK_NONE = 0,
	DWCP_FALLBACK_NO_RDMA = 1,
};

/* Why a mode changed (DWCP_A_SESSION_MODE_REASON). */
enum dwcp_mode_reason {
	DWCP_MODE_REASON_DETECTED = 1,	/* the measurements */
	DWCP_MODE_REASON_FORCED = 2,	/* DWCP_MODE, session-set or defaults */
	DWCP_MODE_REASON_PEER = 3,	/* another session's measurements of the
					 * same peer moved the peer's detector
					 */
};

/*
 * Per-netns defaults of mode detection (defaults-get, defaults-set).  The
 * thresholds apply to every session of the netns from its next sample.
 *
 * @DWCP_A_DEFAULTS_MODE: u32, enum dwcp_mode forced on every session that
 *	does not force its own; DWCP_MODE_AUTO (default) to detect
 * @DWCP_A_DEFAULTS_DC_RTT_US: u32, datacenter below (default 10000)
 * @DWCP_A_DEFAULTS_INET_RTT_US: u32, internet above (default 50000)
 * @DWCP_A_DEFAULTS_DC_BW: u64, bytes/s, datacenter at or above (default
 *	125000000, 1 Gbit/s); 0 ignores bandwidth for datacenter
 * @DWCP_A_DEFAULTS_INET_BW: u64, bytes/s, internet below (default
 *	125000000); 0 ignores bandwidth for internet
 * @DWCP_A_DEFAULTS_DC_LOSS_PPM: u32, datacenter below (default 1000, 0.1 %)
 * @DWCP_A_DEFAULTS_INET_LOSS_PPM: u32, internet above (default 10000, 1 %)
 * @DWCP_A_DEFAULTS_ENTER_PCT: u32, 1..100, score to enter a mode (default 70)
 * @DWCP_A_DEFAULTS_LEAVE_PCT: u32, 1..100, score below which the current
 *	mode may be left (default 60)
 * @DWCP_A_DEFAULTS_COOLDOWN_MS: u32, at most 600000, least time between
 *	two detected changes of a session (default 3000)
 * @DWCP_A_DEFAULTS_PAD: padding for 64-bit attributes, carries nothing
 *
 * dc_rtt_us must not exceed inet_rtt_us and dc_loss_ppm not inet_loss_ppm
 * (-EINVAL otherwise, checked on the values after the update).
 */
enum {
	DWCP_A_DEFAULTS_MODE = 1,
	DWCP_A_DEFAULTS_DC_RTT_US,
	DWCP_A_DEFAULTS_INET_RTT_US,
	DWCP_A_DEFAULTS_DC_BW,
	DWCP_A_DEFAULTS_INET_BW,
	DWCP_A_DEFAULTS_DC_LOSS_PPM,
	DWCP_A_DEFAULTS_INET_LOSS_PPM,
	DWCP_A_DEFAULTS_ENTER_PCT,
	DWCP_A_DEFAULTS_LEAVE_PCT,
	DWCP_A_DEFAULTS_COOLDOWN_MS,
	DWCP_A_DEFAULTS_PAD,

	__DWCP_A_DEFAULTS_MAX,
	DWCP_A_DEFAULTS_MAX = (__DWCP_A_DEFAULTS_MAX - 1)
};

/*
 * Counters of a network namespace (stats-get), the same as the "Name value"
 * lines of /proc/net/dwcp_stat, every one a u64 that only grows.
 *
 * @DWCP_A_STATS_PAD: padding for 64-bit attributes, carries nothing
 * @DWCP_A_STATS_SESSIONS_OPENED: SessionsOpened, client handshakes done
 * @DWCP_A_STATS_SESSIONS_ACCEPTED: SessionsAccepted, server handshakes done
 * @DWCP_A_STATS_SESSIONS_ABORTED: SessionsAborted, sessions given up (no
 *	stream for too long, undeliverable data after close)
 * @DWCP_A_STATS_STREAMS_JOINED: StreamsJoined, streams that joined a session
 * @DWCP_A_STATS_STREAM_FAILURES: StreamFailures, streams that went down
 * @DWCP_A_STATS_FRAMES_RESENT: FramesResent, frames sent again on another
 *	stream
 * @DWCP_A_STATS_REFUSED_VERSION: RefusedVersion, hellos of another version
 * @DWCP_A_STATS_REFUSED_BAD_CRC: RefusedBadCrc, frames failing CRC32C
 * @DWCP_A_STATS_REFUSED_OVERSIZE: RefusedOversize, frames above the limit
 * @DWCP_A_STATS_REFUSED_MALFORMED: RefusedMalformed, bad handshake payloads
 * @DWCP_A_STATS_REFUSED_TRUNCATED: RefusedTruncated, handshakes cut short
 * @DWCP_A_STATS_REFUSED_NO_SESSION: RefusedNoSession, joins of no session
 * @DWCP_A_STATS_REFUSED_BAD_PROOF: RefusedBadProof, joins failing the proof
 * @DWCP_A_STATS_REFUSED_FULL: RefusedFull, handshakes over the backlog
 * @DWCP_A_STATS_PROTOCOL_ERRORS: ProtocolErrors, sessions aborted for a
 *	frame that passed its CRC but broke the protocol
 * @DWCP_A_STATS_REFUSED_TYPE: RefusedType, frames of an unknown type
 * @DWCP_A_STATS_HDE_REJECTED: HdeChunksRejected, records failing to decode
 * @DWCP_A_STATS_HDE_STALE: HdeStaleBaselines, deltas against a baseline
 *	the receiver no longer had
 * @DWCP_A_STATS_MODE_CHANGES: ModeChanges, mode changes of all sessions
 * @DWCP_A_STATS_STREAMS_RETIRED: StreamsRetired, streams closed on purpose
 *	because the session was set to use fewer
 * @DWCP_A_STATS_PEER_WARM_STARTS: PeerWarmStarts, sessions that started in
 *	the mode recently measured to their peer (peer-get)
 * @DWCP_A_STATS_FALLBACK_NO_RDMA: FallbackNoRdma, fallbacks with reason
 *	DWCP_FALLBACK_NO_RDMA
 * @DWCP_A_STATS_RX_FRAMES_COPIED: RxFramesCopied, plain data frames of 4 KiB
 *	or more of byte streams copied on receipt instead of left in TCP's
 *	buffers: in too many small pieces, on a stream whose frames did so
 *	lately, or while the session held its share of skbs
 * @DWCP_A_STATS_PEER_RESETS: PeerResets, sessions ended by their peer's
 *	DWCP_FRAME_RESET (ECONNRESET)
 * @DWCP_A_STATS_DATA_CRC_ERRORS: DataCrcErrors, frames of established
 *	sessions that failed their CRC: on arrival (the stream closes, its
 *	frames are sent again) or when the reader took a DWCP_FRAME_F_PCRC
 *	payload (asked for again with DWCP_FRAME_RESEND)
 */
enum {
	DWCP_A_STATS_PAD = 1,
	DWCP_A_STATS_SESSIONS_OPENED,
	DWCP_A_STATS_SESSIONS_ACCEPTED,
	DWCP_A_STATS_SESSIONS_ABORTED,
	DWCP_A_STATS_STREAMS_JOINED,
	DWCP_A_STATS_STREAM_FAILURES,
	DWCP_A_STATS_FRAMES_RESENT,
	DWCP_A_STATS_REFUSED_VERSION,
	DWCP_A_STATS_REFUSED_BAD_CRC,
	DWCP_A_STATS_REFUSED_OVERSIZE,
	DWCP_A_STATS_REFUSED_MALFORMED,
	DWCP_A_STATS_REFUSED_TRUNCATED,
	DWCP_A_STATS_REFUSED_NO_SESSION,
	DWCP_A_STATS_REFUSED_BAD_PROOF,
	DWCP_A_STATS_REFUSED_FULL,
	DWCP_A_STATS_PROTOCOL_ERRORS,
	DWCP_A_STATS_REFUSED_TYPE,
	DWCP_A_STATS_HDE_REJECTED,
	DWCP_A_STATS_HDE_STALE,
	DWCP_A_STATS_MODE_CHANGES,
	DWCP_A_STATS_STREAMS_RETIRED,
	DWCP_A_STATS_PEER_WARM_STARTS,
	DWCP_A_STATS_FALLBACK_NO_RDMA,
	DWCP_A_STATS_RX_FRAMES_COPIED,
	DWCP_A_STATS_PEER_RESETS,
	DWCP_A_STATS_DATA_CRC_ERRORS,

	__DWCP_A_STATS_MAX,
	DWCP_A_STATS_MAX = (__DWCP_A_STATS_MAX - 1)
};

/*
 * Peers: one mode detector per remote address (any port) of a network
 * namespace, fed with the samples of every session to that address whose
 * mode is not forced (nor left over from a force lifted since), every
 * DWCP_SAMPLE_MS while the session has data acknowledged.  Such a session
 * takes its mode from its peer's detector, so a path change that one busy
 * session measures moves every session to the peer, idle ones included
 * (DWCP_MODE_REASON_PEER).  A session to a peer measured within
 * DWCP_PEER_FRESH_MS starts in the peer's mode, congestion control
 * included, instead of internet mode; a peer not measured for longer
 * starts again from the next session's detector.  Sessions also report
 * their measurement events' averaged sample (once a second while busy)
 * for peer-get.  At most DWCP_PEERS_MAX per netns; the least recently
 * measured goes first.  Without an entry (none could be allocated) a
 * session runs its own detector alone.
 */
#define DWCP_PEER_FRESH_MS	60000
#define DWCP_PEERS_MAX		1024

/*
 * Attributes of a peer (peer-get dumps).
 *
 * @DWCP_A_PEER_ADDR: binary, struct sockaddr_dwcp of the peer, port 0
 * @DWCP_A_PEER_PAD: padding for 64-bit attributes, carries nothing
 * @DWCP_A_PEER_MODE: u32, enum dwcp_mode its detector is in
 * @DWCP_A_PEER_RTT_US: u32, as DWCP_A_SESSION_RTT_US of the last report
 * @DWCP_A_PEER_MIN_RTT_US: u32, as DWCP_A_SESSION_MIN_RTT_US
 * @DWCP_A_PEER_LOSS_PPM: u32, as DWCP_A_SESSION_LOSS_PPM
 * @DWCP_A_PEER_DELIVERY_RATE: u64, bytes/s of the last report: a
 *	measurement event's average, or at a mode change the latest sample's
 *	(0 = not measured)
 * @DWCP_A_PEER_MODE_SCORES: binary, three __u32 per mille: datacenter,
 *	internet, hybrid
 * @DWCP_A_PEER_AGE_MS: u64, milliseconds since a session last measured it
 * @DWCP_A_PEER_REPORTS: u64, reports from its sessions
 * @DWCP_A_PEER_WARM_STARTS: u64, sessions that started in its mode
 * @DWCP_A_PEER_SAMPLES: u64, samples its sessions fed its detector (since
 *	it last started afresh)
 * @DWCP_A_PEER_MODE_CHANGES: u64, mode changes of its detector (since then)
 */
enum {
	DWCP_A_PEER_ADDR = 1,
	DWCP_A_PEER_PAD,
	DWCP_A_PEER_MODE,
	DWCP_A_PEER_RTT_US,
	DWCP_A_PEER_MIN_RTT_US,
	DWCP_A_PEER_LOSS_PPM,
	DWCP_A_PEER_DELIVERY_RATE,
	DWCP_A_PEER_MODE_SCORES,
	DWCP_A_PEER_AGE_MS,
	DWCP_A_PEER_REPORTS,
	DWCP_A_PEER_WARM_STARTS,
	DWCP_A_PEER_SAMPLES,
	DWCP_A_PEER_MODE_CHANGES,

	__DWCP_A_PEER_MAX,
	DWCP_A_PEER_MAX = (__DWCP_A_PEER_MAX - 1)
};

/*
 * Commands.
 *
 * @DWCP_CMD_INFO_GET: do; no request attributes; the reply carries the
 *	DWCP_A_INFO_* attributes.  Open to every user.
 * @DWCP_CMD_SESSION_CREATED: event (DWCP_A_SESSION_*): a session was created.
 * @DWCP_CMD_SESSION_CLOSED: event (DWCP_A_SESSION_*): a session was closed.
 * @DWCP_CMD_SESSION_GET: do (DWCP_A_SESSION_ID required) or dump (every
 *	session of the caller's netns, by increasing id); replies carry the
 *	DWCP_A_SESSION_* attributes.  Open to every user.  -ENOENT for an
 *	unknown id.
 * @DWCP_CMD_SESSION_SET: do; DWCP_A_SESSION_ID and at least one of
 *	DWCP_A_SESSION_PACING_RATE, DWCP_A_SESSION_CODEC, _MODE,
 *	_STREAMS_TOTAL, _CONGESTION, _FRAME_SIZE.  CAP_NET_ADMIN in
 *	the netns's user namespace.  -ENOENT unknown id; -EINVAL (with an
 *	extack message naming the attribute) for a missing or bad attribute.
 *	Also DWCP_A_SESSION_MODE (0..DWCP_MODE_MAX).  -EOPNOTSUPP for
 *	_STREAMS_TOTAL on the accepting side; -ENOTCONN before the handshake.
 * @DWCP_CMD_MODE_CHANGED: event: DWCP_A_SESSION_ID, _MODE, _OLD_MODE,
 *	_MODE_REASON, _TIME_NS and the measurements that caused it (_RTT_US,
 *	_MIN_RTT_US, _LOSS_PPM, _DELIVERY_RATE, _MODE_SCORES), the streams
 *	(_STREAMS_TOTAL, _STREAMS_MAX) and frames (_FRAME_SIZE,
 *	_FRAME_SIZE_MAX).
 * @DWCP_CMD_MEASUREMENT: event, at most one per session per second while
 *	someone listens: DWCP_A_SESSION_ID, _MODE, _TIME_NS, the measurements
 *	(the delivery rate averaged over the second), _BYTES_ACKED, the
 *	streams and frames; the input of dwcpd's predictor.
 * @DWCP_CMD_DEFAULTS_GET: do; the reply carries every DWCP_A_DEFAULTS_*.
 *	Open to every user.
 * @DWCP_CMD_DEFAULTS_SET: do; any DWCP_A_DEFAULTS_*; the rest keep their
 *	values.  CAP_NET_ADMIN in the netns's user namespace.
 * @DWCP_CMD_STATS_GET: do; the reply carries every DWCP_A_STATS_* of the
 *	caller's netns.  Open to every user.
 * @DWCP_CMD_STREAM_UP: event: DWCP_A_SESSION_ID, _TIME_NS and one
 *	DWCP_A_SESSION_STREAM nest (DWCP_A_STREAM_INDEX): a stream connected
 *	or joined (again).
 * @DWCP_CMD_STREAM_DOWN: event: as stream-up, the nest with
 *	DWCP_A_STREAM_ERROR: a stream of a live session went down; its
 *	frames go out on the others.  Streams closed with their session get
 *	no event (session-closed says it).
 * @DWCP_CMD_PEER_GET: dump; every peer of the netns (DWCP_A_PEER_*), in
 *	no particular order (NLM_F_DUMP_INTR when the table changed between
 *	two parts).  Open to every user.
 * @DWCP_CMD_FALLBACK: event: DWCP_A_SESSION_ID, _TIME_NS, _MODE and
 *	_FALLBACK: an established session is not on the transport its mode
 *	asks for (it entered the mode, or was established in it).  Not
 *	repeated while the session stays in that mode; session-get carries
 *	the reason in force.
 */
enum {
	DWCP_CMD_INFO_GET = 1,
	DWCP_CMD_SESSION_CREATED,
	DWCP_CMD_SESSION_CLOSED,
	DWCP_CMD_SESSION_GET,
	DWCP_CMD_SESSION_SET,
	DWCP_CMD_MODE_CHANGED,
	DWCP_CMD_MEASUREMENT,
	DWCP_CMD_DEFAULTS_GET,
	DWCP_CMD_DEFAULTS_SET,
	DWCP_CMD_STATS_GET,
	DWCP_CMD_STREAM_UP,
	DWCP_CMD_STREAM_DOWN,
	DWCP_CMD_PEER_GET,
	DWCP_CMD_FALLBACK,

	__DWCP_CMD_MAX,
	DWCP_CMD_MAX = (__DWCP_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_DWCP_H */
