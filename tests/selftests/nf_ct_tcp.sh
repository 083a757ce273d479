#!/bin/bash
# Real TCP and UDP stacks across a veth pair: each way a connection lives and
# ends leaves the proc line nf_conntrack prints for it (state, flags and the
# timeout of that state).
. "$(dirname "$0")/lib.sh"
require_nf_ct

cli=$(ns_add cli) && srv=$(ns_add srv) || tap_bail "cannot create namespaces"
veth_link "$cli" 10.1.2.3/24 "$srv" 10.1.2.80/24 || tap_bail "cannot link namespaces"

tap_begin 7

tuple() {	# SPORT DPORT: both tuples of a client->server TCP flow, as a regex
	echo "src=10\.1\.2\.3 dst=10\.1\.2\.80 sport=$1 dport=$2 packets=[0-9]+ bytes=[0-9]+ src=10\.1\.2\.80 dst=10\.1\.2\.3 sport=$2 dport=$1 packets=[0-9]+ bytes=[0-9]+"
}

# An open connection whose data is all acknowledged: ESTABLISHED for 5 days.
# The client's stdin stays open (sleep) so the connection does.
ip netns exec "$srv" socat TCP4-LISTEN:8001,bind=10.1.2.80,reuseaddr EXEC:cat &
wait_for 20 listening "$srv" t 8001
{ echo hello; sleep 8; } | ip netns exec "$cli" socat -T10 - TCP4:10.1.2.80:8001,sourceport=41001 > /dev/null &
ct_expect "an open connection is ESTABLISHED and ASSURED with the 5-day timeout" "$cli" \
	"^ipv4     2 tcp      6 43(1[0-9]{3}|2000) ESTABLISHED $(tuple 41001 8001) \[ASSURED\] "

# Half-closed: the client shuts its side, the server keeps its own open for
# a while, so the flow sits in CLOSE_WAIT (60 s). socat would close the
# server's side half a second after the client's FIN; -t keeps it open until
# the child is done.
ip netns exec "$srv" socat -t 30 TCP4-LISTEN:8002,bind=10.1.2.80,reuseaddr SYSTEM:'cat > /dev/null; sleep 20' &
wait_for 20 listening "$srv" t 8002
echo bye | ip netns exec "$cli" socat -t 30 - TCP4:10.1.2.80:8002,sourceport=41002 &
ct_expect "a half-closed connection is CLOSE_WAIT with its 60 s timeout" "$cli" \
	"^ipv4     2 tcp      6 (5[0-9]|60) CLOSE_WAIT $(tuple 41002 8002) \[ASSURED\] "

# Closed by RST: the client aborts after the exchange (SO_LINGER 0 makes
# close() send RST instead of FIN). CLOSE, 10 s.
ip netns exec "$srv" socat -T5 TCP4-LISTEN:8003,bind=10.1.2.80,reuseaddr SYSTEM:'read l; echo pong; sleep 5' &
wait_for 20 listening "$srv" t 8003
reply=$(ip netns exec "$cli" python3 -c '
import socket, struct
s = socket.socket()
s.bind(("10.1.2.3", 41003))
s.connect(("10.1.2.80", 8003))
s.sendall(b"ping\n")
print(s.recv(16).decode().strip())
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()' 2>&1)
if [ "$reply" = pong ]; then
	ct_expect "a connection closed by RST is CLOSE with the 10 s timeout" "$cli" \
		"^ipv4     2 tcp      6 ([0-9]|10) CLOSE $(tuple 41003 8003) \[ASSURED\] "
else
	tap_not_ok "a connection closed by RST is CLOSE with the 10 s timeout (no reply: '$reply')"
fi

# Refused: the server's stack answers the SYN with RST. An RST before any
# reply was seen ends the entry at once. Control: a SYN that nobody answers
# (to an address that drops it) does stay, as SYN_SENT for 120 s.
ip netns exec "$srv" iptables-legacy -A INPUT -p tcp --dport 8005 -j DROP
ip netns exec "$cli" socat -T1 - TCP4:10.1.2.80:8004,sourceport=41004 < /dev/null 2> /dev/null
ip netns exec "$cli" socat -T1 - TCP4:10.1.2.80:8005,sourceport=41005,connect-timeout=1 < /dev/null 2> /dev/null &
refused_gone() {
	ct_has "$cli" "^ipv4     2 tcp      6 1[01][0-9] SYN_SENT src=10\.1\.2\.3 dst=10\.1\.2\.80 sport=41005 dport=8005 .*\[UNREPLIED\]" &&
		! ct_has "$cli" "sport=41004 dport=8004 "
}
tap_check "a refused connection leaves no entry; an unanswered SYN stays SYN_SENT" \
	wait_for 15 refused_gone

# UDP: a reply makes the flow replied (30 s); traffic both ways more than
# 2 s after the first packet makes it a stream: ASSURED, 120 s.
ip netns exec "$srv" socat -T10 UDP4-RECVFROM:5300,bind=10.1.2.80,fork SYSTEM:'echo pong' &
wait_for 20 listening "$srv" u 5300
udp_line="^ipv4     2 udp      17 %s src=10\.1\.2\.3 dst=10\.1\.2\.80 sport=41006 dport=5300 packets=[0-9]+ bytes=[0-9]+ src=10\.1\.2\.80 dst=10\.1\.2\.3 sport=5300 dport=41006 packets=[0-9]+ bytes=[0-9]+ %s"
reply=$(udp_ask "$cli" 10.1.2.80 5300 41006)
# shellcheck disable=SC2059
first=$(ct_lines "$cli" "$(printf "$udp_line" '([0-9]|[12][0-9]|30)' 'mark=0')")
sleep 2.5	# the protocol's own 2 s: what is tested, not synchronisation
reply2=$(udp_ask "$cli" 10.1.2.80 5300 41006)
if [ "$reply$reply2" = pongpong ] && [ -n "$first" ]; then
	# shellcheck disable=SC2059
	ct_expect "a UDP exchange more than 2 s after the first becomes an ASSURED stream (120 s)" "$cli" \
		"$(printf "$udp_line" '1[01][0-9]|120' '\[ASSURED\] mark=0')"
else
	tap_not_ok "a UDP exchange more than 2 s after the first becomes an ASSURED stream (replies '$reply' '$reply2', first line '$first')"
fi

# ping and a closed UDP port, from the kernel's tracker's point of view too:
# nothing the trackers found was invalid.
tap_check "no packet of these real stacks was INVALID" test "$(stat_col "$cli" invalid)" = 0
tap_check "the server side saw no INVALID packet either" test "$(stat_col "$srv" invalid)" = 0

tap_end
