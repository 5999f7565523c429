// SPDX-License-Identifier: GPL-2.0
/*
 * The AF_DWCP socket family: socket creation, release and the proto_ops
 * table.  The operations themselves live in session.c (data, options) and
 * tcp.c (addresses, connect, listen, accept).
 */
#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <net/sock.h>

#include "dwcp.h"

/*
 * Session buffers (limits, not allocations): about ten times the BDP of a
 * 200 Mbit/s x 100 ms path.  In-order delivery across streams means that
 * one stream in loss recovery holds back the whole window for an RTT or
 * more while the others go on filling it; with 1 % loss some stream
 * nearly always is.  Measured in the guest with 8 BBR streams on that
 * path: 8 MiB 108-134 Mbit/s, 16 MiB 133, 32 MiB 155-169 (with the
 * streams' TCP_NOTSENT_LOWAT, tcp.c).
 */
#define DWCP_DEFAULT_BUF	(32 << 20)

/* Session ids: never reused until reboot, so events cannot be confused. */
static atomic64_t dwcp_next_session_id = ATOMIC64_INIT(0);

static struct proto dwcp_proto = {
	.name = "DWCP",
	.owner = THIS_MODULE,
	.obj_size = sizeof(struct dwcp_sock),
};

/**
 * dwcp_notify() - send a session event for @sk
 * @sk: the DWCP socket
 * @cmd: DWCP_CMD_SESSION_CREATED or DWCP_CMD_SESSION_CLOSED
 */
void dwcp_notify(struct sock *sk, u8 cmd)
{
	struct dwcp_session_event ev = {
		.cmd = cmd,
		.id = dwcp_sk(sk)->id,
		.sock_type = sk->sk_type,
	};

	dwcp_nl_notify_session(sock_net(sk), &ev);
}

static void dwcp_sock_destruct(struct sock *sk)
{
	struct dwcp_net *dn = dwcp_pernet(sock_net(sk));

	spin_lock_bh(&dn->socks_lock);
	list_del(&dwcp_sk(sk)->netns_node);
	spin_unlock_bh(&dn->socks_lock);
	dwcp_session_destruct(dwcp_sk(sk));
	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, -1);
}

static long dwcp_linger(struct sock *sk)
{
	if (!sock_flag(sk, SOCK_LINGER))
		return -1;
	return sk->sk_lingertime;
}

static int dwcp_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct dwcp_sock *dsk;

	if (!sk)
		return 0;
	dsk = dwcp_sk(sk);

	lock_sock(sk);
	switch (sk->sk_state) {
	case DWCP_STATE_LISTEN:
		dwcp_listener_stop(dsk);
		break;
	case DWCP_STATE_CONNECTING:
		/* connect_work sees the state and drops its connection */
		sk->sk_state = DWCP_STATE_CLOSED;
		break;
	default:
		dwcp_session_close(dsk, dwcp_linger(sk));
		break;
	}
	sock_orphan(sk);
	sock->sk = NULL;
	release_sock(sk);
	dwcp_notify(sk, DWCP_CMD_SESSION_CLOSED);
	sock_put(sk);
	return 0;
}

/*
 * proto_ops carries the family number, which is a module parameter: keep one
 * const table per number the module accepts (see dwcp_family_allowed()).
 */
#define DWCP_STREAM_OPS(fam) {			\
	.family = (fam),			\
	.owner = THIS_MODULE,			\
	.release = dwcp_release,		\
	.bind = dwcp_bind,			\
	.connect = dwcp_connect,		\
	.socketpair = sock_no_socketpair,	\
	.accept = dwcp_accept,			\
	.getname = dwcp_getname,		\
	.poll = dwcp_poll,			\
	.ioctl = sock_no_ioctl,			\
	.listen = dwcp_listen,			\
	.shutdown = dwcp_shutdown,		\
	.setsockopt = dwcp_setsockopt,		\
	.getsockopt = dwcp_getsockopt,		\
	.sendmsg = dwcp_sendmsg,		\
	.recvmsg = dwcp_recvmsg,		\
	.mmap = sock_no_mmap,			\
}

static const struct proto_ops dwcp_stream_ops[] = {
	DWCP_STREAM_OPS(13),	/* AF_NETBEUI: never implemented */
	DWCP_STREAM_OPS(19),	/* AF_ECONET: removed in 3.5, the default */
	DWCP_STREAM_OPS(23),	/* AF_IRDA: removed in 4.17 */
	DWCP_STREAM_OPS(25),	/* AF_WANPIPE: never in mainline */
};

