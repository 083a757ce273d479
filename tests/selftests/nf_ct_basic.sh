#!/bin/bash
# Real stacks across a veth pair: ping, a UDP request/response and a TCP
# connection each leave the proc line nf_conntrack would print; a refused
# TCP connection leaves none.
. "$(dirname "$0")/lib.sh"
require_nf_ct

cli=$(ns_add cli) && srv=$(ns_add srv) || tap_bail "cannot create namespaces"
veth_link "$cli" 10.1.1.3/24 "$srv" 10.1.1.80/24 || tap_bail "cannot link namespaces"

tap_begin 9

# ping: one echo request answered; ICMP is never ASSURED.
if ip netns exec "$cli" ping -c1 -W2 10.1.1.80 > /dev/null; then
	ct_expect "ping leaves an answered icmp entry" "$cli" '^ipv4     2 icmp     1 (2[0-9]|30) src=10\.1\.1\.3 dst=10\.1\.1\.80 type=8 code=0 id=[0-9]+ packets=1 bytes=84 src=10\.1\.1\.80 dst=10\.1\.1\.3 type=0 code=0 id=[0-9]+ packets=1 bytes=84 mark=0 zone=0 delta-time=[0-9]+ use=2$'
else
	tap_not_ok "ping leaves an answered icmp entry (ping failed)"
fi

# A ping larger than the MTU travels as fragments: reassembled before
# tracking, it is one packet of 3028 bytes on each side.
if ip netns exec "$cli" ping -c1 -W2 -s 3000 -p 42 10.1.1.80 > /dev/null; then
	ct_expect "a fragmented ping is tracked reassembled" "$srv" 'icmp     1 (2[0-9]|30) src=10\.1\.1\.3 dst=10\.1\.1\.80 type=8 code=0 id=[0-9]+ packets=1 bytes=3028 src=10\.1\.1\.80 dst=10\.1\.1\.3 type=0 code=0 id=[0-9]+ packets=1 bytes=3028 '
else
	tap_not_ok "a fragmented ping is tracked reassembled (ping failed)"
fi

# UDP request and response: replied, not yet a stream, 30 s.
ip netns exec "$srv" socat -T3 UDP4-RECVFROM:5353,bind=10.1.1.80 SYSTEM:'echo pong' &
wait_for 20 listening "$srv" u 5353
reply=$(udp_ask "$cli" 10.1.1.80 5353 40053)
wait
if [ "$reply" = pong ]; then
	ct_expect "udp request/response is replied, not assured" "$cli" '^ipv4     2 udp      17 (2[0-9]|30) src=10\.1\.1\.3 dst=10\.1\.1\.80 sport=40053 dport=5353 packets=1 bytes=33 src=10\.1\.1\.80 dst=10\.1\.1\.3 sport=5353 dport=40053 packets=1 bytes=33 mark=0 zone=0 delta-time=[0-9]+ use=2$'
else
	tap_not_ok "udp request/response is replied, not assured (no reply: '$reply')"
fi

# The server side sees the same flow, confirmed at LOCAL_IN.
ct_expect "the server's namespace has its own entry" "$srv" 'udp      17 .* sport=40053 dport=5353 .* sport=5353 dport=40053 '

# TCP: a request/response closed by FIN from the client ends in TIME_WAIT.
ip netns exec "$srv" socat -t3 -T3 TCP4-LISTEN:8080,bind=10.1.1.80,reuseaddr SYSTEM:'read l; echo pong' &
wait_for 20 listening "$srv" t 8080
reply=$(echo ping | ip netns exec "$cli" socat -t3 -T3 - TCP4:10.1.1.80:8080,sourceport=40080)
wait
if [ "$reply" = pong ]; then
	ct_expect "tcp connection closed by FIN is TIME_WAIT and ASSURED" "$cli" '^ipv4     2 tcp      6 1[01][0-9] TIME_WAIT src=10\.1\.1\.3 dst=10\.1\.1\.80 sport=40080 dport=8080 packets=[0-9]+ bytes=[0-9]+ src=10\.1\.1\.80 dst=10\.1\.1\.3 sport=8080 dport=40080 packets=[0-9]+ bytes=[0-9]+ \[ASSURED\] mark=0 zone=0 delta-time=[0-9]+ use=2$'
else
	tap_not_ok "tcp connection closed by FIN is TIME_WAIT and ASSURED (no reply: '$reply')"
fi

# A refused connection: an RST before any reply deletes the entry at once,
# on both sides, as nf_conntrack does (else it would linger in CLOSE).
ip netns exec "$cli" socat -T2 - TCP4:10.1.1.80:8081,sourceport=40081 < /dev/null 2> /dev/null
refused_gone() { ! ct_has "$cli" 'dport=8081 ' && ! ct_has "$srv" 'dport=8081 '; }
tap_check "a refused tcp connection leaves no entry" refused_gone

# A closed port: the server's stack answers port unreachable. The error is
# RELATED to the flow: it makes no entry, leaves the flow UNREPLIED, and is
# counted neither as invalid nor as an ICMP error.
invalid0=$(stat_col "$cli" invalid)
errors0=$(stat_col "$cli" icmp_error)
related_only() {
	ct_has "$cli" '^ipv4     2 udp      17 .* sport=40999 dport=5999 packets=1 .*\[UNREPLIED\] .* packets=0 bytes=0 ' &&
		! ct_has "$cli" 'icmp .* type=3 ' &&
		[ "$(stat_col "$cli" invalid)" = "$invalid0" ] &&
		[ "$(stat_col "$cli" icmp_error)" = "$errors0" ]
}
ip netns exec "$cli" socat -u - UDP4-SENDTO:10.1.1.80:5999,sourceport=40999 <<< x
ip netns exec "$cli" ping -c1 -W2 10.1.1.80 > /dev/null	# after the error: once answered, it was seen
tap_check "an ICMP port unreachable leaves the udp flow UNREPLIED and adds no entry" related_only

# A namespace sees only its own entries.
other=$(ns_add other) || tap_bail "cannot create namespace"
tap_check "a fresh namespace's table is empty" \
	test -z "$(ip netns exec "$other" cat /proc/net/nf_ct)"

# /proc/net/nf_conntrack: nf_ct's table when the kernel's tracker is absent.
if grep -q '^nf_conntrack ' /proc/modules; then
	tap_skip "/proc/net/nf_conntrack links to nf_ct (the kernel's nf_conntrack is loaded)"
else
	tap_check "/proc/net/nf_conntrack links to nf_ct" \
		test "$(ip netns exec "$cli" readlink /proc/net/nf_conntrack)" = nf_ct
fi

tap_end
