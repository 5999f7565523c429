// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the AF_DWCP socket family as registered in the (UML) kernel.
 * The module is built in there, so its init has run before the suites.
 */
#include <kunit/test.h>
#include <linux/net.h>
#include <net/net_namespace.h>

#include "../dwcp.h"

static void family_allowed_only_unimplemented_numbers(struct kunit *test)
{
	static const int allowed[] = { 13, 19, 23, 25 };
	static const int refused[] = { -1, AF_UNSPEC, AF_UNIX, AF_INET,
				       AF_INET6, AF_NETLINK, AF_PACKET,
				       AF_DECnet, AF_RDS, AF_SMC, AF_XDP,
				       AF_MCTP, AF_MAX, 1000 };
	int i;

	for (i = 0; i < ARRAY_SIZE(allowed); i++)
		KUNIT_EXPECT_TRUE(test, dwcp_family_allowed(allowed[i]));
	for (i = 0; i < ARRAY_SIZE(refused); i++)
		KUNIT_EXPECT_FALSE(test, dwcp_family_allowed(refused[i]));
}

static void stream_socket_created(struct kunit *test)
{
	struct socket *sock;
	int err;

	/* Act */
	err = sock_create_kern(&init_net, dwcp_family, SOCK_STREAM, 0, &sock);

	/* Assert */
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, (int)sock->sk->sk_family, dwcp_family);
	KUNIT_EXPECT_GT(test, ((struct dwcp_sock *)sock->sk)->id, 0ULL);
	sock_release(sock);
}

static void session_ids_are_unique(struct kunit *test)
{
	struct socket *a, *b;

	KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, dwcp_family,
					       SOCK_STREAM, 0, &a), 0);
	KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, dwcp_family,
					       SOCK_STREAM, 0, &b), 0);
	KUNIT_EXPECT_NE(test, ((struct dwcp_sock *)a->sk)->id,
			((struct dwcp_sock *)b->sk)->id);
	sock_release(a);
	sock_release(b);
}

static void bad_type_and_protocol_refused(struct kunit *test)
{
	struct socket *sock;

	KUNIT_EXPECT_EQ(test, sock_create_kern(&init_net, dwcp_family,
					       SOCK_DGRAM, 0, &sock),
			-ESOCKTNOSUPPORT);
	KUNIT_EXPECT_EQ(test, sock_create_kern(&init_net, dwcp_family,
					       SOCK_RAW, 0, &sock),
			-ESOCKTNOSUPPORT);
	KUNIT_EXPECT_EQ(test, sock_create_kern(&init_net, dwcp_family,
					       SOCK_STREAM, 6, &sock),
			-EPROTONOSUPPORT);
}

static void unconnected_socket_errors(struct kunit *test)
{
	struct sockaddr_storage ss = { .ss_family = AF_INET };
	struct sockaddr_dwcp *a = (struct sockaddr_dwcp *)&ss;
	struct socket *sock;

	KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, dwcp_family,
					       SOCK_STREAM, 0, &sock), 0);
	/* an AF_INET address is not an AF_DWCP one */
	KUNIT_EXPECT_EQ(test, kernel_bind(sock, (struct sockaddr *)&ss,
					  sizeof(ss)), -EINVAL);
	KUNIT_EXPECT_EQ(test, kernel_connect(sock, (struct sockaddr *)&ss,
					     sizeof(ss), 0), -EINVAL);
	/* short address */
	a->sdwcp_family = dwcp_family;
	a->sdwcp_ip_family = AF_INET;
	KUNIT_EXPECT_EQ(test, kernel_bind(sock, (struct sockaddr *)&ss,
					  DWCP_SOCKADDR_LEN - 1), -EINVAL);
	/* unknown IP family */
	a->sdwcp_ip_family = AF_UNIX;
	KUNIT_EXPECT_EQ(test, kernel_bind(sock, (struct sockaddr *)&ss,
					  DWCP_SOCKADDR_LEN), -EAFNOSUPPORT);
	/* reserved field */
	a->sdwcp_ip_family = AF_INET;
	a->sdwcp_reserved = 1;
	KUNIT_EXPECT_EQ(test, kernel_bind(sock, (struct sockaddr *)&ss,
					  DWCP_SOCKADDR_LEN), -EINVAL);
	/* listen before bind */
	KUNIT_EXPECT_EQ(test, kernel_listen(sock, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, kernel_sock_shutdown(sock, SHUT_RDWR), -ENOTCONN);
	sock_release(sock);
}

static struct kunit_case dwcp_socket_cases[] = {
	KUNIT_CASE(family_allowed_only_unimplemented_numbers),
	KUNIT_CASE(stream_socket_created),
	KUNIT_CASE(session_ids_are_unique),
	KUNIT_CASE(bad_type_and_protocol_refused),
	KUNIT_CASE(unconnected_socket_errors),
	{}
};

static struct kunit_suite dwcp_socket_suite = {
	.name = "dwcp_socket",
	.test_cases = dwcp_socket_cases,
};

kunit_test_suite(dwcp_socket_suite);
