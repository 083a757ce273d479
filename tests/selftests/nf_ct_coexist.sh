#!/bin/bash
# nf_ct beside the kernel's nf_conntrack: the kernel's module loads while
# nf_ct holds /proc/net/nf_conntrack (nf_ct steps aside), both track, and
# nf_ct takes the name back when nf_conntrack leaves. Loads and unloads
# modules, so it runs only where NF_CT_LOAD=1 says that is allowed (the VM).
. "$(dirname "$0")/lib.sh"
require_nf_ct

tap_begin 9
if [ "${NF_CT_LOAD:-0}" != 1 ] || grep -q '^nf_conntrack ' /proc/modules; then
	for i in 1 2 3 4 5 6 7 8 9; do
		tap_skip "module load order (needs NF_CT_LOAD=1 and nf_conntrack not loaded)"
	done
	tap_end
fi

ns=$(ns_add co) || tap_bail "cannot create namespace"
tap_check "without nf_conntrack, /proc/net/nf_conntrack is nf_ct's link" \
	test "$(ip netns exec "$ns" readlink /proc/net/nf_conntrack)" = nf_ct
tap_check "and so is /proc/net/stat/nf_conntrack" \
	test "$(ip netns exec "$ns" readlink /proc/net/stat/nf_conntrack)" = nf_ct

if modprobe nf_conntrack enable_hooks=1; then
	tap_ok "nf_conntrack loads while nf_ct is loaded"
else
	tap_not_ok "nf_conntrack loads while nf_ct is loaded"
fi
tap_check "then /proc/net/nf_conntrack is the kernel's own file" \
	test -f /proc/net/nf_conntrack -a ! -L /proc/net/nf_conntrack

# Both trackers see the same ping.
ip link add veth0 netns "$ns" type veth peer name veth1 netns "$ns"
ip -n "$ns" addr add 10.2.0.1/24 dev veth0
ip -n "$ns" link set veth0 up
ip -n "$ns" link set veth1 up
ip netns exec "$ns" ping -c1 -W2 10.2.0.1 > /dev/null
both() {
	ip netns exec "$ns" grep -q 'icmp .* type=8 ' /proc/net/nf_ct &&
		ip netns exec "$ns" grep -q 'icmp .* type=8 ' /proc/net/nf_conntrack
}
tap_check "both trackers record the same ping" wait_for 15 both

modprobe -r nf_conntrack
tap_check "after nf_conntrack unloads, the link is back" \
	test "$(ip netns exec "$ns" readlink /proc/net/nf_conntrack)" = nf_ct
tap_check "and the stat link too" \
	test "$(ip netns exec "$ns" readlink /proc/net/stat/nf_conntrack)" = nf_ct

# Both loaded at once, as a boot's module loading may: nf_ct must never
# hold the names while nf_conntrack's init makes its files (that load
# would fail), whichever of the two is first. Ten rounds.
ko="${NF_CT_MODDIR:-.}/nf_ct.ko"
fails=0
for round in 1 2 3 4 5 6 7 8 9 10; do
	rmmod nf_ct || { fails=$((fails + 1)); break; }
	insmod "$ko" & ours=$!
	modprobe nf_conntrack enable_hooks=1 & theirs=$!
	wait $ours || fails=$((fails + 1))
	wait $theirs || fails=$((fails + 1))
	[ -f /proc/net/nf_conntrack ] && [ ! -L /proc/net/nf_conntrack ] || fails=$((fails + 1))
	modprobe -r nf_conntrack || fails=$((fails + 1))
done
tap_check "loaded at the same time ten times, both loads succeed and the kernel's files are its own ($fails failures)" \
	test $fails = 0
tap_check "and with nf_conntrack gone again, the link is back" \
	test "$(ip netns exec "$ns" readlink /proc/net/nf_conntrack)" = nf_ct
tap_end
