/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DWCP_AF_H
#define DWCP_AF_H

/*
 * The address family number of AF_DWCP in the running kernel (a module
 * parameter, see uapi/linux/dwcp.h), so that programs never hard-code it.
 * Returns the number, or -ENOENT when the module is not loaded, -EBADMSG when
 * sysfs holds nonsense.
 */
int dwcp_af(void);

#endif /* DWCP_AF_H */
