#!/bin/bash
# NAT66 with unchanged ip6tables-legacy -t nat rules, done by nf_ct_nat.ko
# while the kernel's tracker and NAT stay unloaded. One gateway, two LANs
# and a server:
#
#   cli1 fd00:1::2 --lan0-- gw --wan0-- srv 2001:db8:1::2
#   cli2 fd00:2::2 --lan1--/   2001:db8:1::3 (outside)
#
# The server has no route back to the LANs: only NAT'ed traffic can work.
# The servers answer with the peer address they see, so each point shows
# what the other end saw as well as that the answer came back.
# With NF_CT_LOAD=1 (the VM) it loads nf_ct_nat.ko (and nf_ct_xt.ko) itself.
. "$(dirname "$0")/lib.sh"
require_nf_ct
command -v ip6tables-legacy > /dev/null || tap_bail "ip6tables-legacy is not installed"

kernel_nat_before=0
grep -qE '^(nf_conntrack|nf_nat|ip6table_nat|xt_nat) ' /proc/modules && kernel_nat_before=1
nat_modules_load
trap 'nat_cleanup; cleanup_end' EXIT

nat() {	# ARGS...: ip6tables-legacy -t nat on the gateway
	ip netns exec "$gw" ip6tables-legacy -w -t nat "$@"
}

tap_begin 19

gw=$(ns_add gw) && cli1=$(ns_add cli1) && cli2=$(ns_add cli2) && srv=$(ns_add srv) ||
	tap_bail "cannot create namespaces"
ip link add lan0 netns "$gw" type veth peer name veth0 netns "$cli1" &&
	ip link add lan1 netns "$gw" type veth peer name veth0 netns "$cli2" &&
	ip link add wan0 netns "$gw" type veth peer name veth0 netns "$srv" ||
	tap_bail "cannot link namespaces"
# One "ip -batch" per namespace (an exec costs a second on the debug kernel);
# nodad: the addresses are usable at once.
ip -n "$gw" -batch - <<-EOF || tap_bail "cannot address the gateway"
	addr add fd00:1::1/64 dev lan0 nodad
	addr add fd00:2::1/64 dev lan1 nodad
	addr add 2001:db8:1::3/64 dev wan0 nodad
	link set lan0 up
	link set lan1 up
	link set wan0 up
	route add default via 2001:db8:1::2
EOF
for c in "$cli1 fd00:1" "$cli2 fd00:2" "$srv 2001:db8:1"; do
	set -- $c
	printf 'addr add %s::2/64 dev veth0 nodad\nlink set veth0 up\n' "$2" | ip -n "$1" -batch - ||
		tap_bail "cannot address $1"
done
ip -n "$cli1" route add default via fd00:1::1
ip -n "$cli2" route add default via fd00:2::1
ip netns exec "$gw" sysctl -qw net.ipv6.conf.all.forwarding=1

# Servers that answer with the address (and port) they saw.
ip netns exec "$srv" socat -t10 -T10 TCP6-LISTEN:8080,bind=[2001:db8:1::2],reuseaddr,fork SYSTEM:'echo $SOCAT_PEERADDR' &
ip netns exec "$srv" python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("2001:db8:1::2", 5353))
while True:
    data, peer = s.recvfrom(65536)
    s.sendto(("%s:%d %d\n" % (peer[0], peer[1], len(data))).encode(), peer)
' &
ip netns exec "$cli1" socat -t10 -T10 TCP6-LISTEN:9000,bind=[fd00:1::2],reuseaddr,fork SYSTEM:'echo $SOCAT_PEERADDR' &
ip netns exec "$gw" socat -t10 -T10 TCP6-LISTEN:9091,reuseaddr,fork SYSTEM:'echo gateway' &
wait_for 20 listening "$srv" t 8080
wait_for 20 listening "$srv" u 5353
wait_for 20 listening "$cli1" t 9000
wait_for 20 listening "$gw" t 9091

