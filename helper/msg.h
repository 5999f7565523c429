/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsers and formatters of dwcp generic netlink messages.  Pure functions:
 * no sockets, no global state, so the unit tests and the fuzzers drive the
 * same code as dwcpctl and dwcpd.
 */
#ifndef DWCP_MSG_H
#define DWCP_MSG_H

#include <stdint.h>
#include <stdio.h>
#include <netlink/attr.h>

#include "../uapi/linux/dwcp.h"

/* Room for a parse error message naming the attribute at fault. */
#define DWCP_ERRLEN 128

struct dwcp_info {
	char version[DWCP_VERSION_LEN];
	uint32_t family;
	uint64_t features;
};

enum dwcp_event_kind {
	DWCP_EVENT_UNKNOWN,
	DWCP_EVENT_SESSION_CREATED,
	DWCP_EVENT_SESSION_CLOSED,
	DWCP_EVENT_MODE_CHANGED,
	DWCP_EVENT_MEASUREMENT,
	DWCP_EVENT_STREAM_UP,
	DWCP_EVENT_STREAM_DOWN,
	DWCP_EVENT_FALLBACK,
};

/* Measurements of a session path (DWCP_A_SESSION_RTT_US, ...). */
struct dwcp_measurement {
	uint32_t mode;			/* enum dwcp_mode in force */
	uint32_t rtt_us, min_rtt_us, loss_ppm;
	uint64_t delivery_rate;		/* bytes/s, 0 = not measured */
	uint32_t scores[3];		/* per mille: dc, internet, hybrid */
};

struct dwcp_event {
	enum dwcp_event_kind kind;
	uint8_t cmd;
	uint64_t session_id;
	uint32_t sock_type;
	/* mode-changed and measurement */
	struct dwcp_measurement m;
	uint32_t old_mode, reason;
	uint64_t time_ns;		/* CLOCK_REALTIME */
	uint64_t bytes_acked;
	uint32_t streams_total;		/* in use */
	uint32_t streams_max;		/* a policy's limit, 0: not its */
	uint32_t frame_size;		/* payload bytes per data frame */
	uint32_t frame_size_max;	/* a policy's limit, 0: not its */
	/* stream-up and stream-down */
	uint32_t stream;		/* slot index */
	uint32_t error;			/* errno that took it down, 0 retired */
	/* fallback (the mode it entered in m.mode, time_ns) */
	uint32_t fallback;		/* enum dwcp_fallback_reason */
};

/* Per-netns detector defaults (DWCP_A_DEFAULTS_*). */
struct dwcp_defaults {
	uint32_t mode;
	uint32_t dc_rtt_us, inet_rtt_us;
	uint64_t dc_bw, inet_bw;
	uint32_t dc_loss_ppm, inet_loss_ppm;
	uint32_t enter_pct, leave_pct, cooldown_ms;
};

/* One field of struct dwcp_defaults: attribute, name, where, how wide. */
struct dwcp_defaults_key {
	int attr;			/* DWCP_A_DEFAULTS_* */
	const char *name;		/* "dc-rtt-us", as in the YNL spec */
	size_t offset;			/* in struct dwcp_defaults */
	int is64;			/* uint64_t, else uint32_t */
};

/* The @i-th field into @out: 0, or -1 past the last one. */
int dwcp_defaults_key(size_t i, struct dwcp_defaults_key *out);
/* The field named @name into @out: 0, or -1 if there is none. */
int dwcp_defaults_key_find(const char *name, struct dwcp_defaults_key *out);

/* A defaults-get reply; every attribute is required. */
int dwcp_defaults_parse(const struct nlattr *head, int len,
			struct dwcp_defaults *out, char err[DWCP_ERRLEN]);
void dwcp_defaults_print_text(FILE *f, const struct dwcp_defaults *d);
void dwcp_defaults_print_json(FILE *f, const struct dwcp_defaults *d);

/* Counters of a netns (stats-get); a newer kernel's extra ones are kept too. */
#define DWCP_STATS_SLOTS 64
struct dwcp_stats {
	uint64_t val[DWCP_STATS_SLOTS];		/* by DWCP_A_STATS_* */
	unsigned char present[DWCP_STATS_SLOTS];
};

/* A stats-get reply: every DWCP_A_STATS_* this helper knows is required. */
int dwcp_stats_parse(const struct nlattr *head, int len,
		     struct dwcp_stats *out, char err[DWCP_ERRLEN]);
/* The /proc/net/dwcp_stat name of DWCP_A_STATS_* @attr, or NULL. */
const char *dwcp_stat_name(unsigned int attr);
/* "Name value" lines, as /proc/net/dwcp_stat; unknown ones as statN. */
void dwcp_stats_print_text(FILE *f, const struct dwcp_stats *st);
void dwcp_stats_print_json(FILE *f, const struct dwcp_stats *st);

/* "auto", "datacenter", "internet", "hybrid", or NULL. */
const char *dwcp_mode_name(uint32_t mode);
/* enum dwcp_mode from a name (or its number); -1 if unknown. */
int dwcp_mode_parse(const char *s);
/* "none", "no-rdma" for enum dwcp_fallback_reason, or NULL. */
const char *dwcp_fallback_name(uint32_t reason);

