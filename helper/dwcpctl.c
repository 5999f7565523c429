// SPDX-License-Identifier: GPL-2.0
/*
 * dwcpctl - inspect and control the dwcp kernel module.
 *
 *   dwcpctl [-j] info
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dwcpctl [-j|--json] COMMAND\n"
		"\n"
		"commands:\n"
		"  info    module version, AF_DWCP family number, features\n"
		"\n"
		"options:\n"
		"  -j, --json     print JSON\n"
		"  -h, --help     this text\n"
		"  -V, --version  dwcpctl's version\n");
}

/* Explain a failure to open the family; returns the exit status. */
static int open_failed(const struct dwcp_nl *nl, int err)
{
	switch (err) {
	case -ENOENT:
		fprintf(stderr,
			"dwcpctl: the dwcp kernel module is not loaded (no generic netlink family \"%s\")\n"
			"dwcpctl: load it with 'modprobe dwcp' or 'insmod dwcp.ko'\n",
			DWCP_GENL_NAME);
		break;
	case -EPROTO:
		fprintf(stderr,
			"dwcpctl: the dwcp module speaks family version %u, this dwcpctl speaks %u: use matching versions\n",
			nl->version, DWCP_GENL_VERSION);
		break;
	default:
		fprintf(stderr, "dwcpctl: cannot talk to the kernel: %s\n",
			strerror(-err));
	}
	return 1;
}

static int cmd_info(struct dwcp_nl *nl, int json)
{
	struct dwcp_info info;
	int err;

	err = dwcp_nl_info_get(nl, &info);
	if (err) {
		fprintf(stderr, "dwcpctl: info-get failed: %s\n",
			strerror(-err));
		return 1;
	}
	if (json)
		dwcp_info_print_json(stdout, &info);
	else
		dwcp_info_print_text(stdout, &info);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct dwcp_nl nl;
	int json = 0, c, err, rc;
	const char *cmd;

	while ((c = getopt_long(argc, argv, "jhV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("dwcpctl %s (genl family version %u)\n",
			       DWCP_HELPER_VERSION, DWCP_GENL_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "info") != 0) {
		fprintf(stderr, "dwcpctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}

	err = dwcp_nl_open(&nl);
	if (err)
		return open_failed(&nl, err);
	rc = cmd_info(&nl, json);
	dwcp_nl_close(&nl);
	return rc;
}
