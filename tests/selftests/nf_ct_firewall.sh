#!/bin/bash
# The classic stateful firewall with iptables-legacy, its -m state and
# -m conntrack answered by nf_ct (nf_ct_xt.ko) while the kernel's tracker is
# not loaded: a host that accepts only ESTABLISHED,RELATED and drops
# INVALID, then a router doing the same on FORWARD for a LAN behind it.
# With NF_CT_LOAD=1 (the VM) it loads nf_ct_xt.ko itself and unloads it after.
. "$(dirname "$0")/lib.sh"
require_nf_ct
command -v iptables-legacy > /dev/null || tap_bail "iptables-legacy is not installed"

kernel_ct_before=0
grep -qE '^(nf_conntrack|xt_conntrack|xt_state) ' /proc/modules && kernel_ct_before=1
# Rules hold nf_ct_xt; flushing them lets it go before the namespaces do.
xt_load

ipt() {	# NS ARGS...: iptables-legacy in NS
	local ns=$1
	shift
	ip netns exec "$ns" iptables-legacy -w "$@"
}

# pkts NS CHAIN RULENUM: the rule's packet counter.
pkts() {
	ipt "$1" -L "$2" -v -x -n --line-numbers | awk -v n="$3" '$1 == n { print $2 }'
}

stateful() {	# NS CHAIN: the two classic rules, and the policy DROP
	ipt "$1" -P "$2" DROP &&
		ipt "$1" -A "$2" -m state --state ESTABLISHED,RELATED -j ACCEPT &&
		ipt "$1" -A "$2" -m conntrack --ctstate INVALID -j DROP
}

# udp_refused NS ADDR PORT SPORT: a UDP send to a closed port comes back as
# "Connection refused", i.e. the ICMP port unreachable reached the socket.
udp_refused() {
	[ "$(udp_ask "$1" "$2" "$3" "$4")" = "Connection refused" ]
}

pings() {	# NS ADDR WAIT
	ip netns exec "$1" ping -c1 -W"$3" "$2" > /dev/null
}

counter_above() {	# NS CHAIN RULENUM VALUE
	[ "$(pkts "$1" "$2" "$3")" -gt "$4" ]
}

# The servers fork a shell per request: on the debug kernel, under load,
# that takes seconds. -t10 keeps the client waiting for the answer after its
# own input ends (socat's default is 0.5 s); the server's close ends it.
tcp_pong() {	# NS ADDR PORT: a request through a socat server that says pong
	[ "$(echo ping | ip netns exec "$1" socat -t10 -T10 - "TCP4:$2:$3,connect-timeout=2" 2> /dev/null)" = pong ]
}

tap_begin 16

# --- a host firewall -----------------------------------------------------------
host=$(ns_add host) && peer=$(ns_add peer) || tap_bail "cannot create namespaces"
veth_link "$host" 10.7.0.1/24 "$peer" 10.7.0.2/24 || tap_bail "cannot link namespaces"
# Counts ICMP that is RELATED, before the rule that accepts it.
ipt "$host" -A INPUT -p icmp -m conntrack --ctstate RELATED &&
	stateful "$host" INPUT || tap_bail "iptables-legacy refused the rules"

ip netns exec "$peer" socat -t10 -T10 TCP4-LISTEN:8080,bind=10.7.0.2,reuseaddr,fork SYSTEM:'read l; echo pong' &
ip netns exec "$peer" socat -T10 UDP4-RECVFROM:5353,bind=10.7.0.2,fork SYSTEM:'echo pong' &
ip netns exec "$host" socat -T3 TCP4-LISTEN:9090,bind=10.7.0.1,reuseaddr SYSTEM:'echo pong' &
wait_for 20 listening "$peer" t 8080
wait_for 20 listening "$peer" u 5353
wait_for 20 listening "$host" t 9090

tap_check "host: outbound TCP gets its answer" tcp_pong "$host" 10.7.0.2 8080
reply=$(udp_ask "$host" 10.7.0.2 5353)
tap_check "host: outbound UDP gets its answer" test "$reply" = pong
tap_check "host: outbound ping is answered" pings "$host" 10.7.0.2 2
tap_check "host: unsolicited inbound TCP is dropped" not tcp_pong "$peer" 10.7.0.1 9090
tap_check "host: unsolicited inbound ping is dropped" not pings "$peer" 10.7.0.1 1

# The peer's RST ends the entry it answers; it must still pass as part of
# the connection (ESTABLISHED), or the INVALID rule would drop it and the
# connect would time out instead of being refused.
tcp_refused() {	# NS ADDR PORT
	ip netns exec "$1" socat -T3 - "TCP4:$2:$3,connect-timeout=3" < /dev/null 2>&1 |
		grep -q 'Connection refused'
}
tap_check "host: a refused outbound TCP connection is refused at once" tcp_refused "$host" 10.7.0.2 7777

