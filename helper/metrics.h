/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dwcpd's metrics in the Prometheus text exposition format, for
 * node-exporter's textfile collector (config key metrics_file).  Pure: the
 * caller chooses the stream.
 */
#ifndef DWCP_METRICS_H
#define DWCP_METRICS_H

#include <stdio.h>

#include "policy.h"

void dwcpd_metrics_write(FILE *f, const struct policy *p);

#endif
