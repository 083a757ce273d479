#!/bin/bash
# Where a tracker's per-packet time goes, in the VM (stock kernel): fills a
# netns's table with N UDP entries through the benchmark driver, then samples
# every CPU with perf (cpu-clock: TCG has no PMU) while the driver walks the
# established flows, and prints the hottest symbols. With OP fill, what is
# profiled is instead the making of N more (new) entries; with expire, the
# N entries, refreshed with a 1 s timeout, being expired by the GC.
# Usage (through the runner): tests/bench/profile.sh [nf_ct|nf_conntrack] [N] [PACKETS] [walk|fill|expire]
set -eu
tracker=${1:-nf_ct}
n=${2:-100000}
packets=${3:-2000000}
op=${4:-walk}
repo=$(cd "$(dirname "$0")/../.." && pwd)
ns=nfct-profile
. "$repo/tests/bench/lib.sh"
command -v perf > /dev/null || { echo "profile: perf is not installed (Debian package linux-perf)" >&2; exit 1; }
grep -q '^nfct_bench ' /proc/modules || insmod "${NF_CT_MODDIR:-.}/nfct_bench.ko"
# The tracker's knobs for its entry count and UDP timeout; none without.
count_knob= udp_knob=
case $tracker in
nf_ct)
	grep -q '^nf_ct ' /proc/modules || insmod "${NF_CT_MODDIR:-.}/nf_ct.ko"
	count_knob=net.nf_ct.count udp_knob=net.nf_ct.udp_timeout
	;;
nf_conntrack)
	modprobe nf_conntrack enable_hooks=1 acct=1 tstamp=1
	sysctl -q -w net.netfilter.nf_conntrack_max=$((n * 2))
	count_knob=net.netfilter.nf_conntrack_count udp_knob=net.netfilter.nf_conntrack_udp_timeout
	;;
none) ;;
*) echo "usage: $0 [nf_ct|nf_conntrack|none] [N] [PACKETS] [walk|fill|expire]" >&2; exit 2 ;;
esac
case $op in
walk) work="nfct_bench $ns walk d0 $n $packets" ;;
fill) work="nfct_bench $ns fill d0 $n" ;;
expire) work="until [ \"\$(ip netns exec $ns sysctl -n $count_knob)\" = 0 ]; do sleep 0.2; done; echo drained" ;;
*) echo "usage: $0 [nf_ct|nf_conntrack|none] [N] [PACKETS] [walk|fill|expire]" >&2; exit 2 ;;
esac
driver_netns $ns
trap 'ip netns del $ns' EXIT
[ -n "$udp_knob" ] && ip netns exec $ns sysctl -q -w $udp_knob=3600
if [ "$op" != fill ]; then
	nfct_bench $ns fill d0 "$n" > /dev/null
fi
if [ "$op" = expire ]; then
	[ -n "$udp_knob" ] && ip netns exec $ns sysctl -q -w $udp_knob=1
	nfct_bench $ns fill d0 "$n" > /dev/null
fi
data=$(mktemp -d)
perf record -q -a -e cpu-clock -F 4000 -o "$data/perf.data" -- \
	bash -c ". '$repo/tests/bench/lib.sh'; $work" > "$data/walk.txt" 2> /dev/null
echo "== $tracker, $n entries: $(cat "$data/walk.txt")"
perf report -q -i "$data/perf.data" --no-children --sort symbol --percent-limit 0.4 --stdio 2> /dev/null |
	grep -v "^$" | head -60
rm -rf "$data"
