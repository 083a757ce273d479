#!/bin/bash
# An IPv6 host firewall with ip6tables-legacy, its -m state and -m conntrack
# answered by nf_ct (nf_ct_xt.ko registers them for IPv6 too): ESTABLISHED
# and RELATED accepted, INVALID dropped, ICMPv6 accepted after that, policy
# DROP. Neighbour discovery is UNTRACKED, so the INVALID rule leaves it
# alone and the host still finds its neighbours; an ICMPv6 error is RELATED;
# address options match on 128 bits with a prefix mask.
. "$(dirname "$0")/lib.sh"
require_nf_ct
command -v ip6tables-legacy > /dev/null || tap_bail "ip6tables-legacy is not installed"

kernel_ct_before=0
grep -qE '^(nf_conntrack|xt_conntrack|xt_state) ' /proc/modules && kernel_ct_before=1
xt_load

ip6t() {	# NS ARGS...: ip6tables-legacy in NS
	local ns=$1
	shift
	ip netns exec "$ns" ip6tables-legacy -w "$@"
}

pkts() {	# NS CHAIN RULENUM: the rule's packet counter
	ip6t "$1" -L "$2" -v -x -n --line-numbers | awk -v n="$3" '$1 == n { print $2 }'
}

counter_above() {	# NS CHAIN RULENUM VALUE
	[ "$(pkts "$1" "$2" "$3")" -gt "$4" ]
}

tcp_pong() {	# NS ADDR PORT
	[ "$(echo ping | ip netns exec "$1" socat -t10 -T10 - "TCP6:[$2]:$3,connect-timeout=2" 2> /dev/null)" = pong ]
}

udp6_refused() {	# NS ADDR PORT SPORT: the ICMPv6 port unreachable reached the socket
	[ "$(udp_ask "$1" "$2" "$3" "$4")" = "Connection refused" ]
}

tap_begin 11

host=$(ns_add host) && peer=$(ns_add peer) || tap_bail "cannot create namespaces"
ip link add veth0 netns "$host" type veth peer name veth0 netns "$peer" &&
	ip -n "$host" addr add fd00:7::1/64 dev veth0 nodad &&
	ip -n "$peer" addr add fd00:7::2/64 dev veth0 nodad &&
	ip -n "$host" link set veth0 up && ip -n "$peer" link set veth0 up ||
	tap_bail "cannot link namespaces"

# Rules 1-4 count (no target); 5-7 are the firewall.
ip6t "$host" -A INPUT -p ipv6-icmp -m conntrack --ctstate UNTRACKED &&
	ip6t "$host" -A INPUT -p ipv6-icmp -m conntrack --ctstate RELATED &&
	ip6t "$host" -A INPUT -m conntrack --ctstate ESTABLISHED --ctorigsrc fd00:7::/64 --ctrepldst fd00:7::1/128 &&
	ip6t "$host" -A INPUT -m conntrack --ctstate ESTABLISHED --ctorigsrc fd00:8::/64 &&
	ip6t "$host" -A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT &&
	ip6t "$host" -A INPUT -m conntrack --ctstate INVALID -j DROP &&
	ip6t "$host" -A INPUT -p ipv6-icmp -m conntrack --ctstate NEW,UNTRACKED -j ACCEPT &&
	ip6t "$host" -P INPUT DROP || tap_bail "ip6tables-legacy refused the rules"

ip netns exec "$peer" socat -t10 -T10 TCP6-LISTEN:8080,bind=[fd00:7::2],reuseaddr,fork SYSTEM:'read l; echo pong' &
ip netns exec "$host" socat -T3 TCP6-LISTEN:9090,bind=[fd00:7::1],reuseaddr SYSTEM:'echo pong' &
wait_for 20 listening "$peer" t 8080
wait_for 20 listening "$host" t 9090

