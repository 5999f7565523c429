// SPDX-License-Identifier: GPL-2.0
/*
 * The AF_DWCP socket family: socket creation and release.
 *
 * Every DWCP socket is one session.  Data transfer is not built yet, so all
 * other operations fail with -EOPNOTSUPP (the sock_no_* helpers) rather than
 * pretending to work.
 */
#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <net/sock.h>

#include "dwcp.h"

/* Session ids: never reused until reboot, so events cannot be confused. */
static atomic64_t dwcp_next_session_id = ATOMIC64_INIT(0);

static struct proto dwcp_proto = {
	.name = "DWCP",
	.owner = THIS_MODULE,
	.obj_size = sizeof(struct dwcp_sock),
};

static inline struct dwcp_sock *dwcp_sk(const struct sock *sk)
{
	return (struct dwcp_sock *)sk;
}

static void dwcp_notify(struct sock *sk, u8 cmd)
{
	struct dwcp_session_event ev = {
		.cmd = cmd,
		.id = dwcp_sk(sk)->id,
		.sock_type = sk->sk_type,
	};

	dwcp_nl_notify_session(sock_net(sk), &ev);
}

static int dwcp_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;

	dwcp_notify(sk, DWCP_CMD_SESSION_CLOSED);
	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, -1);
	sock_orphan(sk);
	sock->sk = NULL;
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
	.bind = sock_no_bind,			\
	.connect = sock_no_connect,		\
	.socketpair = sock_no_socketpair,	\
	.accept = sock_no_accept,		\
	.getname = sock_no_getname,		\
	.ioctl = sock_no_ioctl,			\
	.listen = sock_no_listen,		\
	.shutdown = sock_no_shutdown,		\
	.sendmsg = sock_no_sendmsg,		\
	.recvmsg = sock_no_recvmsg,		\
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

static int dwcp_create(struct net *net, struct socket *sock, int protocol,
		       int kern)
{
	struct sock *sk;

	if (protocol != 0)
		return -EPROTONOSUPPORT;
	if (sock->type != SOCK_STREAM)
		return -ESOCKTNOSUPPORT;

	sk = sk_alloc(net, dwcp_family, GFP_KERNEL, &dwcp_proto, kern);
	if (!sk)
		return -ENOBUFS;

	sock->ops = dwcp_ops_of(dwcp_family);
	sock_init_data(sock, sk);
	dwcp_sk(sk)->id = atomic64_inc_return(&dwcp_next_session_id);
	/* Open sessions per netns, shown in /proc/net/protocols. */
	sock_prot_inuse_add(net, sk->sk_prot, 1);
	dwcp_notify(sk, DWCP_CMD_SESSION_CREATED);
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
