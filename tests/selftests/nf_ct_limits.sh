#!/bin/bash
# Limits and counters: net.nf_ct.max per netns (default: nf_conntrack's,
# from RAM), a full table of ASSURED entries drops the next new flow with a
# rate-limited message and a counter, 0 lifts the limit, and
# /proc/net/stat/nf_ct has nf_conntrack's columns.
. "$(dirname "$0")/lib.sh"
require_nf_ct

cli=$(ns_add lcli) && srv=$(ns_add lsrv) || tap_bail "cannot create namespaces"
veth_link "$cli" 10.3.0.1/24 "$srv" 10.3.0.2/24 || tap_bail "cannot link namespaces"

tap_begin 9

param=$(cat /sys/module/nf_ct/parameters/max)
tap_check "a new netns starts with the module's max ($param)" \
	test "$(ip netns exec "$cli" sysctl -n net.nf_ct.max)" = "$param" -a "$param" -gt 0
tap_check "a negative max is refused" \
	bash -c "! ip netns exec $cli sysctl -q -w net.nf_ct.max=-1 2>/dev/null"

header='entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart'
stat_ok() {
	local out rows
	out=$(ip netns exec "$cli" cat /proc/net/stat/nf_ct) || return 1
	[ "$(head -1 <<< "$out")" = "$header" ] || return 1
	rows=$(tail -n +2 <<< "$out" | grep -cE '^[0-9a-f]{8}  ([0-9a-f]{8} ){11}[0-9a-f]{8}  ([0-9a-f]{8} ){3}[0-9a-f]{8}$')
	[ "$rows" = "$(($(cat /sys/devices/system/cpu/possible | tr ',' '\n' |
		awk -F- '{n += ($2 == "" ? 1 : $2 - $1 + 1)} END {print n}')))" ]
}
tap_check "/proc/net/stat/nf_ct has nf_conntrack's header and one row per possible CPU" stat_ok

# Three ASSURED entries: TCP connections closed by FIN, in TIME_WAIT.
ip netns exec "$srv" socat TCP4-LISTEN:8080,bind=10.3.0.2,reuseaddr,fork SYSTEM:'echo pong' &
wait_for 5 listening "$srv" t 8080
for p in 1 2 3; do
	ip netns exec "$cli" socat -T2 - TCP4:10.3.0.2:8080,sourceport=4100$p < /dev/null > /dev/null
done
assured3() { [ "$(ct_lines "$cli" 'ASSURED' | wc -l)" = 3 ]; }
tap_check "three tcp connections leave three ASSURED entries" wait_for 3 assured3
tap_check "the entries column counts them" test "$(stat_col "$cli" entries)" = 3

ip netns exec "$cli" sysctl -q -w net.nf_ct.max=3
drops=$(stat_col "$cli" drop)
dmesg_before=$(dmesg 2>/dev/null | grep -c 'nf_ct: table full, dropping packet')
if ip netns exec "$cli" bash -c 'echo x > /dev/udp/10.3.0.2/9999' 2>/dev/null; then
	tap_not_ok "a full table of ASSURED entries drops a new flow (sendto succeeded)"
else
	full_dropped() {
		[ "$(stat_col "$cli" drop)" = $((drops + 1)) ] &&
			! ct_has "$cli" 'dport=9999' &&
			[ "$(ip netns exec "$cli" sysctl -n net.nf_ct.count)" = 3 ]
	}
	tap_check "a full table of ASSURED entries drops a new flow and counts it" full_dropped
fi
if dmesg > /dev/null 2>&1; then
	logged() { [ "$(dmesg | grep -c 'nf_ct: table full, dropping packet')" -gt "$dmesg_before" ]; }
	tap_check "the kernel log says 'nf_ct: table full, dropping packet'" wait_for 3 logged
else
	tap_skip "the kernel log says 'nf_ct: table full, dropping packet' (dmesg not readable)"
fi

# The limit is the netns's own: the server's table still takes new flows.
ip netns exec "$srv" bash -c 'echo x > /dev/udp/10.3.0.1/9998'
ct_expect "another netns is not limited by this one's max" "$srv" 'udp .* dport=9998 '

ip netns exec "$cli" sysctl -q -w net.nf_ct.max=0
ip netns exec "$cli" bash -c 'echo x > /dev/udp/10.3.0.2/9997'
ct_expect "max=0 means no limit" "$cli" 'udp .* dport=9997 '
tap_end
