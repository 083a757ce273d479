#!/bin/bash
# An entry is created with its first packet but enters the table only when
# that packet is confirmed (POSTROUTING or LOCAL_IN): a packet dropped on
# the way by a filter rule leaves no entry, and no record of it lingers.
. "$(dirname "$0")/lib.sh"
require_nf_ct
command -v iptables-legacy > /dev/null || tap_bail "iptables-legacy is not installed"

cli=$(ns_add fcli) && srv=$(ns_add fsrv) || tap_bail "cannot create namespaces"
veth_link "$cli" 10.4.0.1/24 "$srv" 10.4.0.2/24 || tap_bail "cannot link namespaces"
ip netns exec "$srv" iptables-legacy -A INPUT -p udp --dport 7001 -j DROP ||
	tap_bail "cannot add an iptables rule"
ip netns exec "$cli" iptables-legacy -A OUTPUT -p udp --dport 7002 -j DROP

tap_begin 5

pending0() { [ "$(ip netns exec "$1" sysctl -n net.nf_ct.pending)" = 0 ]; }

ip netns exec "$cli" bash -c 'echo x > /dev/udp/10.4.0.2/7001'
ct_expect "the sender confirms its entry at POSTROUTING" "$cli" 'udp .* dport=7001 .*\[UNREPLIED\]'
# The control: the same kind of packet not dropped is confirmed at LOCAL_IN.
ip netns exec "$cli" bash -c 'echo x > /dev/udp/10.4.0.2/7003'
ct_expect "a packet reaching LOCAL_IN is confirmed there" "$srv" 'udp .* dport=7003 '
tap_check "a packet dropped in INPUT leaves no entry" \
	bash -c "! ip netns exec $srv grep -q 'dport=7001 ' /proc/net/nf_ct"
tap_check "and no record of the dropped packet is left" wait_for 15 pending0 "$srv"

if ip netns exec "$cli" bash -c 'echo x > /dev/udp/10.4.0.2/7002' 2> /dev/null; then
	tap_not_ok "a packet dropped in OUTPUT leaves no entry (sendto succeeded)"
else
	out_dropped() { ! ct_has "$cli" 'dport=7002 ' && pending0 "$cli"; }
	tap_check "a packet dropped in OUTPUT leaves no entry and no record" out_dropped
fi
tap_end
