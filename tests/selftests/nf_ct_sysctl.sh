#!/bin/bash
# Per-netns knobs under net.nf_ct: defaults, isolation between namespaces,
# timeouts that take effect, the GC freeing expired entries, counters and
# timestamps switched off, max bounded by the module's in a container's
# netns, and the GC asleep on an empty table.
. "$(dirname "$0")/lib.sh"
require_nf_ct

# c stays empty until the last points, by which time its GC has long been idle.
a=$(ns_add sa) && b=$(ns_add sb) && c=$(ns_add sc) || tap_bail "cannot create namespaces"
veth_link "$a" 10.3.0.1/24 "$b" 10.3.0.2/24 || tap_bail "cannot link namespaces"

knob() {	# NS NAME
	ip netns exec "$1" cat "/proc/sys/net/nf_ct/$2"
}
send_udp() {	# NS SRC_PORT: one datagram to 10.3.0.2:9 (closed)
	echo x | ip netns exec "$1" socat -u - UDP4:10.3.0.2:9,sourceport="$2"
}

tap_begin 17

tap_check "defaults are nf_conntrack's (udp 30, tcp established 432000, acct and timestamp on)" \
	test "$(knob "$a" udp_timeout) $(knob "$a" tcp_timeout_established) $(knob "$a" acct) $(knob "$a" timestamp)" = "30 432000 1 1"

ip netns exec "$a" sysctl -qw net.nf_ct.udp_timeout=3
tap_check "a namespace's setting does not reach another" \
	test "$(knob "$a" udp_timeout) $(knob "$b" udp_timeout)" = "3 30"

# b tracks a's datagram too, and that entry is b's first: its idle GC comes
# back when that entry expires, so b's timeout is the 100 flows' one below.
ip netns exec "$b" sysctl -qw net.nf_ct.udp_timeout=8
send_udp "$a" 41000
ct_expect "a new entry takes the namespace's timeout" "$a" '^ipv4     2 udp      17 [0-3] src=10\.3\.0\.1 dst=10\.3\.0\.2 sport=41000 dport=9 '

# The table sizes itself: 100 more flows, from source ports 42000-42099
# (fixed: ephemeral ports can repeat and merge two flows into one entry),
# and its bucket count, a power of two, grows to keep both directions'
# nodes within 3/4 of it. They live 8 s (long enough to be counted on the
# debug kernel), and once the GC has freed them the table shrinks again:
# the GC comes back when b's first entry (above) expires, and then as often
# as these need.
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
ip netns exec "$b" sysctl -qw net.nf_ct.udp_timeout=30
buckets1=$(knob "$b" buckets)
shrunk() { [ "$(knob "$b" count)" = 0 ] && [ "$(knob "$b" buckets)" -le "$buckets0" ]; }
if wait_for 30 shrunk; then
	tap_ok "buckets shrinks once the entries are gone (from $buckets1 to $(knob "$b" buckets))"
else
	tap_not_ok "buckets shrinks once the entries are gone (count $(knob "$b" count), buckets $(knob "$b" buckets), from $buckets1)"
	echo "# gc_batches $(knob "$b" gc_batches), unexpired entries:"
	ip netns exec "$b" cat /proc/net/nf_ct | sed 's/^/# /'
fi

# Counted on b, whose 30 s timeout outlives any check on a slow kernel.
send_udp "$b" 41001
count_one() { [ "$(knob "$b" count)" -ge 1 ]; }
tap_check "count shows the entry" wait_for 15 count_one

# The entry expires after 3 s; only the GC brings the count back to 0.
count_zero() { [ "$(knob "$a" count)" = 0 ]; }
if wait_for 20 count_zero; then
	tap_ok "the GC frees the expired entry"
else
	tap_not_ok "the GC frees the expired entry (count $(knob "$a" count))"
fi