/* The ops of @family, or NULL if the module does not accept @family. */
static const struct proto_ops *dwcp_ops_of(int family)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(dwcp_stream_ops); i++)
		if (dwcp_stream_ops[i].family == family)
			return &dwcp_stream_ops[i];
	return NULL;
}

/**
 * dwcp_sock_alloc() - a new DWCP sock with an empty session
 * @net: its network namespace
 * @kern: nonzero for a kernel socket (which does not pin @net)
 * @type: SOCK_STREAM or SOCK_SEQPACKET
 *
 * Used by socket() and for the sessions a listener accepts.  Sends the
 * session-created event.
 *
 * Return: the sock with one reference, or NULL.
 */
struct sock *dwcp_sock_alloc(struct net *net, int kern, int type)
{
	struct dwcp_sock *dsk;
	struct sock *sk;

	sk = sk_alloc(net, dwcp_family, GFP_KERNEL, &dwcp_proto, kern);
	if (!sk)
		return NULL;
	sock_init_data(NULL, sk);
	sk->sk_type = type;
	sk->sk_protocol = 0;
	sk->sk_state = DWCP_STATE_CLOSED;
	sk->sk_destruct = dwcp_sock_destruct;
	sk->sk_sndbuf = DWCP_DEFAULT_BUF;
	sk->sk_rcvbuf = DWCP_DEFAULT_BUF;
	dsk = dwcp_sk(sk);
	dsk->id = atomic64_inc_return(&dwcp_next_session_id);
	dsk->hde_store = READ_ONCE(dwcp_pernet(net)->hde_store_bytes);
	dsk->codec = -1;
	dwcp_session_init(dsk);
	spin_lock_bh(&dwcp_pernet(net)->socks_lock);
	list_add_tail(&dsk->netns_node, &dwcp_pernet(net)->socks);
	spin_unlock_bh(&dwcp_pernet(net)->socks_lock);
	/* Open sessions per netns, shown in /proc/net/protocols. */
	sock_prot_inuse_add(net, sk->sk_prot, 1);
	dwcp_notify(sk, DWCP_CMD_SESSION_CREATED);
	return sk;
}

static int dwcp_create(struct net *net, struct socket *sock, int protocol,
		       int kern)
{
	struct sock *sk;

	if (protocol != 0)
		return -EPROTONOSUPPORT;
	if (sock->type != SOCK_STREAM && sock->type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;

	sk = dwcp_sock_alloc(net, kern, sock->type);
	if (!sk)
		return -ENOBUFS;
	sock->ops = dwcp_ops_of(dwcp_family);
	sock->state = SS_UNCONNECTED;
	sock_graft(sk, sock);
	return 0;
}

static struct net_proto_family dwcp_family_ops __ro_after_init = {
	.create = dwcp_create,
	.owner = THIS_MODULE,
};

/**
 * dwcp_family_allowed() - may AF_DWCP take this address family number?
 * @family: candidate number
 *
 * Only numbers of families that no 6.1 kernel implements are allowed, so a
 * mistake can never shadow a real family whose module is not loaded yet.
 *
 * Return: true if @family may be used, false otherwise.
 */
bool dwcp_family_allowed(int family)
{
	return dwcp_ops_of(family);
}

/**
 * dwcp_socket_init() - register the DWCP protocol and socket family
 * @family: address family number to register (see dwcp_family_allowed())
 *
 * Return: 0 on success; -EEXIST if another module holds @family; -ENOBUFS or
 * -ENOMEM if the protocol cannot be registered; -EINVAL for a bad @family.
 */
int dwcp_socket_init(int family)
{
	int err;

	err = proto_register(&dwcp_proto, 1);
	if (err)
		return err;

	dwcp_family_ops.family = family;
	err = sock_register(&dwcp_family_ops);
	if (err) {
		pr_err("dwcp: address family %d is taken (%d)\n", family, err);
		proto_unregister(&dwcp_proto);
	}
	return err;
}

/**
 * dwcp_socket_exit() - unregister the socket family and protocol
 *
 * Only called when no DWCP socket exists (each one pins the module).
 */
void dwcp_socket_exit(void)
{
	sock_unregister(dwcp_family_ops.family);
	proto_unregister(&dwcp_proto);
}
