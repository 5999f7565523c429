// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of helper/config.c: dwcpd's configuration file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../helper/config.h"

static int parse(const char *text, struct dwcpd_config *c, char *err)
{
	return dwcpd_config_parse(text, strlen(text), c, err);
}

static void example_file_parses(void **state)
{
	struct dwcpd_config c;
	char err[DWCP_ERRLEN], buf[4096];
	FILE *f = fopen("helper/dwcpd.conf", "r");
	size_t n;

	(void)state;
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	dwcpd_config_default(&c);
	c.policy.apply = false;		/* the file must set it back */

	assert_int_equal(dwcpd_config_parse(buf, n, &c, err), 0);

	assert_true(c.policy.apply);
	assert_false(c.verbose);
	assert_true(c.policy.pacing_limited == 0.9);
	assert_int_equal(c.policy.probe_after_ns, 10000000000ULL);
}

static void values_comments_and_blanks(void **state)
{
	struct dwcpd_config c;
	char err[DWCP_ERRLEN];

	(void)state;
	dwcpd_config_default(&c);
	assert_int_equal(parse("\n# c\n  apply=no   # off\r\nverbose = true\n"
			       "probe_after_s = 2.5\npacing_limited=1", &c, err), 0);
	assert_false(c.policy.apply);
	assert_true(c.verbose);
	assert_int_equal(c.policy.probe_after_ns, 2500000000ULL);
	assert_true(c.policy.pacing_limited == 1.0);
	assert_int_equal(parse("", &c, err), 0);
}

static void errors_name_the_line_and_keep_the_old_values(void **state)
{
	static const struct { const char *text, *msg; } cases[] = {
		{ "apply = yes\nbogus = 1\n", "line 2: unknown key: bogus" },
		{ "apply\n", "line 1: expected key = value" },
		{ "apply =\n", "line 1: empty key or value" },
		{ "= yes\n", "line 1: empty key or value" },
		{ "apply = maybe\n", "line 1: bad value for: apply" },
		{ "probe_after_s = 0\n", "line 1: bad value for: probe_after_s" },
		{ "probe_after_s = nan\n", "line 1: bad value for: probe_after_s" },
		{ "probe_after_s = 1e400\n", "line 1: bad value for: probe_after_s" },
		{ "pacing_limited = 0.9x\n", "line 1: bad value for: pacing_limited" },
		{ "pacing_limited = 0.1\n", "line 1: bad value for: pacing_limited" },
	};
	struct dwcpd_config c, before;
	char err[DWCP_ERRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dwcpd_config_default(&c);
		before = c;
		assert_int_equal(parse(cases[i].text, &c, err), -EINVAL);
		assert_string_equal(err, cases[i].msg);
		assert_memory_equal(&c, &before, sizeof(c));
	}
}

static void bounds_on_lines_size_and_nul(void **state)
{
	struct dwcpd_config c;
	char err[DWCP_ERRLEN];
	char *big;

	(void)state;
	dwcpd_config_default(&c);
	big = malloc(DWCPD_CONFIG_MAX + 2);
	assert_non_null(big);
	memset(big, '#', DWCPD_CONFIG_MAX + 1);
	big[DWCPD_LINE_MAX] = '\n';
	big[DWCPD_CONFIG_MAX + 1] = '\0';
	assert_int_equal(dwcpd_config_parse(big, DWCPD_CONFIG_MAX + 1, &c, err),
			 -EINVAL);
	assert_string_equal(err, "line 0: file too large");
	/* a line of exactly the limit is fine, one more byte is not */
	assert_int_equal(dwcpd_config_parse(big, DWCPD_LINE_MAX + 1, &c, err), 0);
	big[DWCPD_LINE_MAX] = '#';
	assert_int_equal(dwcpd_config_parse(big, DWCPD_LINE_MAX + 1, &c, err),
			 -EINVAL);
	assert_string_equal(err, "line 1: line too long");
	free(big);
	assert_int_equal(dwcpd_config_parse("apply = no\0x\n", 13, &c, err),
			 -EINVAL);
	assert_string_equal(err, "line 1: NUL byte");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(example_file_parses),
		cmocka_unit_test(values_comments_and_blanks),
		cmocka_unit_test(errors_name_the_line_and_keep_the_old_values),
		cmocka_unit_test(bounds_on_lines_size_and_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
