#!/bin/bash
# In the VM (stock kernel), one boot: the same work under three
# configurations, no tracking, the kernel's nf_conntrack and nf_ct, both
# trackers with packet/byte counters and timestamps on. Prints one JSON
# object per measurement on stdout ({"config", "metric", "size", "rep",
# "value", "unit"}); progress goes to stderr.
# Usage (through the runner): tests/bench/suite.sh [REPS] [SIZES...]
set -u
reps=${1:-3}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 100000 1000000)
moddir=${NF_CT_MODDIR:-.}
repo=$(cd "$(dirname "$0")/../.." && pwd)
walk_packets=1000000
list_limit=180		# seconds; nf_conntrack's listing of 1M can take far longer
drain_limit=300
e2e_flows=64		# UDP flows of the end-to-end load
e2e_seconds=5
mem_entries=100000	# entries per memory figure, at least

ns=nfct-bench
in_ns() { ip netns exec $ns "$@"; }
log() { echo "bench: $*" >&2; }
emit() {	# CONFIG METRIC SIZE REP VALUE UNIT
	printf '{"config":"%s","metric":"%s","size":%s,"rep":%s,"value":%s,"unit":"%s"}\n' "$@"
}
. "$repo/tests/bench/lib.sh"
driver() { nfct_bench $ns "$@"; }
now_ns() { date +%s%N; }

netns_up() { driver_netns $ns; }
netns_down() {
	local n
	for n in $(ip netns list | awk -v ns=$ns '$1 == ns || index($1, ns "-") == 1 { print $1 }'); do
		ip netns del "$n"
	done
	# Their entries are freed a little later, by the netns cleanup: wait
	# until memory in use stops moving, so the next figure starts clean.
	mem_settled_kb > /dev/null
}
count() {
	case $config in
	nf_ct) in_ns sysctl -n net.nf_ct.count ;;
	nf_conntrack) in_ns sysctl -n net.netfilter.nf_conntrack_count ;;
	*) echo 0 ;;
	esac
}
set_udp_timeout() {	# SECONDS [NS]
	local n=${2:-$ns}
	case $config in
	nf_ct) ip netns exec "$n" sysctl -q -w net.nf_ct.udp_timeout="$1" net.nf_ct.udp_timeout_stream="$1" ;;
	nf_conntrack) ip netns exec "$n" sysctl -q -w net.netfilter.nf_conntrack_udp_timeout="$1" ;;
	esac
}
# Memory in use, with the page cache out of the way: MemTotal - MemFree.
mem_used_kb() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	awk '/^MemTotal:/{t=$2} /^MemFree:/{f=$2} END{print t - f}' /proc/meminfo
}
# The same, once it has stopped moving: a table still growing (nf_ct's
# rhashtable rehashes in a worker, the old bucket array freed after it)
# holds two bucket arrays for a while, and namespaces deleted before are
# torn down in the background for seconds. Still: two 1 s steps in a row
# that each moved it by less than 128 kB.
mem_settled_kb() {
	local prev now i still=0
	now=$(mem_used_kb)
	for ((i = 0; i < 90 && still < 2; i++)); do
		sleep 1
		prev=$now
		now=$(mem_used_kb)
		if [ $((prev - now)) -lt 128 ] && [ $((now - prev)) -lt 128 ]; then
			still=$((still + 1))
		else
			still=0
		fi
	done
	echo "$now"
}
# Bytes in slab objects in use (active objects times object size, every
# cache), plus nf_ct's bucket arrays in TABLES namespaces (kvmalloc'ed, so
# outside the slab once large). Freed objects a cache keeps for reuse do not
# count, which is what makes this steadier than the whole machine's memory;
# nf_conntrack's bucket array is allocated once at load and is not in it.
tracked_bytes() {	# TABLES
	local b=0 t n
	if [ $config = nf_ct ]; then
		for ((t = 1; t <= $1; t++)); do
			n=$ns
			[ $t -gt 1 ] && n=$ns-$t
			b=$((b + 8 * $(ip netns exec $n sysctl -n net.nf_ct.buckets)))
		done
	fi
	awk -v b=$b 'NR > 2 { b += $2 * $4 } END { printf "%.0f\n", b }' /proc/slabinfo
}
# CPU time spent by the whole guest, in clock ticks: user+nice+system+irq+softirq.
cpu_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8}' /proc/stat; }

