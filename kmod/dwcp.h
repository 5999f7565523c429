/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of dwcp.ko, sectioned by the file that implements them.
 * The user-visible contract is uapi/linux/dwcp.h.
 */
#ifndef _DWCP_H
#define _DWCP_H

#include <linux/types.h>
#include <net/sock.h>
#include "../uapi/linux/dwcp.h"

#define DWCP_MODULE_VERSION "0.1.0"

/* main.c */
extern int dwcp_family;
u64 dwcp_features(void);

/* socket.c */

/**
 * struct dwcp_sock - a DWCP socket; one session from socket() to close()
 * @sk: the generic socket, must come first
 * @id: session id, unique until the next reboot
 */
struct dwcp_sock {
	struct sock sk;
	u64 id;
};

bool dwcp_family_allowed(int family);
int dwcp_socket_init(int family);
void dwcp_socket_exit(void);

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

int dwcp_genl_init(void);
void dwcp_genl_exit(void);
int dwcp_nl_fill_info(struct sk_buff *skb, u32 portid, u32 seq,
		      const struct dwcp_info *info);
int dwcp_nl_fill_session_event(struct sk_buff *skb,
			       const struct dwcp_session_event *ev);
void dwcp_nl_notify_session(struct net *net,
			    const struct dwcp_session_event *ev);
extern const struct nla_policy dwcp_info_reply_policy[DWCP_A_INFO_MAX + 1];
extern const struct nla_policy dwcp_session_policy[DWCP_A_SESSION_MAX + 1];

#endif /* _DWCP_H */
