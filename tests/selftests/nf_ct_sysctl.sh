#!/bin/bash
# Per-netns knobs under net.nf_ct: defaults, isolation between namespaces,
# timeouts that take effect, the GC freeing expired entries, and counters and
# timestamps switched off.
. "$(dirname "$0")/lib.sh"
require_nf_ct

a=$(ns_add sa) && b=$(ns_add sb) || tap_bail "cannot create namespaces"
veth_link "$a" 10.3.0.1/24 "$b" 10.3.0.2/24 || tap_bail "cannot link namespaces"

knob() {	# NS NAME
	ip netns exec "$1" cat "/proc/sys/net/nf_ct/$2"
}
send_udp() {	# NS SRC_PORT: one datagram to 10.3.0.2:9 (closed)
	echo x | ip netns exec "$1" socat -u - UDP4:10.3.0.2:9,sourceport="$2"
}

tap_begin 9

tap_check "defaults are nf_conntrack's (udp 30, tcp established 432000, acct and timestamp on)" \
	test "$(knob "$a" udp_timeout) $(knob "$a" tcp_timeout_established) $(knob "$a" acct) $(knob "$a" timestamp)" = "30 432000 1 1"

ip netns exec "$a" sysctl -qw net.nf_ct.udp_timeout=3
tap_check "a namespace's setting does not reach another" \
	test "$(knob "$a" udp_timeout) $(knob "$b" udp_timeout)" = "3 30"

send_udp "$a" 41000
ct_expect "a new entry takes the namespace's timeout" "$a" '^ipv4     2 udp      17 [0-3] src=10\.3\.0\.1 dst=10\.3\.0\.2 sport=41000 dport=9 '

# Counted on b, whose 30 s timeout outlives any check on a slow kernel.
send_udp "$b" 41001
count_one() { [ "$(knob "$b" count)" -ge 1 ]; }
tap_check "count shows the entry" wait_for 3 count_one
# The table sizes itself: 100 more flows, from source ports 42000-42099
# (fixed: ephemeral ports can repeat and merge two flows into one entry),
# and its bucket count, a power of two, grows to keep both directions'
# nodes within 3/4 of it.
buckets0=$(knob "$b" buckets)
ip netns exec "$b" python3 -c '
import socket
for port in range(42000, 42100):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("10.3.0.2", port))
        s.sendto(b"x", ("10.3.0.1", 9))
'
buckets_fit() {	# [say]
	local n c
	n=$(knob "$b" buckets) c=$(knob "$b" count)
	[ "$c" -ge 100 ] && [ $((n & (n - 1))) = 0 ] && [ "$n" -gt "$buckets0" ] &&
		[ $((n * 3 / 4)) -ge $((2 * c)) ] ||
		{ [ -z "${1:-}" ] || echo "# count $c, buckets $n (from $buckets0)"; false; }
}
buckets_check() { wait_for 10 buckets_fit || { buckets_fit say; false; }; }
tap_check "buckets grows with the entries (from ${buckets0:-none})" buckets_check

# The entry expires after 3 s; only the GC brings the count back to 0.
count_zero() { [ "$(knob "$a" count)" = 0 ]; }
if wait_for 20 count_zero; then
	tap_ok "the GC frees the expired entry"
else
	tap_not_ok "the GC frees the expired entry (count $(knob "$a" count))"
fi

# The GC's own figures: it ran batches (every 0.1 s or more often in the
# seconds this test has run), never more of them over 1 ms than in all, and
# writing 0 starts the count afresh.
gc_figures() {
	local batches slow longest
	batches=$(knob "$a" gc_batches) slow=$(knob "$a" gc_batches_over_1ms) longest=$(knob "$a" gc_longest_hold_ns)
	[ "$batches" -ge 5 ] && [ "$slow" -le "$batches" ] && [ "$longest" -gt 0 ] || return 1
	ip netns exec "$a" sysctl -qw net.nf_ct.gc_batches=0 net.nf_ct.gc_batches_over_1ms=0 net.nf_ct.gc_longest_hold_ns=0
	# Batches go on running meanwhile, but far fewer than before.
	[ "$(knob "$a" gc_batches)" -lt "$batches" ] && [ "$(knob "$a" gc_batches_over_1ms)" -le "$slow" ]
}
tap_check "the GC counts its batches and the slow ones; 0 resets them" gc_figures

ip netns exec "$a" sysctl -qw net.nf_ct.acct=0 net.nf_ct.timestamp=0
ip netns exec "$a" sysctl -qw net.nf_ct.udp_timeout=30
send_udp "$a" 41001
ct_expect "with acct and timestamp off, neither is printed" "$a" \
	'^ipv4     2 udp      17 (2[0-9]|30) src=10\.3\.0\.1 dst=10\.3\.0\.2 sport=41001 dport=9 \[UNREPLIED\] src=10\.3\.0\.2 dst=10\.3\.0\.1 sport=9 dport=41001 mark=0 zone=0 use=2$'

if ip netns exec "$a" sysctl -qw net.nf_ct.acct=2 2>/dev/null; then
	tap_not_ok "acct rejects values other than 0 and 1"
else
	tap_ok "acct rejects values other than 0 and 1"
fi
tap_end
