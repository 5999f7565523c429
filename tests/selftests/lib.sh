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
load_dwcp() { modprobe -q libcrc32c && modprobe -q zstd_compress && insmod "$DWCP_KO" "$@"; }
unload_dwcp() { ! dwcp_loaded || rmmod dwcp; }
# rmmod_wait: rmmod once the last session has finished (bounded: 60 s).
rmmod_wait() {
	local i
	for ((i = 0; i < 300; i++)); do
		rmmod dwcp 2>/dev/null && return 0
		sleep 0.2
	done
	rmmod dwcp
}
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

# netns_pair: namespaces dwcp-srv (198.18.1.1, veth-s) and dwcp-cli
# (198.18.1.2, veth-c) joined by a veth pair.  S and C run a command in them.
netns_pair() {
	ip netns add dwcp-srv && ip netns add dwcp-cli &&
		ip link add veth-s netns dwcp-srv type veth peer name veth-c netns dwcp-cli &&
		ip -n dwcp-srv addr add 198.18.1.1/24 dev veth-s &&
		ip -n dwcp-cli addr add 198.18.1.2/24 dev veth-c &&
		ip -n dwcp-srv link set veth-s up && ip -n dwcp-srv link set lo up &&
		ip -n dwcp-cli link set veth-c up && ip -n dwcp-cli link set lo up
}
netns_pair_del() {
	ip netns del dwcp-srv 2>/dev/null
	ip netns del dwcp-cli 2>/dev/null
}
S() { ip netns exec dwcp-srv "$@"; }
C() { ip netns exec dwcp-cli "$@"; }
SRV=198.18.1.1

# stat NETNS NAME: a counter of /proc/net/dwcp_stat in a namespace.
stat() { ip netns exec "$1" awk -v n="$2" '$1 == n { print $2 }' /proc/net/dwcp_stat; }

# start_server [dwcp-perf args]: dwcp-perf -s in dwcp-srv, until finish.
start_server() {
	S dwcp-perf -s "$@" >"$TMP/server.log" 2>&1 &
	SERVER=$!
	wait_for "$TMP/server.log" listening
}
stop_server() {
	[ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
	pkill -x dwcp-perf 2>/dev/null	# forked per-session servers
	SERVER=
	return 0
}

# json_get FILE KEY: a top-level value of dwcp-perf -j output.
json_get() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

finish() {
	rm -rf "$TMP"
	exit "$FAILED"
}
