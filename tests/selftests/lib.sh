# TAP helpers and namespace plumbing for nf_ct's selftests (sourced).
# The tests run in the VM (tests/selftests/run) and on any real host where
# nf_ct is loaded: they touch only namespaces they create.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

tap_n=0
tap_failed=0
tap_since=$SECONDS

# In the test VM, where the test is goes to the kernel log too, so that a
# kernel report there names the test point that was running.
tap_mark() {
	# For the time budget (README): a TAP comment, not counted.
	[[ $1 == point* ]] && echo "# ($((SECONDS - tap_since)) s)" && tap_since=$SECONDS
	[ -n "${NF_CT_KERNEL:-}" ] && [ -w /dev/kmsg ] &&
		echo "nf_ct test: $(basename "$0" .sh) $*" > /dev/kmsg
	return 0
}

tap_begin() {	# plan
	echo "TAP version 13"
	echo "1..$1"
	tap_mark "begins"
}

tap_ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
	tap_mark "point $tap_n done"
}

tap_not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
	tap_mark "point $tap_n done"
}

tap_skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $* # SKIP"
}

# tap_check DESCRIPTION COMMAND...: one test point from a command's status.
tap_check() {
	local desc=$1
	shift
	if "$@"; then
		tap_ok "$desc"
	else
		tap_not_ok "$desc"
	fi
}

tap_end() {
	exit $((tap_failed || cleanup_failed ? KSFT_FAIL : KSFT_PASS))
}

tap_bail() {
	echo "Bail out! $*"
	exit $KSFT_SKIP
}

require_nf_ct() {
	[ -r /proc/net/nf_ct ] || tap_bail "nf_ct is not loaded (insmod nf_ct.ko)"
	[ "$(id -u)" = 0 ] || tap_bail "needs root"
	local tool
	for tool in ip socat python3; do
		command -v "$tool" >/dev/null || tap_bail "$tool is not installed"
	done
}

# ns_add NAME: a namespace removed when the test exits; prints its real name.
# It runs in a command substitution, so the name itself (ending in the
# test's PID) is what ns_cleanup finds it by.
ns_add() {
	local ns="nfct-$1-$$"
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	echo "$ns"
}

# veth_link NS_A ADDR_A NS_B ADDR_B: a veth pair named veth0 at both ends,
# addressed (CIDR) and up. Each namespace's part is one "ip -batch": an
# exec costs a second on the debug kernel.
veth_link() {
	ip link add veth0 netns "$1" type veth peer name veth0 netns "$3" &&
		printf 'addr add %s dev veth0\nlink set veth0 up\n' "$2" | ip -n "$1" -batch - &&
		printf 'addr add %s dev veth0\nlink set veth0 up\n' "$4" | ip -n "$3" -batch -
}

# router_link CLIENT ROUTER SERVER PREFIX: CLIENT (a0, PREFIX.1.1/24) --
# (r0, PREFIX.1.2/24) ROUTER (r1, PREFIX.2.2/24) -- (s0, PREFIX.2.1/24)
# SERVER, the two ends routed through the router, which forwards.
router_link() {
	local cli=$1 rtr=$2 srv=$3 p=$4
	printf 'link add a0 netns %s type veth peer name r0 netns %s\nlink add s0 netns %s type veth peer name r1 netns %s\n' \
		"$cli" "$rtr" "$srv" "$rtr" | ip -batch - &&
		printf 'addr add %s.1.1/24 dev a0\nlink set a0 up\nroute add default via %s.1.2\n' "$p" "$p" |
		ip -n "$cli" -batch - &&
		printf 'addr add %s.2.1/24 dev s0\nlink set s0 up\nroute add default via %s.2.2\n' "$p" "$p" |
		ip -n "$srv" -batch - &&
		printf 'addr add %s.1.2/24 dev r0\nlink set r0 up\naddr add %s.2.2/24 dev r1\nlink set r1 up\n' "$p" "$p" |
		ip -n "$rtr" -batch - &&
		ip netns exec "$rtr" sysctl -q -w net.ipv4.ip_forward=1
}

# Kills what the test left running in its namespaces (a background server
# would keep the TAP pipe open, a holder the namespace) and deletes them.
ns_cleanup() {
	local ns
	for ns in $(ip netns list | awk '{print $1}' | grep -E "^nfct-.*-$$\$"); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$ns_holders"
}
trap ns_cleanup EXIT