# The NAT engine beside the tracker: the kernel's nf_nat through
# iptable_nat, or nf_ct_nat (its hooks are in every netns once loaded, so
# neither is loaded for the other measurements).
nat_load() {
	case $config in
	nf_conntrack) modprobe iptable_nat ;;
	nf_ct) modprobe -a ip_tables ip6_tables && insmod "$moddir/nf_ct_xt.ko" && insmod "$moddir/nf_ct_nat.ko" ;;
	esac
}
nat_unload() {
	case $config in
	nf_conntrack) unload iptable_nat xt_nat nf_nat ;;	# xt_nat: the DNAT target
	nf_ct) unload nf_ct_nat nf_ct_xt ;;
	esac
}
# unload MODULE...: a namespace's teardown goes on in the background and
# holds its modules until it ends; a tracker left loaded would be measured
# with the next one.
unload() {
	local m i
	for m in "$@"; do
		for ((i = 0; i < 600; i++)); do
			grep -q "^$m " /proc/modules || continue 2
			# modprobe also drops what only it used; ours are not installed.
			{ modprobe -r "$m" || rmmod "$m"; } 2> /dev/null && continue 2
			sleep 0.1
		done
		log "cannot unload $m"
		return 1
	done
}
# Fill and walk again with a DNAT rule that takes every flow (port 9 to 10):
# each new flow runs the nat table and gets a binding, and every packet
# after it is rewritten from its entry.
with_nat() {	# SIZE REP
	local r n passed
	netns_up
	set_udp_timeout 3600
	in_ns iptables-legacy -w -t nat -A PREROUTING -i d0 -p udp --dport 9 \
		-j DNAT --to-destination 10.9.0.1:10 || return
	r=$(driver fill d0 "$1")
	emit $config nat_new_conn_per_s "$1" "$2" "$(($1 * 1000000000 / $(result_field ns "$r")))" "1/s"
	n=$(count)
	[ "$n" -ge "$1" ] || log "with NAT: only $n of $1 entries made"
	# The binding is there: the first entry's reply comes from port 10.
	in_ns head -1 "$(proc_file)" | grep -q ' sport=10 dport=' ||
		log "with NAT: no binding in $(in_ns head -1 "$(proc_file)")"
	r=$(driver walk d0 "$1" $walk_packets)
	passed=$(result_field passed "$r")
	[ "$passed" = $walk_packets ] || log "with NAT: $passed of $walk_packets packets passed"
	emit $config nat_ns_per_packet "$1" "$2" "$(result_field ns_per_packet "$r")" "ns"
	in_ns iptables-legacy -w -t nat -F
	netns_down
}
proc_file() {
	if [ $config = nf_ct ]; then echo /proc/net/nf_ct; else echo /proc/net/nf_conntrack; fi
}

# Real sockets across a veth pair: UDP datagrams of many flows to a port
# nobody listens on, then TCP streams into a sink; both trackers (when
# loaded) see each packet in both namespaces.
end_to_end() {
	local load=$repo/build/harness/nfct_load r sink
	ip netns add $ns-a && ip netns add $ns-b || return
	ip link add veth0 netns $ns-a type veth peer name veth0 netns $ns-b
	ip -n $ns-a addr add 10.10.0.1/24 dev veth0
	ip -n $ns-b addr add 10.10.0.2/24 dev veth0
	ip -n $ns-a link set veth0 up
	ip -n $ns-b link set veth0 up
	ip -n $ns-a link set lo up
	ip -n $ns-b link set lo up
	ip netns exec $ns-b sysctl -q -w net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=1000000
	r=$(ip netns exec $ns-a "$load" udp 10.10.0.2 9 $e2e_flows $e2e_seconds) &&
		emit $config udp_pps "$e2e_flows" $rep "$(result_field pps "$r")" "1/s"
	ip netns exec $ns-b "$load" tcp-sink 10.10.0.2 5001 &
	sink=$!
	for ((i = 0; i < 50; i++)); do
		ip netns exec $ns-b ss -tln | grep -q ':5001 ' && break
		sleep 0.1
	done
	r=$(ip netns exec $ns-a "$load" tcp 10.10.0.2 5001 4 $e2e_seconds) &&
		emit $config tcp_mbit_per_s 4 $rep "$(result_field mbit_per_s "$r")" "Mbit/s"
	kill $sink
	wait $sink 2> /dev/null
	ip netns del $ns-a
	ip netns del $ns-b
}

grep -q '^nfct_bench ' /proc/modules || insmod "$moddir/nfct_bench.ko" || exit 1
if grep -qE '^(nf_ct|nf_conntrack) ' /proc/modules; then
	echo "bench: unload nf_ct and nf_conntrack first" >&2
	exit 1
fi

