#!/bin/sh
# Install the Debian 12 packages DWCP needs to build and test.
# Idempotent and quiet when everything is already present.
set -eu

PKGS="linux-image-amd64 linux-headers-amd64 linux-source-6.1
qemu-system-x86 busybox-static kmod cpio iproute2 util-linux iputils-ping procps
rdma-core ibverbs-utils rdmacm-utils
libnl-3-dev libnl-genl-3-dev libcmocka-dev pkg-config libzstd-dev libxxhash-dev
clang libclang-rt-14-dev python3 python3-yaml bc bison flex libelf-dev libssl-dev xz-utils sparse"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root)" >&2
	exit 1
fi
echo "deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Debian's initrd is never used by the tests; building it costs minutes.
export INITRD=No
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
