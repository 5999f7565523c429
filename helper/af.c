// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "../uapi/linux/dwcp.h"
#include "af.h"

int dwcp_af(void)
{
	char buf[16], *end;
	FILE *f;
	long v;

	f = fopen(DWCP_FAMILY_SYSFS, "re");
	if (!f)
		return -ENOENT;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -EBADMSG;
	}
	fclose(f);
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || (*end != '\n' && *end != '\0') ||
	    v <= 0 || v >= 64)
		return -EBADMSG;
	return (int)v;
}