tap_check "host: outbound TCP over IPv6 gets its answer" tcp_pong "$host" fd00:7::2 8080
tap_check "host: neighbour discovery got through as UNTRACKED" counter_above "$host" INPUT 1 0
ping6_ok() { ip netns exec "$1" ping -6 -c1 -W2 "$2" > /dev/null; }
tap_check "host: outbound ping -6 is answered" ping6_ok "$host" fd00:7::2
tap_check "host: unsolicited inbound TCP is dropped" not tcp_pong "$peer" fd00:7::1 9090
tap_check "host: an ICMPv6 error for an open UDP flow gets through" udp6_refused "$host" fd00:7::2 5999 40999
tap_check "host: it was RELATED" counter_above "$host" INPUT 2 0
prefixes_match() { counter_above "$host" INPUT 3 0 && [ "$(pkts "$host" INPUT 4)" = 0 ]; }
tap_check "host: --ctorigsrc/--ctrepldst match on IPv6 prefixes, and only them" prefixes_match

# --- a router's own ICMPv6 error about a flow not yet confirmed --------------
# The first datagram of a flow arrives with hop limit 1: the router answers
# time exceeded before the datagram's entry is confirmed. As nf_ct_attach()
# makes it in the kernel, the error is RELATED to that entry at the router's
# OUTPUT, not an icmp_error.
c6=$(ns_add c6) && r6=$(ns_add r6) && s6=$(ns_add s6) || tap_bail "cannot create namespaces"
ip link add a0 netns "$c6" type veth peer name r0 netns "$r6" &&
	ip link add s0 netns "$s6" type veth peer name r1 netns "$r6" &&
	ip -n "$c6" addr add fd00:a::1/64 dev a0 nodad && ip -n "$c6" link set a0 up &&
	ip -n "$r6" addr add fd00:a::2/64 dev r0 nodad && ip -n "$r6" link set r0 up &&
	ip -n "$r6" addr add fd00:b::2/64 dev r1 nodad && ip -n "$r6" link set r1 up &&
	ip -n "$s6" addr add fd00:b::1/64 dev s0 nodad && ip -n "$s6" link set s0 up &&
	ip -n "$c6" route add default via fd00:a::2 &&
	ip -n "$s6" route add default via fd00:b::2 &&
	ip netns exec "$r6" sysctl -qw net.ipv6.conf.all.forwarding=1 ||
	tap_bail "cannot build the router"
ip6t "$r6" -A OUTPUT -p ipv6-icmp --icmpv6-type time-exceeded -m conntrack --ctstate RELATED &&
	ip6t "$r6" -A OUTPUT -p ipv6-icmp --icmpv6-type time-exceeded -m conntrack --ctstate INVALID ||
	tap_bail "ip6tables-legacy refused the router's rules"
# The router knows the client first, so that its error leaves at once.
ip netns exec "$c6" ping -6 -c1 -W2 fd00:b::1 > /dev/null
errors0=$(stat_col "$r6" icmp_error)
ip netns exec "$c6" python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 1)
s.sendto(b"x", ("fd00:b::1", 33434))'
related_at_router() { [ "$(pkts "$r6" OUTPUT 1) $(pkts "$r6" OUTPUT 2)" = "1 0" ]; }
tap_check "router: its time exceeded about an unconfirmed flow is RELATED (rules: related, invalid)" \
	wait_for 15 related_at_router
tap_check "router: and not counted in icmp_error" test "$(stat_col "$r6" icmp_error)" = "$errors0"

if [ $kernel_ct_before = 1 ]; then
	tap_skip "the kernel's tracker and matches stayed unloaded (they were loaded before the test)"
else
	tap_check "the kernel's tracker and matches stayed unloaded" \
		not grep -qE '^(nf_conntrack|xt_conntrack|xt_state) ' /proc/modules
fi
rules=9
if [ $our_xt = 1 ]; then
	tap_check "nf_ct_xt holds all $rules rules" test "$(cat /sys/module/nf_ct_xt/refcnt)" = $rules
else
	tap_check "nf_ct_xt holds at least $rules rules" test "$(cat /sys/module/nf_ct_xt/refcnt)" -ge $rules
fi
tap_end
