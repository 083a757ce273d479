#!/bin/bash
# A tracker at scale, in the VM: fills one netns's table with N UDP entries
# (default 1M) through the benchmark driver (nfct_bench.ko: prebuilt packets
# through the netns's hooks) and reports the insert rate, the time to list
# them through the proc file with the ping round trips meanwhile, and the
# time to expire them all (for nf_ct also the GC's longest single hold).
# Usage (through the runner): tests/bench/scale.sh [nf_ct|nf_conntrack] [N]
set -eu
tracker=${1:-nf_ct}
n=${2:-1000000}
repo=$(cd "$(dirname "$0")/../.." && pwd)

ns=nfct-scale
in_ns() { ip netns exec $ns "$@"; }
. "$repo/tests/bench/lib.sh"
bench() { nfct_bench $ns "$@"; }
grep -q '^nfct_bench ' /proc/modules || insmod "${NF_CT_MODDIR:-.}/nfct_bench.ko"
case $tracker in
nf_ct)
	grep -q '^nf_ct ' /proc/modules || insmod "${NF_CT_MODDIR:-.}/nf_ct.ko"
	proc=/proc/net/nf_ct
	count() { in_ns sysctl -n net.nf_ct.count; }
	timeout_udp() { in_ns sysctl -q -w net.nf_ct.udp_timeout="$1"; }
	;;
nf_conntrack)
	modprobe nf_conntrack enable_hooks=1
	sysctl -q -w net.netfilter.nf_conntrack_max=$((n * 2))	# global, init netns only
	proc=/proc/net/nf_conntrack
	count() { in_ns sysctl -n net.netfilter.nf_conntrack_count; }
	timeout_udp() { in_ns sysctl -q -w net.netfilter.nf_conntrack_udp_timeout="$1"; }
	;;
*)
	echo "usage: $0 [nf_ct|nf_conntrack] [N]" >&2
	exit 2
	;;
esac

driver_netns $ns
trap 'ip netns del $ns' EXIT
timeout_udp 600
now() { date +%s.%N; }
elapsed() { awk "BEGIN { printf \"%.2f\", $(now) - $1 }"; }

echo "== $tracker: inserting $n entries (kernel $(uname -r))"
result=$(bench fill d0 "$n")
echo "$result"
ns_total=$(result_field ns "$result")
echo "entries=$(count) inserts_per_second=$((n * 1000000000 / ns_total))"

echo "== listing"
ip netns exec $ns ping -q -i 0.05 127.0.0.1 > /tmp/scale-ping.txt &
ping_pid=$!
sleep 1	# a few round trips first, for the baseline
t0=$(now)
lines=$(in_ns cat $proc | wc -l)
echo "listed=$lines seconds=$(elapsed "$t0")"
kill -INT $ping_pid
wait $ping_pid || true
echo "ping during listing: $(tail -1 /tmp/scale-ping.txt)"

echo "== expiring"
timeout_udp 1
[ $tracker = nf_ct ] && in_ns sysctl -q -w net.nf_ct.gc_longest_hold_ns=0 net.nf_ct.gc_batches=0 net.nf_ct.gc_batches_over_1ms=0
# Every entry refreshed with a 1 s timeout, then left to the GC.
bench fill d0 "$n"
t0=$(now)
bench gaps 5000 > /tmp/scale-gaps.txt &
gaps_pid=$!
last=$(date +%s)
while left=$(count) && [ "$left" -gt 0 ]; do
	if [ $(($(date +%s) - last)) -ge 10 ]; then
		echo "  $left left after $(elapsed "$t0") s"
		last=$(date +%s)
	fi
	sleep 0.2
done
echo "drained_after_refresh_seconds=$(elapsed "$t0")"
wait $gaps_pid
echo "clock gaps while the GC ran: $(cat /tmp/scale-gaps.txt)"
# The same clock, with no tracker work: how long a CPU can be taken away.
echo "clock gaps, idle: $(bench gaps 5000)"
if [ $tracker = nf_ct ]; then
	echo "gc_longest_hold_ns=$(in_ns sysctl -n net.nf_ct.gc_longest_hold_ns)" \
		"gc_batches=$(in_ns sysctl -n net.nf_ct.gc_batches)" \
		"gc_batches_over_1ms=$(in_ns sysctl -n net.nf_ct.gc_batches_over_1ms)"
fi
