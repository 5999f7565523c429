#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run every guest selftest (tests/selftests/test_*.sh) in this guest, or the
# ones named as arguments.  Each prints TAP lines; exit 1 if any failed.
cd "$(dirname "$0")/../.." || exit 1
rc=0
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(tests/selftests/test_*.sh)
for t in "${tests[@]}"; do
	echo "# selftest $t"
	bash "$t" || rc=1
	# A test that left the module loaded would poison the next one.
	if [ -d /sys/module/dwcp ]; then
		echo "not ok - $(basename "$t" .sh): left dwcp loaded"
		rmmod dwcp 2>/dev/null
		rc=1
	fi
done
exit $rc