for config in none nf_conntrack nf_ct; do
	case $config in
	nf_conntrack)
		modprobe nf_conntrack enable_hooks=1 acct=1 tstamp=1 || exit 1
		# Room for the largest size; the bucket count stays the default.
		sysctl -q -w net.netfilter.nf_conntrack_max=$((2 * 1000000))
		log "nf_conntrack buckets: $(cat /sys/module/nf_conntrack/parameters/hashsize)"
		;;
	nf_ct)
		insmod "$moddir/nf_ct.ko" || exit 1
		;;
	esac
	for size in "${sizes[@]}"; do
		for ((rep = 1; rep <= reps; rep++)); do
			log "$config size=$size rep=$rep"
			netns_up
			set_udp_timeout 3600
			# Memory is read in whole-machine figures that move by a few MB
			# on their own: below mem_entries, as many more namespaces as it
			# takes to reach it are filled alike, and the figure is the
			# delta over all of their entries.
			tables=1
			[ $config != none ] && [ "$size" -lt $mem_entries ] && tables=$((mem_entries / size))
			for ((t = 2; t <= tables; t++)); do
				driver_netns $ns-$t && set_udp_timeout 3600 $ns-$t
			done
			base=$(mem_settled_kb)
			base_slab=$(tracked_bytes $tables)
			r=$(driver fill d0 "$size")
			emit $config new_conn_per_s "$size" $rep "$((size * 1000000000 / $(result_field ns "$r")))" "1/s"
			if [ $config != none ]; then
				n=$(count)
				[ "$n" -ge "$size" ] || log "only $n of $size entries made"
				for ((t = 2; t <= tables; t++)); do
					nfct_bench $ns-$t fill d0 "$size" > /dev/null
				done
				emit $config bytes_per_conn "$size" $rep "$((($(tracked_bytes $tables) - base_slab) / (size * tables)))" "B"
				emit $config mem_per_conn "$size" $rep "$((($(mem_settled_kb) - base) * 1024 / (size * tables)))" "B"
			fi
			r=$(driver walk d0 "$size" $walk_packets)
			emit $config ns_per_packet "$size" $rep "$(result_field ns_per_packet "$r")" "ns"

			if [ "$size" -ge 1000000 ] && [ $rep = 1 ] && [ $config != none ]; then
				file=$(proc_file)
				t0=$(now_ns)
				if in_ns timeout $list_limit cat $file > /dev/null; then
					emit $config list_seconds "$size" 1 "$((($(now_ns) - t0) / 1000000))e-3" "s"
				else
					emit $config list_seconds "$size" 1 "\">$list_limit\"" "s"
				fi
				# Every entry refreshed with a 1 s timeout, then left to the GC.
				set_udp_timeout 1
				[ $config = nf_ct ] && in_ns sysctl -q -w net.nf_ct.gc_longest_hold_ns=0 net.nf_ct.gc_batches=0 net.nf_ct.gc_batches_over_1ms=0
				driver fill d0 "$size" > /dev/null
				c0=$(cpu_ticks)
				t0=$(now_ns)
				driver gaps 5000 > /tmp/bench-gaps.txt &
				while [ "$(count)" -gt 0 ] && [ $((($(now_ns) - t0) / 1000000000)) -lt $drain_limit ]; do
					sleep 0.2
				done
				wait
				left=$(count)
				emit $config gc_drain_seconds "$size" 1 "$((($(now_ns) - t0) / 1000000))e-3" "s"
				emit $config gc_cpu_seconds "$size" 1 "$((($(cpu_ticks) - c0) * 1000 / $(getconf CLK_TCK)))e-3" "s"
				[ "$left" = 0 ] || log "$left entries left after ${drain_limit}s"
				if [ $config = nf_ct ]; then
					emit $config gc_longest_hold_us "$size" 1 "$(($(in_ns sysctl -n net.nf_ct.gc_longest_hold_ns) / 1000))" "us"
					emit $config gc_batches_over_1ms_pct "$size" 1 \
						"$(awk -v s="$(in_ns sysctl -n net.nf_ct.gc_batches_over_1ms)" -v b="$(in_ns sysctl -n net.nf_ct.gc_batches)" 'BEGIN { printf "%.2f", b ? 100 * s / b : 0 }')" "%"
				fi
				gaps=$(cat /tmp/bench-gaps.txt)
				emit $config clock_gap_longest_us "$size" 1 "$(($(result_field longest_gap_ns "$gaps") / 1000))" "us"
				emit $config clock_slices_over_1ms_pct "$size" 1 \
					"$(awk -v s="$(result_field slices_with_gap_over_1ms "$gaps")" -v n="$(result_field slices "$gaps")" 'BEGIN { printf "%.2f", n ? 100 * s / n : 0 }')" "%"
			fi
			netns_down
		done
	done
	for ((rep = 1; rep <= reps; rep++)); do
		log "$config end to end rep=$rep"
		end_to_end
	done
	if [ $config != none ]; then
		nat_load || exit 1
		for size in "${sizes[@]}"; do
			for ((rep = 1; rep <= reps; rep++)); do
				log "$config with NAT size=$size rep=$rep"
				with_nat "$size" $rep || exit 1
			done
		done
		nat_unload || exit 1
	fi
	case $config in
	nf_conntrack) unload nf_conntrack || exit 1 ;;
	nf_ct) unload nf_ct || exit 1 ;;
	esac
done
rmmod nfct_bench
