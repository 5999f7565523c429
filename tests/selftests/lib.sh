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
	local desc=$1 start=$SECONDS
	shift
	if "$@" >"$TMP/check.out" 2>&1; then
		ok "$desc"
	else
		fail "$desc"
		sed 's/^/#   /' "$TMP/check.out"
	fi
	echo "#   ($((SECONDS - start)) s)"
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

# dump_pair: what both ends hold (sessions, their streams, the counters
# that moved, the TCP connections), to diagnose a transfer that failed.
dump_pair() {
	local side
	for side in S C; do
		echo "--- $side: sessions"
		$side cat /proc/net/dwcp_sessions
		$side dwcpctl -v sessions 2>&1 | head -150
		echo "--- $side: counters"
		$side awk '$2 != 0' /proc/net/dwcp_stat
		echo "--- $side: TCP"
		$side ss -tnoi 2>&1 | head -150
	done
	blocked_tasks
}

# blocked_tasks: the kernel stack of every task in D state and of every
# one inside dwcp.ko (its workers sleep interruptibly in handshakes).
blocked_tasks() {
	local p stack
	for p in /proc/[0-9]*; do
		stack=$(tr '\n' ' ' <"$p/stack" 2>/dev/null)
		grep -q '^State:.*D' "$p/status" 2>/dev/null ||
			[[ $stack == *dwcp_* ]] || continue
		echo "--- $(cat "$p/comm") $(awk '/^State/ { print $2 }' "$p/status"): $stack"
	done
}
SRV=198.18.1.1

# stat NETNS NAME: a counter of /proc/net/dwcp_stat in a namespace.
stat() { ip netns exec "$1" awk -v n="$2" '$1 == n { print $2 }' /proc/net/dwcp_stat; }

# retire_mark, then retired_cleanly N: since the mark, N streams retired
# on each end of the netns pair and none failed on the client.
retire_mark() {
	RETIRE_MARK="$(stat dwcp-cli StreamsRetired) $(stat dwcp-srv StreamsRetired) $(stat dwcp-cli StreamFailures)"
}
# retire_settled N: wait until, since the mark, N streams either retired or
# failed on the client (bounded: 90 s, past the client's 60 s retire
# timeout, after which a stream the server never closed is reset).
retire_settled() {
	local cr cf i
	read -r cr _ cf <<<"$RETIRE_MARK"
	for ((i = 0; i < 180; i++)); do
		[ $(($(stat dwcp-cli StreamsRetired) + $(stat dwcp-cli StreamFailures))) -ge \
			$((cr + cf + $1)) ] && return 0
		sleep 0.5
	done
	return 1
}
retired_cleanly() {
	local cr sr cf
	read -r cr sr cf <<<"$RETIRE_MARK"
	echo "client StreamsRetired $cr -> $(stat dwcp-cli StreamsRetired)," \
		"server $sr -> $(stat dwcp-srv StreamsRetired)," \
		"client StreamFailures $cf -> $(stat dwcp-cli StreamFailures)"
	[ "$(stat dwcp-cli StreamsRetired)" = $((cr + $1)) ] &&
		[ "$(stat dwcp-srv StreamsRetired)" = $((sr + $1)) ] &&
		[ "$(stat dwcp-cli StreamFailures)" = "$cf" ]
}

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

# precopy PORT FAULT_EVERY: the base and 4 rounds of the redis snapshots
# as keyed records over netem (5 ms, 0.5 % loss, 200 Mbit/s), the second
# stream killed once the base round is queued; with FAULT_EVERY > 0, every
# FAULT_EVERY-th baseline the receiver stores fails as if out of memory.
# Every round's sha256 must match (and the receiver's resyncs be the
# sender's); "ASKED SERVED" go to RESYNCS.  Needs netns_pair.
precopy() {
	local DATA=$PWD/../shared/data/vmmem/redis
	local before after port rc_c rc_s asked served
	[ -r "$DATA/manifest.json" ] || { echo "no data set at $DATA"; return 1; }
	before=$(stat dwcp-cli StreamFailures)
	# Baselines for half of the 256 MiB guest (the default is 64 MiB).
	S sysctl -qw net.dwcp.hde_store_bytes=$((128 << 20)) &&
		C sysctl -qw net.dwcp.hde_store_bytes=$((128 << 20)) || return 1
	echo "$2" >/sys/module/dwcp/parameters/hde_fault_every || return 1
	# bounded, so that a stall shows its logs and sessions
	S timeout 300 dwcp-records server "$1" "$DATA" >"$TMP/srv.log" 2>&1 &
	local srv=$!
	wait_for "$TMP/srv.log" listening 600 || { cat "$TMP/srv.log"; return 1; }
	C tc qdisc add dev veth-c root netem delay 5ms loss 0.5% rate 200mbit
	C timeout 300 dwcp-records client $SRV "$1" "$DATA" 4 >"$TMP/cli.log" 2>&1 &
	local cli=$!
	# Kill the second stream once the base round is queued.
	wait_for "$TMP/cli.log" "sent round 0" 1200
	port=$(C ss -tnH state established "( dport = :$1 )" | awk 'NR == 2 { split($3, a, ":"); print a[2] }')
	echo "killing the stream from local port $port"
	[ -n "$port" ] && C ss -K -tn "( sport = :$port )" >/dev/null
	wait $cli
	rc_c=$?
	wait $srv
	rc_s=$?
	[ $rc_c = 0 ] && [ $rc_s = 0 ] ||
		dump_pair
	C tc qdisc del dev veth-c root
	echo 0 >/sys/module/dwcp/parameters/hde_fault_every
	after=$(stat dwcp-cli StreamFailures)
	cat "$TMP/cli.log" "$TMP/srv.log"
	echo "StreamFailures $before -> $after"
	asked=$(sed -n 's/.*resyncs asked \([0-9]*\).*/\1/p' "$TMP/srv.log")
	served=$(sed -n 's/^resyncs served \([0-9]*\).*/\1/p' "$TMP/cli.log")
	RESYNCS="$asked $served"
	[ $rc_c = 0 ] && [ $rc_s = 0 ] && [ "$after" -gt "$before" ] &&
		[ "$(grep -c 'sha256 ok' "$TMP/srv.log")" = 5 ] &&
		[ -n "$asked" ] && [ "$asked" = "$served" ]
}
