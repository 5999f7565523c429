/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dwcpd's configuration file: "key = value" lines, '#' comments, blank
 * lines.  A pure, bounded parser (no I/O), shared by dwcpd and the fuzzer.
 * helper/dwcpd.conf is the documented example.
 */
#ifndef DWCP_CONFIG_H
#define DWCP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "msg.h"
#include "policy.h"

#define DWCPD_CONFIG_MAX	65536	/* bytes of a config file */
#define DWCPD_LINE_MAX		256	/* bytes of one line */

#define DWCPD_PATH_MAX		200	/* bytes of metrics_file, NUL included */

struct dwcpd_config {
	struct policy_config policy;
	bool verbose;			/* log every measurement event */
	char metrics_file[DWCPD_PATH_MAX];	/* absolute; "" none */
};

void dwcpd_config_default(struct dwcpd_config *c);
/*
 * Parse @len bytes of @text over the values already in @c.  Returns 0, or
 * -EINVAL with @err naming the line and what is wrong (@c is then left as
 * it was: a bad reload keeps the running configuration).
 */
int dwcpd_config_parse(const char *text, size_t len, struct dwcpd_config *c,
		       char err[DWCP_ERRLEN]);

#endif
