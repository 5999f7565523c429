# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared helpers of the guest selftests (sourced; runs inside the test VM).
# Every check prints one TAP line, "ok - TEST: what" or "not ok - TEST: what"
# followed by "#"-prefixed diagnostics; tests/run counts those lines.

TEST=${TEST:-$(basename "$0" .sh)}
DWCP_KO=${DWCP_KO:-$PWD/dwcp.ko}
SPEC=${SPEC:-$PWD/Documentation/netlink/specs/dwcp.yaml}
FAILED=0
TMP=$(mktemp -d "/tmp/$TEST.XXXXXX")

ok() { echo "ok - $TEST: $*"; }
fail() {
	echo "not ok - $TEST: $*"
	FAILED=1
}

# check DESCRIPTION COMMAND...: one TAP line for the command's success.
check() {
	local desc=$1
	shift
	if "$@" >"$TMP/check.out" 2>&1; then
		ok "$desc"
	else
		fail "$desc"
		sed 's/^/#   /' "$TMP/check.out"
	fi
}

# diag: indent stdin as TAP diagnostics.
diag() { sed 's/^/#   /'; }

dwcp_loaded() { [ -d /sys/module/dwcp ]; }
load_dwcp() { modprobe -q libcrc32c && insmod "$DWCP_KO" "$@"; }
unload_dwcp() { ! dwcp_loaded || rmmod dwcp; }
genl_has_dwcp() { genl ctrl get name dwcp >/dev/null 2>&1; }

# Number of open DWCP sockets in the current netns (/proc/net/protocols).
dwcp_inuse() { awk '$1 == "DWCP" { print $3 }' /proc/net/protocols; }

# wait_for FILE PATTERN [TRIES]: poll until FILE contains PATTERN (0.1 s
# steps; a bound on waiting, not an assertion about time).
wait_for() {
	local i
	for ((i = 0; i < ${3:-100}; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# barrier NAME: in a two-guest run, wait until the peer reached NAME too.
barrier() {
	local i
	touch "$DWCP_PAIR_DIR/$1.$DWCP_NODE"
	for ((i = 0; i < 1200; i++)); do
		[ -e "$DWCP_PAIR_DIR/$1.$((3 - DWCP_NODE))" ] && return 0
		sleep 0.1
	done
	echo "barrier $1: the peer never came" >&2
	return 1
}

as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

finish() {
	rm -rf "$TMP"
	exit "$FAILED"
}