# An exec costs about a second in the debug kernel's one-CPU guest, where
# a poll of "ip netns exec NS cat ..." took two. So the tests' own waits
# use none: nap sleeps on a pipe that never has data (the read builtin's
# timeout), and a namespace's proc files are read through a process of it,
# its holder (a sleep, started the first time and disowned, so that a
# test's "wait" does not wait for it), as /proc/PID/net. Holder pids are
# kept in files, so that a subshell finds them too.
exec {nap_fd}<> <(:)
nap() {	# SECONDS
	read -rt "$1" -u "$nap_fd" || :
}
ns_holders=${TMPDIR:-/tmp}/nfct-holders-$$
mkdir -p "$ns_holders"
ns_net() {	# NS: sets ns_net_dir to NS's /proc/PID/net
	local file=$ns_holders/$1 pid="" comm=""
	[ -r "$file" ] && read -r pid < "$file"
	if [ -z "$pid" ] || ! read -r comm < "/proc/$pid/comm" 2> /dev/null || [ "$comm" != sleep ]; then
		ip netns exec "$1" sleep infinity < /dev/null > /dev/null 2>&1 &
		pid=$!
		disown $pid
		# It is in the namespace once it has become the sleep.
		until read -r comm < "/proc/$pid/comm" 2> /dev/null && [ "$comm" = sleep ]; do
			[ -e "/proc/$pid" ] || return 1
			nap 0.01
		done
		echo "$pid" > "$file"
	fi
	ns_net_dir=/proc/$pid/net
}

# wait_for SECONDS COMMAND...: polls until the command succeeds, for at
# most SECONDS of wall time (a slow command, on the debug kernel, makes
# fewer polls, not a longer wait); the command runs at least once.
wait_for() {
	local now end
	now=${EPOCHREALTIME/[.,]/}
	end=$((now + $1 * 1000000))
	shift
	while :; do
		"$@" && return 0
		now=${EPOCHREALTIME/[.,]/}
		[ "$now" -lt "$end" ] || break
		nap 0.05
	done
	return 1
}

# udp_ask NS ADDR PORT [SPORT]: sends "ping" from a connected UDP socket and
# prints the one datagram that answers, or "Connection refused" when an ICMP
# port unreachable does; fails after 10 s of silence. It waits for the
# answer itself: socat gives up 0.5 s after its input ends, and a forking
# server on the debug kernel can take longer than that. An IPv6 ADDR (one
# with a colon) makes it an IPv6 socket.
udp_ask() {
	ip netns exec "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("", int(sys.argv[3])))
s.connect((sys.argv[1], int(sys.argv[2])))
s.settimeout(10)
s.send(b"ping\n")
try:
    print(s.recv(2048).decode().strip())
except ConnectionRefusedError:
    print("Connection refused")
except socket.timeout:
    sys.exit(1)
' "$2" "$3" "${4:-0}"
}

# ct_lines NS PATTERN...: proc lines of NS matching every extended regex
# given (grep -E's, matched by bash: no exec).
ct_lines() {
	local ns_net_dir line p found=1
	local -a lines
	ns_net "$1" || return 1
	shift
	mapfile -t lines < "$ns_net_dir/nf_ct" || return 1
	for line in "${lines[@]}"; do
		for p in "$@"; do
			[[ $line =~ $p ]] || continue 2
		done
		printf '%s\n' "$line"
		found=0
	done
	return $found
}

ct_has() {
	ct_lines "$@" > /dev/null
}

# ct_expect DESCRIPTION NS PATTERN...: a test point that some line of NS's
# table matches every pattern; on failure the table goes out as diagnostics.
ct_expect() {
	local desc=$1 ns=$2
	shift 2
	if wait_for 15 ct_has "$ns" "$@"; then
		tap_ok "$desc"
	else
		tap_not_ok "$desc"
		ip netns exec "$ns" cat /proc/net/nf_ct | sed 's/^/# /'
	fi
}

