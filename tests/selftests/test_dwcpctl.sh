#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# dwcpctl info (text and JSON), its errors, users and namespaces, and the
# privilege flags of the kernel's operations against the spec.
source "$(dirname "$0")/lib.sh"

unload_dwcp 2>/dev/null

not_loaded() {
	local rc=0
	dwcpctl info >"$TMP/out" 2>"$TMP/err" || rc=$?
	cat "$TMP/err"
	[ "$rc" = 1 ] && grep -q 'not loaded' "$TMP/err" && [ ! -s "$TMP/out" ]
}
check "info without the module: exit 1 and a clear message" not_loaded

usage_errors() {
	local rc=0
	dwcpctl bogus 2>/dev/null || rc=$?
	[ "$rc" = 2 ] || return 1
	rc=0
	dwcpctl 2>/dev/null || rc=$?
	[ "$rc" = 2 ] && dwcpctl --help | grep -q '^usage:'
}
check "unknown command and missing command: exit 2 with usage" usage_errors

load_dwcp || { fail "insmod"; finish; }
VERSION=$(modinfo -F version "$DWCP_KO")

text_info() {
	dwcpctl info | tee "$TMP/info"
	grep -qx "version:  $VERSION" "$TMP/info" &&
		grep -qx "family:   19" "$TMP/info" &&
		grep -qx "features: socket events tcp hde pacing mode-detect" "$TMP/info"
}
check "info (text): version, family, features" text_info

json_info() {
	dwcpctl -j info >"$TMP/info.json" || return 1
	cat "$TMP/info.json"
	python3 - "$TMP/info.json" "$VERSION" uapi/linux/dwcp.h <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
fam = int(open("/sys/module/dwcp/parameters/family").read())
assert d["version"] == sys.argv[2], d
assert d["family"] == fam, d
assert d["features"] == ["socket", "events", "tcp", "hde", "pacing", "mode-detect"], d
bits = {m[1].lower().replace("_", "-"): int(m[2]) for m in re.finditer(
    r"DWCP_FEATURE_(\w+) = (\d+),", open(sys.argv[3]).read())}
assert d["feature_bits"] == sum(bits[f] for f in d["features"]), (d, bits)
PY
}
check "info -j: valid JSON matching modinfo and sysfs" json_info

check "info works for an unprivileged user" as_nobody dwcpctl info

in_netns() {
	ip netns add dwcp-c1 || return 1
	ip netns exec dwcp-c1 dwcpctl -j info | grep -q '"family":19'
	local rc=$?
	ip netns del dwcp-c1
	return $rc
}
check "info works in another network namespace" in_netns

# Operations the spec marks admin-perm or uns-admin-perm must carry that
# flag in the kernel, and no other operation may carry either.
op_flags() {
	python3 tests/selftests/genl_ops.py dwcp >"$TMP/ops" || return 1
	python3 - "$SPEC" "$TMP/ops" <<'PY'
import sys, yaml
PERMS = {"admin-perm": 0x1, "uns-admin-perm": 0x10}
spec = yaml.safe_load(open(sys.argv[1]))
kernel = {}
for line in open(sys.argv[2]):
    cmd, flags = line.split()
    kernel[int(cmd)] = {n for n, bit in PERMS.items() if int(flags, 16) & bit}
names = [op["name"] for op in spec["operations"]["list"]]
ops = {names.index(op["name"]) + 1: op for op in spec["operations"]["list"]
       if "do" in op or "dump" in op}
bad = 0
for cmd, op in ops.items():
    want = set(op.get("flags", [])) & set(PERMS)
    if cmd not in kernel:
        print(f"{op['name']}: not registered in the kernel"); bad += 1
    elif kernel[cmd] != want:
        print(f"{op['name']}: kernel {sorted(kernel[cmd])}, spec {sorted(want)}"); bad += 1
    else:
        print(f"{op['name']}: {sorted(want) or 'open'} as specified")
for cmd in sorted(set(kernel) - set(ops)):
    print(f"kernel operation {cmd} missing from the spec"); bad += 1
sys.exit(1 if bad else 0)
PY
}
check "kernel operation privileges match the spec" op_flags

# stats-get reports what /proc/net/dwcp_stat says, name for name, in a
# netns where a session ran (counters that are not all zero).
stats_match_proc() {
	ip netns add dwcp-c2 || return 1
	ip netns exec dwcp-c2 ip link set lo up
	ip netns exec dwcp-c2 dwcp-perf -s -1 >/dev/null 2>&1 &
	sleep 1
	ip netns exec dwcp-c2 dwcp-perf -c 127.0.0.1 -n 1M -P 2 >/dev/null
	wait
	ip netns exec dwcp-c2 dwcpctl stats >"$TMP/stats" &&
		ip netns exec dwcp-c2 dwcpctl -j stats >"$TMP/stats.json" &&
		ip netns exec dwcp-c2 cat /proc/net/dwcp_stat >"$TMP/proc"
	local rc=$?
	ip netns del dwcp-c2
	[ $rc = 0 ] || return 1
	cat "$TMP/stats"
	diff "$TMP/proc" "$TMP/stats" &&
		grep -qx "SessionsOpened 1" "$TMP/stats" &&
		grep -qx "SessionsAccepted 1" "$TMP/stats" &&
		python3 - "$TMP/stats.json" "$TMP/proc" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
proc = dict(l.split() for l in open(sys.argv[2]))
assert {k: str(v) for k, v in d.items()} == proc, (d, proc)
PY
}
check "stats (text and -j) match /proc/net/dwcp_stat after a session" stats_match_proc
check "stats works for an unprivileged user" as_nobody dwcpctl stats

check "rmmod" rmmod dwcp
finish