# The GC's own figures: it ran batches (the first 1 s after the namespace
# came, then at least the one that freed the entry), never more of them over
# 1 ms than in all, and writing 0 starts the count afresh.
gc_figures() {
	local batches slow longest
	batches=$(knob "$a" gc_batches) slow=$(knob "$a" gc_batches_over_1ms) longest=$(knob "$a" gc_longest_hold_ns)
	[ "$batches" -ge 2 ] && [ "$slow" -le "$batches" ] && [ "$longest" -gt 0 ] || return 1
	ip netns exec "$a" sysctl -qw net.nf_ct.gc_batches=0 net.nf_ct.gc_batches_over_1ms=0 net.nf_ct.gc_longest_hold_ns=0
	# The table is empty now and its GC asleep: one batch meanwhile at most.
	[ "$(knob "$a" gc_batches)" -le 1 ] && [ "$(knob "$a" gc_batches_over_1ms)" -le "$slow" ]
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

# In a netns of a user namespace of its own (what unshare -Urn gives anyone,
# no privilege needed), max may go down but not to 0 (no limit) nor above
# the module's: EPERM, and max is left as it was.
param=$(cat /sys/module/nf_ct/parameters/max)
userns_max() {	# VALUE...: "VALUE RESULT MAX_AFTER" for each write, in one new netns
	unshare -Urn python3 -c '
import errno, sys
path = "/proc/sys/net/nf_ct/max"
for v in sys.argv[1:]:
    try:
        with open(path, "w") as f:
            f.write(v + "\n")
        r = "ok"
    except OSError as e:
        r = errno.errorcode.get(e.errno, str(e.errno))
    with open(path) as f:
        print(v, r, f.read().strip())
' "$@"
}
userns_point() {	# DESCRIPTION LINE EXPECTED
	if [ "$2" = "$3" ]; then
		tap_ok "$1"
	else
		tap_not_ok "$1"
		echo "# got '$2', expected '$3'"
	fi
}
if ! unshare -Urn true 2> /dev/null; then
	for what in "0" "above the module's max" "a lower max"; do
		tap_skip "a user namespace's netns writing $what (no user namespaces in this kernel)"
	done
elif [ "$param" = 0 ]; then
	for what in "0" "above the module's max" "a lower max"; do
		tap_skip "a user namespace's netns writing $what (the module has no limit: all allowed)"
	done
else
	mapfile -t lines < <(userns_max 0 $((param + 1)) $((param / 2)))
	userns_point "a user namespace's netns cannot write max=0 (EPERM, max stays $param)" \
		"${lines[0]:-}" "0 EPERM $param"
	userns_point "nor a max above the module's ($((param + 1)): EPERM, max stays $param)" \
		"${lines[1]:-}" "$((param + 1)) EPERM $param"
	userns_point "but may lower it ($((param / 2)))" \
		"${lines[2]:-}" "$((param / 2)) ok $((param / 2))"
fi

# Real root's own child netns keeps the whole range: 0 lifts the limit.
root_max() {
	ip netns exec "$a" sysctl -qw net.nf_ct.max=0 && [ "$(knob "$a" max)" = 0 ] &&
		ip netns exec "$a" sysctl -qw net.nf_ct.max="$param" && [ "$(knob "$a" max)" = "$param" ]
}
tap_check "real root's netns can set max=0 and back to $param" root_max

# The longest batch is kept in 64 bits: a u32 wrapped past 4.29 s.
longest_u64() {
	ip netns exec "$b" sysctl -qw net.nf_ct.gc_longest_hold_ns=5000000000 &&
		[ "$(knob "$b" gc_longest_hold_ns)" = 5000000000 ] &&
		ip netns exec "$b" sysctl -qw net.nf_ct.gc_longest_hold_ns=0 &&
		[ "$(knob "$b" gc_longest_hold_ns)" -lt 5000000000 ]
}
tap_check "gc_longest_hold_ns holds 5000000000 (past 2^32) and 0 resets it" longest_u64

# An empty namespace's GC sleeps 1 s, 2 s, 4 s... up to a minute (where it
# used to wake every 0.1 s): a few batches in 3 s at most.
idle0=$(knob "$c" gc_batches)
sleep 3
idle=$(($(knob "$c" gc_batches) - idle0))
tap_check "an empty namespace's GC sleeps ($idle batches in 3 s, at most 3)" test "$idle" -le 3

# The first entry wakes it for when it expires: a 3 s entry leaves the count
# in about 3 s, not when a sleep of up to a minute ends.
ip netns exec "$c" sysctl -qw net.nf_ct.udp_timeout=3
ip netns exec "$c" bash -c 'echo x > /dev/udp/127.0.0.1/9'
count_is() { [ "$(knob "$c" count)" = "$1" ]; }
start=$SECONDS
if wait_for 15 count_is 1 && wait_for 8 count_is 0; then
	tap_ok "a 3 s entry in an idle namespace leaves the count within 8 s (in $((SECONDS - start)) s)"
else
	tap_not_ok "a 3 s entry in an idle namespace leaves the count (count $(knob "$c" count) after $((SECONDS - start)) s)"
fi
tap_end