# stat_col NS COLUMN [FILE]: a column of /proc/net/stat/nf_ct (or FILE, such
# as the kernel's /proc/net/stat/nf_conntrack) summed over the CPU rows
# (entries: first row).
stat_col() {
	local head row i c=0 sum=0 ns_net_dir file=${3:-/proc/net/stat/nf_ct}
	ns_net "$1" || return 1
	[ -r "$ns_net_dir/${file#/proc/net/}" ] || return 1
	{
		read -ra head
		for i in "${!head[@]}"; do [ "${head[$i]}" = "$2" ] && c=$i; done
		while read -ra row; do
			if [ "$2" = entries ]; then
				echo $((16#${row[0]}))
				return
			fi
			sum=$((sum + 16#${row[$c]}))
		done
	} < "$ns_net_dir/${file#/proc/net/}"
	echo $sum
}

listening() {	# NS PROTO PORT
	ip netns exec "$1" ss -"${2}"ln | grep -q ":$3 "
}

not() { ! "$@"; }

# unload MODULE: rmmod within 20 s, or a TAP comment and cleanup_failed=1:
# a module that a test loaded and cannot unload (a reference or a
# namespace leaked) fails the test, through cleanup_end's exit status.
cleanup_failed=0
unload() {
	wait_for 20 rmmod "$1" 2> /dev/null && return 0
	echo "# cleanup: $1 would not unload (refcnt $(cat "/sys/module/$1/refcnt" 2> /dev/null))"
	cleanup_failed=1
	return 1
}
# At the end of an EXIT trap (after tap_end has exited): the script's
# status becomes 1 if a cleanup failed.
cleanup_end() {
	[ $cleanup_failed = 0 ] || exit 1
}

# xt_load: nf_ct_xt, loaded here if the VM asks for it (NF_CT_LOAD=1);
# our_xt=1 if this test loaded it. xt_cleanup (the EXIT trap it sets)
# flushes the filter tables of the test's namespaces, whose rules hold the
# module, deletes the namespaces and unloads what xt_load loaded.
our_xt=0
xt_load() {
	if ! grep -q '^nf_ct_xt ' /proc/modules; then
		[ "${NF_CT_LOAD:-0}" = 1 ] || tap_bail "nf_ct_xt is not loaded (modprobe x_tables; insmod nf_ct_xt.ko)"
		modprobe x_tables && insmod "${NF_CT_MODDIR:-.}/nf_ct_xt.ko" || tap_bail "cannot load nf_ct_xt.ko"
		our_xt=1
	fi
	trap 'xt_cleanup; cleanup_end' EXIT
}
xt_cleanup() {
	local ns
	for ns in $(ip netns list | awk '{print $1}' | grep -E "^nfct-.*-$$\$"); do
		ip netns exec "$ns" iptables-legacy -F 2> /dev/null
	done
	ns_cleanup
	[ $our_xt = 0 ] || unload nf_ct_xt
}

answers() {	# EXPECTED COMMAND...: the command prints EXPECTED
	local got
	got=$("${@:2}")
	[ "$got" = "$1" ] || { echo "# expected '$1', got '$got'"; return 1; }
}

# kernel_nat_out TABLE_MODULE: the kernel's nat table module (iptable_nat,
# ip6table_nat), nf_nat and nf_conntrack unloaded, as far as they are loaded.
kernel_nat_out() {
	local m
	for m in "$1" nf_nat nf_conntrack; do
		grep -q "^$m " /proc/modules && modprobe -r "$m"
	done
	! grep -qE "^($1|nf_nat|nf_conntrack) " /proc/modules
}

# nat_modules_load: nf_ct_xt and nf_ct_nat (on ip_tables), loaded here if
# the VM asks for it (NF_CT_LOAD=1); those this test loaded are listed in
# nat_loaded, for nat_cleanup.
nat_loaded=()
nat_modules_load() {
	local m
	for m in nf_ct_xt nf_ct_nat; do
		grep -q "^$m " /proc/modules && continue
		[ "${NF_CT_LOAD:-0}" = 1 ] || tap_bail "$m is not loaded (modprobe -a ip_tables ip6_tables; insmod $m.ko)"
		{ modprobe -a ip_tables ip6_tables && insmod "${NF_CT_MODDIR:-.}/$m.ko"; } || tap_bail "cannot load $m.ko"
		nat_loaded=("$m" "${nat_loaded[@]}")
	done
}

# Rules hold the modules: flush the test's namespaces' tables, delete the
# namespaces, then unload what nat_modules_load loaded.
nat_cleanup() {
	local ns m
	for ns in $(ip netns list | awk '{print $1}' | grep -E "^nfct-.*-$$\$"); do
		ip netns exec "$ns" iptables-legacy -t nat -F 2> /dev/null
		ip netns exec "$ns" iptables-legacy -t nat -X 2> /dev/null
		ip netns exec "$ns" iptables-legacy -F 2> /dev/null
	done
	ns_cleanup
	for m in "${nat_loaded[@]}"; do
		unload "$m"
	done
	nat_loaded=()
}
