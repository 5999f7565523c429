// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the helper's netlink message parsers: the first
 * byte picks the genl command, the rest is the attribute payload exactly as
 * it would follow the genl header.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../helper/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dwcp_session sess;
	static FILE *null;
	char err[DWCP_ERRLEN], line[320];
	struct dwcp_info info;
	struct dwcp_event ev;
	unsigned char *copy;
	uint8_t cmd;

	if (size < 1 || size > 65536)
		return 0;
	cmd = data[0];
	/* Attributes are 4-byte aligned in real messages: keep that. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);

	if (cmd == DWCP_CMD_INFO_GET) {
		if (!dwcp_info_parse((struct nlattr *)copy, (int)size - 1,
				     &info, err) &&
		    memchr(info.version, '\0', sizeof(info.version)) == NULL)
			abort();	/* the parser promised a C string */
	} else if (cmd == DWCP_CMD_SESSION_GET) {
		/* session-get replies: parse, then print as dwcpctl would */
		if (!dwcp_session_parse((struct nlattr *)copy, (int)size - 1,
					&sess, err)) {
			if (memchr(sess.streams[0].cc, '\0', sizeof(sess.streams[0].cc)) == NULL)
				abort();
			if (!null)
				null = fopen("/dev/null", "w");
			if (null) {
				dwcp_session_print_text(null, &sess, 1);
				dwcp_session_print_json(null, &sess);
			}
		}
	} else if (cmd == DWCP_CMD_DEFAULTS_GET) {
		struct dwcp_defaults d;

		if (!dwcp_defaults_parse((struct nlattr *)copy, (int)size - 1,
					 &d, err)) {
			if (!null)
				null = fopen("/dev/null", "w");
			if (null) {
				dwcp_defaults_print_text(null, &d);
				dwcp_defaults_print_json(null, &d);
			}
		}
	} else if (cmd == DWCP_CMD_STATS_GET) {
		static struct dwcp_stats st;

		if (!dwcp_stats_parse((struct nlattr *)copy, (int)size - 1,
				      &st, err)) {
			if (!null)
				null = fopen("/dev/null", "w");
			if (null) {
				dwcp_stats_print_text(null, &st);
				dwcp_stats_print_json(null, &st);
			}
		}
	} else if (cmd == DWCP_CMD_PEER_GET) {
		struct dwcp_peer peer;

		if (!dwcp_peer_parse((struct nlattr *)copy, (int)size - 1,
				     &peer, err)) {
			if (!null)
				null = fopen("/dev/null", "w");
			if (null) {
				dwcp_peer_print_text(null, &peer);
				dwcp_peer_print_json(null, &peer);
			}
		}
	} else if (!dwcp_event_parse(cmd, (struct nlattr *)copy,
				     (int)size - 1, &ev, err)) {
		dwcp_event_format(line, sizeof(line), &ev);
		if (!null)
			null = fopen("/dev/null", "w");
		if (null)
			dwcp_event_print_json(null, &ev);
	}
	free(copy);
	return 0;
}
