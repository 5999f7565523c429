// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the helper's netlink message parsers: the first
 * byte picks the genl command, the rest is the attribute payload exactly as
 * it would follow the genl header.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../helper/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[DWCP_ERRLEN], line[160];
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
	} else if (!dwcp_event_parse(cmd, (struct nlattr *)copy,
				     (int)size - 1, &ev, err)) {
		dwcp_event_format(line, sizeof(line), &ev);
	}
	free(copy);
	return 0;
}