related0=$(pkts "$host" INPUT 1)
tap_check "host: an ICMP error for an open UDP flow gets through" udp_refused "$host" 10.7.0.2 5999 40999
tap_check "host: it was RELATED" counter_above "$host" INPUT 1 "$related0"

# A segment far outside the window of an open connection: of the two
# sequence numbers half the space apart, at least one is out of any window.
# Needs TCP window tracking (net.nf_ct.tcp_be_liberal comes with it).
oow_segments() {	# from 10.7.0.2:8080 to 10.7.0.1:SPORT, ACK set
	ip netns exec "$peer" python3 - "$1" <<-'EOF'
	import random, socket, struct, sys
	def csum(b):
	    if len(b) % 2:
	        b += b"\0"
	    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
	    s = (s >> 16) + (s & 0xFFFF)
	    return ~(s + (s >> 16)) & 0xFFFF
	src, dst = socket.inet_aton("10.7.0.2"), socket.inet_aton("10.7.0.1")
	s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
	seq = random.getrandbits(32)
	for n in (seq, (seq + 2**31) % 2**32):
	    tcp = struct.pack("!HHIIBBHHH", 8080, int(sys.argv[1]), n, random.getrandbits(32), 5 << 4, 0x10, 65535, 0, 0)
	    tcp = tcp[:16] + struct.pack("!H", csum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)) + tcp[18:]
	    s.sendto(tcp, ("10.7.0.1", 0))
	EOF
}
ip netns exec "$host" socat -T5 SYSTEM:'sleep 4' TCP4:10.7.0.2:8080,sourceport=40100 &
wait_for 15 ct_has "$host" 'ESTABLISHED .* sport=40100 '
invalid0=$(pkts "$host" INPUT 3)
oow_segments 40100
tap_check "host: an out-of-window segment is dropped as INVALID" \
	wait_for 15 counter_above "$host" INPUT 3 "$invalid0"

# --- a forwarding firewall: lan - router - wan ---------------------------------
lan=$(ns_add lan) && router=$(ns_add router) && wan=$(ns_add wan) || tap_bail "cannot create namespaces"
ip link add lan0 netns "$router" type veth peer name veth0 netns "$lan" &&
	ip link add wan0 netns "$router" type veth peer name veth0 netns "$wan" || tap_bail "cannot link namespaces"
ip -n "$router" addr add 10.8.1.1/24 dev lan0
ip -n "$router" addr add 10.8.2.1/24 dev wan0
ip -n "$lan" addr add 10.8.1.2/24 dev veth0
ip -n "$wan" addr add 10.8.2.2/24 dev veth0
for l in "$router lan0" "$router wan0" "$lan veth0" "$wan veth0"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip -n "$lan" route add default via 10.8.1.1
ip -n "$wan" route add default via 10.8.2.1
ip netns exec "$router" sysctl -qw net.ipv4.ip_forward=1
stateful "$router" FORWARD &&
	ipt "$router" -A FORWARD -i lan0 -m conntrack --ctstate NEW -j ACCEPT ||
	tap_bail "iptables-legacy refused the router's rules"

ip netns exec "$wan" socat -t10 -T10 TCP4-LISTEN:8080,bind=10.8.2.2,reuseaddr,fork SYSTEM:'read l; echo pong' &
ip netns exec "$lan" socat -T3 TCP4-LISTEN:9090,bind=10.8.1.2,reuseaddr SYSTEM:'echo pong' &
wait_for 20 listening "$wan" t 8080
wait_for 20 listening "$lan" t 9090

tap_check "router: the LAN's TCP to the WAN gets its answer" tcp_pong "$lan" 10.8.2.2 8080
tap_check "router: the LAN's ping to the WAN is answered" pings "$lan" 10.8.2.2 2
tap_check "router: unsolicited TCP from the WAN is dropped" not tcp_pong "$wan" 10.8.1.2 9090
tap_check "router: an ICMP error for the LAN's open UDP flow comes back" udp_refused "$lan" 10.8.2.2 5999 41999
tap_check "router: the state rule answered the replies" counter_above "$router" FORWARD 1 0

# --- who answered -------------------------------------------------------------
# The kernel's matches would have loaded nf_conntrack: had iptables reached
# them, xt_conntrack or xt_state would be here, and nf_conntrack with them.
if [ $kernel_ct_before = 1 ]; then
	tap_skip "the kernel's tracker and matches stayed unloaded (they were loaded before the test)"
else
	tap_check "the kernel's tracker and matches stayed unloaded" \
		not grep -qE '^(nf_conntrack|xt_conntrack|xt_state) ' /proc/modules
fi
# Each rule holds a reference on the module of its match.
rules=6
if [ $our_xt = 1 ]; then
	tap_check "nf_ct_xt holds all $rules rules" test "$(cat /sys/module/nf_ct_xt/refcnt)" = $rules
else
	tap_check "nf_ct_xt holds at least $rules rules" test "$(cat /sys/module/nf_ct_xt/refcnt)" -ge $rules
fi
tap_end
