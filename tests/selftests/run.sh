#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run every guest selftest (tests/selftests/test_*.sh) in this guest, or the
# ones named as arguments.  Each prints TAP lines; exit 1 if any failed.
#
# Each test runs under its own time bound (DWCP_TEST_TIMEOUT seconds, a
# bound on a hang, not a performance assertion), so one hang fails that test
# with a dump of what was stuck instead of the whole guest timing out.
cd "$(dirname "$0")/../.." || exit 1
rc=0
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(tests/selftests/test_*.sh)

# What is stuck: every blocked task's kernel stack (to the console, sysrq w)
# and, here, the processes still alive with their kernel stacks.
dump_stuck() {
	local p stack
	echo "# processes:"
	ps -eo pid,ppid,stat,wchan:32,args | grep -v ' \[' | sed 's/^/#   /'
	for p in /proc/[0-9]*; do
		stack=$(tr '\n' ' ' <"$p/stack" 2>/dev/null)
		grep -q '^State:.*D' "$p/status" 2>/dev/null ||
			[[ $stack == *dwcp_* ]] || continue
		echo "# task $(cat "$p/comm"): $stack"
	done
	for n in $(ip netns list 2>/dev/null | cut -d' ' -f1); do
		echo "# sessions in netns $n:"
		ip netns exec "$n" cat /proc/net/dwcp_sessions 2>/dev/null | sed 's/^/#   /'
	done
	echo w >/proc/sysrq-trigger
}

for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	echo "# selftest $t"
	start=$SECONDS
	limit=${DWCP_TEST_TIMEOUT:-400}
	# The state of a hang, taken while its processes still live.
	(sleep $((limit - 20)) && echo "# $name still running after $((limit - 20)) s" &&
		dump_stuck) &
	watch=$!
	timeout -k 10 "$limit" bash "$t"
	trc=$?
	kill $watch 2>/dev/null
	wait $watch 2>/dev/null
	echo "# $name: $((SECONDS - start)) s"
	if [ $trc = 124 ] || [ $trc = 137 ]; then
		echo "not ok - $name: hung, stopped after $limit s"
		pkill -9 -f dwcp- 2>/dev/null
		ip -all netns del 2>/dev/null
	fi
	[ $trc = 0 ] || rc=1
	# A test that left the module loaded would poison the next one.
	if [ -d /sys/module/dwcp ]; then
		echo "not ok - $name: left dwcp loaded"
		rmmod dwcp 2>/dev/null
		rc=1
	fi
done
exit $rc
