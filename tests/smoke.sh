set -x
modprobe libcrc32c; insmod dwcp.ko || exit 1
ip netns add srv; ip netns add cli
ip link add veth-s netns srv type veth peer name veth-c netns cli
ip -n srv addr add 198.18.1.1/24 dev veth-s; ip -n srv link set veth-s up; ip -n srv link set lo up
ip -n cli addr add 198.18.1.2/24 dev veth-c; ip -n cli link set veth-c up; ip -n cli link set lo up
ip netns exec srv dwcp-perf -s -1 & 
sleep 1
timeout 60 ip netns exec cli dwcp-perf -c 198.18.1.1 -n 16M -P 4 -j; echo rc=$?
sleep 1
ip netns exec cli cat /proc/net/dwcp_stat | grep -v ' 0$'
ip netns exec srv cat /proc/net/dwcp_stat | grep -v ' 0$'
dmesg | tail -5
