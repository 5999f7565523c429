// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for dwcpd's configuration file parser: any bytes; the
 * parser either accepts them with values in their documented ranges or
 * refuses them leaving the configuration untouched.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../helper/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dwcpd_config c, before;
	char err[DWCP_ERRLEN];

	dwcpd_config_default(&c);
	before = c;
	if (dwcpd_config_parse((const char *)data, size, &c, err)) {
		if (memcmp(&c, &before, sizeof(c)) || !memchr(err, '\0', sizeof(err)))
			abort();
		return 0;
	}
	if (c.policy.pacing_limited < 0.5 || c.policy.pacing_limited > 1.0 ||
	    c.policy.probe_after_ns < 1000000000ULL ||
	    c.policy.probe_after_ns > 3600000000000ULL)
		abort();
	return 0;
}
