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