tcp_ask() {	# NS ADDR PORT [SPORT]: what the server answers (socat: every group), brackets off
	local opts="connect-timeout=10" got
	[ -n "${4:-}" ] && opts="$opts,sourceport=$4"
	got=$(ip netns exec "$1" socat -t10 -T10 - "TCP6:[$2]:$3,$opts" < /dev/null 2> /dev/null)
	got=${got#[}
	echo "${got%]}"
}

# udp_send NS ADDR PORT SPORT BYTES: BYTES of payload from SPORT; prints the
# answer ("address:port length" as the server saw them).
udp_send() {
	ip netns exec "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("", int(sys.argv[3])))
s.settimeout(10)
s.sendto(b"x" * int(sys.argv[4]), (sys.argv[1], int(sys.argv[2])))
try:
    print(s.recv(2048).decode().strip())
except socket.timeout:
    sys.exit(1)
' "$2" "$3" "$4" "$5"
}

# The full forms /proc/net/nf_ct prints (every group, four digits).
CLI1='fd00:0001:0000:0000:0000:0000:0000:0002'
SRV='2001:0db8:0001:0000:0000:0000:0000:0002'
GWW='2001:0db8:0001:0000:0000:0000:0000:0003'

# --- (a) the NAT66 gateway: SNAT for the LANs -----------------------------------
tap_check "the gateway takes the ip6tables SNAT rule" \
	nat -A POSTROUTING -s fd00::/16 -o wan0 -j SNAT --to-source 2001:db8:1::3
tap_check "gateway: TCP from the LAN reaches the server as 2001:db8:1::3, the answer comes back" \
	answers "$GWW" tcp_ask "$cli1" 2001:db8:1::2 8080 40001
ct_expect "gateway: the entry's reply tuple is the NAT'ed one, the source port kept" "$gw" \
	"^ipv6     10 tcp      6 [0-9]+ [A-Z_]+ src=$CLI1 dst=$SRV sport=40001 dport=8080 packets=[0-9]+ bytes=[0-9]+ src=$SRV dst=$GWW sport=8080 dport=40001 packets=[0-9]+ bytes=[0-9]+ \[ASSURED\] mark=0 zone=0 delta-time=[0-9]+ use=2$"
tap_check "gateway: UDP from the LAN keeps its port through the NAT" \
	answers "2001:db8:1::3:40002 4" udp_send "$cli1" 2001:db8:1::2 5353 40002 4
# The same source port from the other LAN would clash: it gets another.
clash_port() {
	local got
	got=$(udp_send "$cli2" 2001:db8:1::2 5353 40002 4) || return 1
	echo "# cli2's 40002 went out as $got"
	[[ $got =~ ^2001:db8:1::3:([0-9]+)\ 4$ ]] && [ "${BASH_REMATCH[1]}" != 40002 ] &&
		ct_has "$gw" "src=fd00:0002:[0-9a-f:]+ dst=$SRV sport=40002 dport=5353 .* src=$SRV dst=$GWW sport=5353 dport=${BASH_REMATCH[1]} "
}
tap_check "gateway: a clashing source port is moved to a free one, and the reply finds its way" clash_port
pings() { ip netns exec "$1" ping -6 -c1 -W3 "$2" > /dev/null; }
tap_check "gateway: ping -6 from the LAN is answered" pings "$cli1" 2001:db8:1::2
ct_expect "gateway: the ping's entry is NAT'ed" "$gw" \
	"^ipv6     10 icmpv6   58 [0-9]+ src=$CLI1 dst=$SRV type=128 code=0 id=[0-9]+ .* src=$SRV dst=$GWW type=129 code=0 id=[0-9]+ "
tap_check "gateway: the server's ICMPv6 port unreachable reaches the client through the NAT" \
	answers "Connection refused" udp_ask "$cli1" 2001:db8:1::2 5999 40003
# 3000 bytes leave cli1 as three fragments: the gateway reassembles them
# (nf_defrag_ipv6), NATs the datagram and sends it on as fragments again.
tap_check "gateway: a fragmented datagram is NAT'ed whole and arrives whole" \
	answers "2001:db8:1::3:40010 3000" udp_send "$cli1" 2001:db8:1::2 5353 40010 3000

# --- port forwarding, REDIRECT, local DNAT --------------------------------------
nat -A PREROUTING -i wan0 -p tcp --dport 2222 -j DNAT --to-destination [fd00:1::2]:9000
tap_check "DNAT: the server reaches cli1's port 9000 through the gateway's 2222, seen as itself" \
	answers "$SRV" tcp_ask "$srv" 2001:db8:1::3 2222 40004
ct_expect "DNAT: the entry's reply comes from cli1:9000" "$gw" \
	"src=$SRV dst=$GWW sport=40004 dport=2222 .* src=$CLI1 dst=$SRV sport=9000 dport=40004 "
nat -A PREROUTING -i lan0 -p tcp --dport 8081 -j REDIRECT --to-ports 9091
tap_check "REDIRECT: a LAN connection to port 8081 anywhere lands on the gateway's 9091" \
	answers gateway tcp_ask "$cli1" 2001:db8:1::2 8081
nat -A OUTPUT -d 2001:db8:9::9 -p tcp --dport 80 -j DNAT --to-destination [2001:db8:1::2]:8080
tap_check "DNAT in OUTPUT: the gateway's own connection is rerouted to the server" \
	answers "$GWW" tcp_ask "$gw" 2001:db8:9::9 80

# --- MASQUERADE follows the address ---------------------------------------------
nat -F POSTROUTING
nat -A POSTROUTING -s fd00::/16 -o wan0 -j MASQUERADE
tap_check "MASQUERADE: the LAN reaches the server as the interface's address" \
	answers "$GWW" tcp_ask "$cli1" 2001:db8:1::2 8080 40007
ip -n "$gw" addr del 2001:db8:1::3/64 dev wan0
tap_check "MASQUERADE: the address going away ends the masqueraded entries" \
	wait_for 15 not ct_has "$gw" 'sport=40007 dport=8080 '
ip -n "$gw" addr add 2001:db8:1::3/64 dev wan0 nodad
ip -n "$gw" route replace default via 2001:db8:1::2
tap_check "MASQUERADE: with the address back, the LAN is masqueraded again" \
	answers "$GWW" tcp_ask "$cli1" 2001:db8:1::2 8080 40008

# --- modules --------------------------------------------------------------------
if [ $kernel_nat_before = 1 ]; then
	tap_skip "the kernel's tracker and NAT stayed unloaded (they were loaded before the test)"
else
	tap_check "the kernel's tracker and NAT stayed unloaded" \
		not grep -qE '^(nf_conntrack|nf_nat|ip6table_nat|xt_nat) ' /proc/modules
fi
# ip6table_nat makes a netns's table only when none exists: a namespace made
# while nf_ct_nat is loaded has nf_ct_nat's, and its rules hold nf_ct_nat.
# Its exit would unregister nf_ct_nat's tables (by name): nf_ct_nat holds it,
# and the gateway's NAT still works after an attempt to unload it.
ip6table_nat_unused() {
	local ns refs rc=1
	modprobe ip6table_nat || return 1
	ns=$(ns_add late) || return 1
	refs=$(cat /sys/module/nf_ct_nat/refcnt)
	if ip netns exec "$ns" ip6tables-legacy -t nat -A POSTROUTING -j MASQUERADE &&
		[ "$(cat /sys/module/nf_ct_nat/refcnt)" -gt "$refs" ]; then
		rc=0
	fi
	ip netns exec "$ns" ip6tables-legacy -t nat -F
	ip netns del "$ns"
	modprobe -r ip6table_nat 2> /dev/null && { echo "# ip6table_nat unloaded beside nf_ct_nat"; rc=1; }
	answers "$GWW" tcp_ask "$cli1" 2001:db8:1::2 8080 40011 || rc=1
	return $rc
}
# Only where this test loaded nf_ct_nat and the kernel's NAT was out: it
# loads and unloads the kernel's modules.
if [ "${NF_CT_LOAD:-0}" = 1 ] && [ $kernel_nat_before = 0 ] && [ "${nat_loaded[0]:-}" = nf_ct_nat ]; then
	tap_check "ip6table_nat loaded beside nf_ct_nat stays unused: a new namespace's IPv6 nat table is nf_ct_nat's, and nf_ct_nat holds it" \
		ip6table_nat_unused
	nat_cleanup
	trap - EXIT
	tap_check "with nf_ct_nat gone, the kernel's NAT unloads" kernel_nat_out ip6table_nat
else
	tap_skip "ip6table_nat loaded beside nf_ct_nat stays unused (needs NF_CT_LOAD=1)"
	tap_skip "with nf_ct_nat gone, the kernel's NAT unloads (needs NF_CT_LOAD=1)"
fi
tap_end