/*
 * Parse the attributes of an info-get reply.  Returns 0, or -EBADMSG with
 * @err naming the attribute when a required one is missing or malformed.
 * Unknown attributes are ignored (newer modules add some).
 */
int dwcp_info_parse(const struct nlattr *head, int len, struct dwcp_info *out,
		    char err[DWCP_ERRLEN]);

/*
 * Parse an event (genl command @cmd with attributes @head/@len).  Returns 0
 * (kind DWCP_EVENT_UNKNOWN for commands this helper does not know), or
 * -EBADMSG with @err filled in.
 */
int dwcp_event_parse(uint8_t cmd, const struct nlattr *head, int len,
		     struct dwcp_event *out, char err[DWCP_ERRLEN]);

/* One stream of a session-get reply (DWCP_A_STREAM_*). */
struct dwcp_stream_view {
	uint32_t index;
	uint8_t up;
	uint32_t rtt_us, min_rtt_us, cwnd, retrans;
	uint64_t delivery_rate, pacing_rate, bytes_sent, bytes_received;
	char cc[16];
};

/* Stream nests kept per session; more are counted, not stored. */
#define DWCP_VIEW_STREAMS 512

/* A session-get reply (DWCP_A_SESSION_*); has_* say what was present. */
struct dwcp_session {
	uint64_t id;
	uint32_t sock_type, state;
	int has_local, has_peer, has_info;
	struct sockaddr_dwcp local, peer;
	uint32_t streams_up, streams_total;
	uint64_t bytes_sent, bytes_acked, bytes_received, frames_resent;
	uint64_t pacing_rate;
	int32_t codec;
	int has_mode;
	struct dwcp_measurement m;
	uint32_t mode_forced;
	uint32_t streams_max;		/* a policy's limit, 0: not its */
	uint32_t frame_size;		/* payload bytes per data frame */
	uint32_t frame_size_max;	/* a policy's limit, 0: not its */
	char cc[16];			/* chosen for the streams, "": mode's */
	uint32_t fallback;		/* enum dwcp_fallback_reason, 0 absent */
	struct dwcp_conn_info info;	/* zero beyond what the kernel sent */
	uint32_t nstreams;		/* stream nests in the message */
	struct dwcp_stream_view streams[DWCP_VIEW_STREAMS];
};

/*
 * Parse a session-get reply.  Returns 0, or -EBADMSG with @err naming the
 * attribute (id missing, a wrong length, a malformed nest).  Unknown
 * attributes are ignored.
 */
int dwcp_session_parse(const struct nlattr *head, int len,
		       struct dwcp_session *out, char err[DWCP_ERRLEN]);
/* "established", ... for enum dwcp_sock_state, or NULL. */
const char *dwcp_state_name(uint32_t state);
/* "192.0.2.1:5201" or "[2001:db8::1]:5201" into @buf. */
void dwcp_addr_format(char *buf, size_t size, const struct sockaddr_dwcp *a);
/* One line per session like ss; @verbose adds a line per stream. */
void dwcp_session_print_text(FILE *f, const struct dwcp_session *s,
			     int verbose);
void dwcp_session_print_json(FILE *f, const struct dwcp_session *s);

/*
 * A peer-get dump message (DWCP_A_PEER_*): the mode detector of one remote
 * address, fed by the netns's sessions to it, and their last report.
 * Absent measurements read as zero.
 */
struct dwcp_peer {
	struct sockaddr_dwcp addr;	/* port 0: a peer is any port */
	struct dwcp_measurement m;	/* mode of its detector, ... */
	uint64_t age_ms;		/* since its last report */
	uint64_t reports;		/* from its sessions */
	uint64_t warm_starts;		/* sessions that started in its mode */
	uint64_t samples;		/* its sessions fed its detector */
	uint64_t mode_changes;		/* of its detector */
};

/*
 * Parse a peer-get dump message.  Returns 0, or -EBADMSG with @err naming
 * the attribute (addr or mode missing, a wrong length).  Unknown attributes
 * are ignored.
 */
int dwcp_peer_parse(const struct nlattr *head, int len, struct dwcp_peer *out,
		    char err[DWCP_ERRLEN]);
/* One line per peer: "10.0.0.2 datacenter rtt 180 us ... warm-starts 1". */
void dwcp_peer_print_text(FILE *f, const struct dwcp_peer *p);
/* One JSON object (and a newline) per peer. */
void dwcp_peer_print_json(FILE *f, const struct dwcp_peer *p);

/* Name of feature bit @bit (0..63), or NULL if it has none. */
const char *dwcp_feature_name(unsigned int bit);
/* Name of a socket type ("stream", ...), or NULL. */
const char *dwcp_sock_type_name(uint32_t type);

void dwcp_info_print_text(FILE *f, const struct dwcp_info *info);
void dwcp_info_print_json(FILE *f, const struct dwcp_info *info);
/* One log line (no newline) describing @ev into @buf. */
void dwcp_event_format(char *buf, size_t size, const struct dwcp_event *ev);
/* One JSON object per line describing @ev. */
void dwcp_event_print_json(FILE *f, const struct dwcp_event *ev);
/* Write @s as a JSON string literal, quotes included. */
void dwcp_json_string(FILE *f, const char *s);

#endif /* DWCP_MSG_H */
