# Sourced by the benchmark scripts, in the VM.

# nfct_bench NS OP ARGS...: one command to the driver (nfct_bench.ko) from
# inside NS, whose netns it works in; prints the result. `ip netns exec`
# gives a fresh /sys, hence the debugfs mount.
nfct_bench() {
	local ns=$1
	shift
	ip netns exec "$ns" sh -c 'mount -t debugfs none /sys/kernel/debug 2>/dev/null
		echo "$*" > /sys/kernel/debug/nfct_bench && cat /sys/kernel/debug/nfct_bench' sh "$@"
}

# result_field NAME RESULT: the number after NAME= in a driver result.
result_field() {
	sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" <<< "$2"
}

# driver_netns NS: a namespace where the driver's flows arrive: lo and a
# dummy d0 at 10.9.0.1/16; with nf_ct loaded, its table has no limit.
driver_netns() {
	ip netns add "$1" &&
		ip -n "$1" link set lo up &&
		ip -n "$1" link add d0 type dummy &&
		ip -n "$1" addr add 10.9.0.1/16 dev d0 &&
		ip -n "$1" link set d0 up || return
	if grep -q '^nf_ct ' /proc/modules; then
		ip netns exec "$1" sysctl -q -w net.nf_ct.max=0
	fi
}
