#!/bin/bash
# IPv6 between real stacks across a veth pair: ping -6 (whole and
# fragmented), a UDP request/response and a TCP connection each leave the
# proc line nf_conntrack prints for IPv6 (every address group in full);
# neighbour discovery makes no entry and counts nothing; a refused TCP
# connection leaves none; an ICMPv6 port unreachable is RELATED to its flow.
. "$(dirname "$0")/lib.sh"
require_nf_ct

cli=$(ns_add cli) && srv=$(ns_add srv) || tap_bail "cannot create namespaces"
ip link add veth0 netns "$cli" type veth peer name veth0 netns "$srv" &&
	ip -n "$cli" addr add fd00::3/64 dev veth0 nodad &&
	ip -n "$srv" addr add fd00::80/64 dev veth0 nodad &&
	ip -n "$cli" link set veth0 up && ip -n "$srv" link set veth0 up ||
	tap_bail "cannot link namespaces"

A='fd00:0000:0000:0000:0000:0000:0000:0003'
B='fd00:0000:0000:0000:0000:0000:0000:0080'

tap_begin 9

invalid0=$(stat_col "$cli" invalid)
errors0=$(stat_col "$cli" icmp_error)

# ping -6: one echo request answered, 104 bytes each way; never ASSURED.
# Its neighbour solicitation and advertisement went first.
if ip netns exec "$cli" ping -6 -c1 -W2 fd00::80 > /dev/null; then
	ct_expect "ping -6 leaves an answered icmpv6 entry" "$cli" "^ipv6     10 icmpv6   58 (2[0-9]|30) src=$A dst=$B type=128 code=0 id=[0-9]+ packets=1 bytes=104 src=$B dst=$A type=129 code=0 id=[0-9]+ packets=1 bytes=104 mark=0 zone=0 delta-time=[0-9]+ use=2\$"
else
	tap_not_ok "ping -6 leaves an answered icmpv6 entry (ping failed)"
fi

# Neighbour discovery is UNTRACKED: no entry, no invalid, no icmp_error.
nd_untracked() {
	! ct_has "$cli" 'type=13[3-6] ' && ! ct_has "$srv" 'type=13[3-6] ' &&
		[ "$(stat_col "$cli" invalid)" = "$invalid0" ] &&
		[ "$(stat_col "$cli" icmp_error)" = "$errors0" ]
}
tap_check "neighbour discovery made no entry and counted nothing" nd_untracked

# Larger than the MTU: fragments, reassembled by nf_defrag_ipv6 before
# tracking, one packet of 3048 bytes each way.
if ip netns exec "$cli" ping -6 -c1 -W2 -s 3000 fd00::80 > /dev/null; then
	ct_expect "a fragmented ping -6 is tracked reassembled" "$srv" "icmpv6   58 (2[0-9]|30) src=$A dst=$B type=128 code=0 id=[0-9]+ packets=1 bytes=3048 src=$B dst=$A type=129 code=0 id=[0-9]+ packets=1 bytes=3048 "
else
	tap_not_ok "a fragmented ping -6 is tracked reassembled (ping failed)"
fi

# UDP request and response: replied, not yet a stream.
ip netns exec "$srv" socat -T3 UDP6-RECVFROM:5353,bind=[fd00::80] SYSTEM:'echo pong' &
wait_for 20 listening "$srv" u 5353
reply=$(udp_ask "$cli" fd00::80 5353 40053)
wait
if [ "$reply" = pong ]; then
	ct_expect "udp over ipv6 is replied, not assured" "$cli" "^ipv6     10 udp      17 (2[0-9]|30) src=$A dst=$B sport=40053 dport=5353 packets=1 bytes=53 src=$B dst=$A sport=5353 dport=40053 packets=1 bytes=53 mark=0 zone=0 delta-time=[0-9]+ use=2\$"
else
	tap_not_ok "udp over ipv6 is replied, not assured (no reply: '$reply')"
fi

# TCP closed by FIN from the client: TIME_WAIT and ASSURED, both sides.
ip netns exec "$srv" socat -t3 -T3 TCP6-LISTEN:8080,bind=[fd00::80],reuseaddr SYSTEM:'read l; echo pong' &
wait_for 20 listening "$srv" t 8080
reply=$(echo ping | ip netns exec "$cli" socat -t3 -T3 - TCP6:[fd00::80]:8080,sourceport=40080)
wait
if [ "$reply" = pong ]; then
	ct_expect "tcp over ipv6 closed by FIN is TIME_WAIT and ASSURED" "$cli" "^ipv6     10 tcp      6 1[01][0-9] TIME_WAIT src=$A dst=$B sport=40080 dport=8080 packets=[0-9]+ bytes=[0-9]+ src=$B dst=$A sport=8080 dport=40080 packets=[0-9]+ bytes=[0-9]+ \\[ASSURED\\] mark=0 zone=0 delta-time=[0-9]+ use=2\$"
else
	tap_not_ok "tcp over ipv6 closed by FIN is TIME_WAIT and ASSURED (no reply: '$reply')"
fi
ct_expect "the server's namespace tracked it too" "$srv" "^ipv6     10 tcp      6 .* sport=40080 dport=8080 .*\\[ASSURED\\]"

# Refused: the RST before any reply deletes the entry on both sides.
ip netns exec "$cli" socat -T2 - TCP6:[fd00::80]:8081,sourceport=40081 < /dev/null 2> /dev/null
refused_gone() { ! ct_has "$cli" 'dport=8081 ' && ! ct_has "$srv" 'dport=8081 '; }
tap_check "a refused tcp connection over ipv6 leaves no entry" refused_gone

# A closed port: the ICMPv6 port unreachable is RELATED to the flow.
invalid0=$(stat_col "$cli" invalid)
errors0=$(stat_col "$cli" icmp_error)
related_only() {
	ct_has "$cli" "^ipv6     10 udp      17 .* sport=40999 dport=5999 packets=1 .*\\[UNREPLIED\\] .* packets=0 bytes=0 " &&
		! ct_has "$cli" 'icmpv6 .* type=1 ' &&
		[ "$(stat_col "$cli" invalid)" = "$invalid0" ] &&
		[ "$(stat_col "$cli" icmp_error)" = "$errors0" ]
}
reply=$(udp_ask "$cli" fd00::80 5999 40999)
if [ "$reply" = "Connection refused" ]; then
	tap_check "an ICMPv6 port unreachable leaves the udp flow UNREPLIED and adds no entry" related_only
else
	tap_not_ok "an ICMPv6 port unreachable leaves the udp flow UNREPLIED and adds no entry (got '$reply')"
fi

# net.nf_ct.icmpv6_timeout: 30 s by default, per namespace, apart from ICMP's.
ip netns exec "$cli" sysctl -qw net.nf_ct.icmp_timeout=30 net.nf_ct.icmpv6_timeout=7
if [ "$(ip netns exec "$srv" sysctl -n net.nf_ct.icmpv6_timeout)" = 30 ] &&
	ip netns exec "$cli" ping -6 -c1 -W2 fd00::80 > /dev/null; then
	ct_expect "a new icmpv6 entry takes icmpv6_timeout" "$cli" "^ipv6     10 icmpv6   58 [0-7] src=$A dst=$B type=128 "
else
	tap_not_ok "a new icmpv6 entry takes icmpv6_timeout (default not 30, or ping failed)"
fi

tap_end
