#!/bin/bash
# NAT with unchanged iptables-legacy -t nat rules, done by nf_ct_nat.ko while
# the kernel's tracker and NAT stay unloaded. One gateway, two LANs and a
# server:
#
#   cli1 192.168.1.2 --lan0-- gw --wan0-- srv 10.1.1.2
#   cli2 192.168.2.2 --lan1--/   10.1.1.3 (outside)
#
# The servers answer with the peer address they see, so each point shows
# what the other end saw as well as that the answer came back.
# With NF_CT_LOAD=1 (the VM) it loads nf_ct_nat.ko (and nf_ct_xt.ko) itself.
. "$(dirname "$0")/lib.sh"
require_nf_ct
command -v iptables-legacy > /dev/null || tap_bail "iptables-legacy is not installed"

kernel_nat_before=0
grep -qE '^(nf_conntrack|nf_nat|iptable_nat|xt_nat) ' /proc/modules && kernel_nat_before=1
nat_modules_load
trap 'nat_cleanup; cleanup_end' EXIT

nat() {	# ARGS...: iptables-legacy -t nat on the gateway
	ip netns exec "$gw" iptables-legacy -w -t nat "$@"
}

tap_begin 27

gw=$(ns_add gw) && cli1=$(ns_add cli1) && cli2=$(ns_add cli2) && srv=$(ns_add srv) ||
	tap_bail "cannot create namespaces"
ip link add lan0 netns "$gw" type veth peer name veth0 netns "$cli1" &&
	ip link add lan1 netns "$gw" type veth peer name veth0 netns "$cli2" &&
	ip link add wan0 netns "$gw" type veth peer name veth0 netns "$srv" ||
	tap_bail "cannot link namespaces"
ip -n "$gw" addr add 192.168.1.1/24 dev lan0
ip -n "$gw" addr add 192.168.2.1/24 dev lan1
ip -n "$gw" addr add 10.1.1.3/24 dev wan0
ip -n "$cli1" addr add 192.168.1.2/24 dev veth0
ip -n "$cli2" addr add 192.168.2.2/24 dev veth0
ip -n "$srv" addr add 10.1.1.2/24 dev veth0
for l in "$gw lan0" "$gw lan1" "$gw wan0" "$cli1 veth0" "$cli2 veth0" "$srv veth0"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip -n "$cli1" route add default via 192.168.1.1
ip -n "$cli2" route add default via 192.168.2.1
ip -n "$gw" route add default via 10.1.1.2
ip netns exec "$gw" sysctl -qw net.ipv4.ip_forward=1
# The server has no route back to the LANs: only NAT'ed traffic can work.

# Servers that answer with the address (and port) they saw.
ip netns exec "$srv" socat -t10 -T10 TCP4-LISTEN:8080,bind=10.1.1.2,reuseaddr,fork SYSTEM:'echo $SOCAT_PEERADDR' &
ip netns exec "$srv" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.1.1.2", 5353))
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(("%s:%d\n" % peer).encode(), peer)
' &
ip netns exec "$cli1" socat -t10 -T10 TCP4-LISTEN:9000,bind=192.168.1.2,reuseaddr,fork SYSTEM:'echo $SOCAT_PEERADDR' &
ip netns exec "$gw" socat -t10 -T10 TCP4-LISTEN:9091,reuseaddr,fork SYSTEM:'echo gateway' &
wait_for 20 listening "$srv" t 8080
wait_for 20 listening "$srv" u 5353
wait_for 20 listening "$cli1" t 9000
wait_for 20 listening "$gw" t 9091

tcp_ask() {	# NS ADDR PORT [SPORT]: what the server answers
	local opts="connect-timeout=10"
	[ -n "${4:-}" ] && opts="$opts,sourceport=$4"
	ip netns exec "$1" socat -t10 -T10 - "TCP4:$2:$3,$opts" < /dev/null 2> /dev/null
}

# --- (a) the NAT gateway: SNAT for the LANs -------------------------------------
tap_check "the gateway takes the SNAT rule" \
	nat -A POSTROUTING -s 192.168.0.0/16 -o wan0 -j SNAT --to-source 10.1.1.3
tap_check "gateway: TCP from the LAN reaches the server as 10.1.1.3, the answer comes back" \
	answers 10.1.1.3 tcp_ask "$cli1" 10.1.1.2 8080 40001
ct_expect "gateway: the entry's reply tuple is the NAT'ed one, the source port kept" "$gw" \
	'^ipv4     2 tcp      6 [0-9]+ (TIME_WAIT|CLOSE_WAIT|LAST_ACK|FIN_WAIT|CLOSE) src=192\.168\.1\.2 dst=10\.1\.1\.2 sport=40001 dport=8080 packets=[0-9]+ bytes=[0-9]+ src=10\.1\.1\.2 dst=10\.1\.1\.3 sport=8080 dport=40001 packets=[0-9]+ bytes=[0-9]+ \[ASSURED\] mark=0 zone=0 delta-time=[0-9]+ use=2$'
tap_check "gateway: UDP from the LAN keeps its port through the NAT" \
	answers 10.1.1.3:40002 udp_ask "$cli1" 10.1.1.2 5353 40002
# The same source port from the other LAN would clash: it gets another.
clash_port() {
	local got
	got=$(udp_ask "$cli2" 10.1.1.2 5353 40002) || return 1
	echo "# cli2's 40002 went out as $got"
	[[ $got =~ ^10\.1\.1\.3:([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" != 40002 ] &&
		ct_has "$gw" "src=192\.168\.2\.2 dst=10\.1\.1\.2 sport=40002 dport=5353 .* src=10\.1\.1\.2 dst=10\.1\.1\.3 sport=5353 dport=${BASH_REMATCH[1]} "
}
tap_check "gateway: a clashing source port is moved to a free one, and the reply finds its way" clash_port
pings() { ip netns exec "$1" ping -c1 -W3 "$2" > /dev/null; }
tap_check "gateway: ping from the LAN is answered" pings "$cli1" 10.1.1.2
ct_expect "gateway: the ping's entry is NAT'ed" "$gw" \
	'^ipv4     2 icmp     1 [0-9]+ src=192\.168\.1\.2 dst=10\.1\.1\.2 type=8 code=0 id=[0-9]+ .* src=10\.1\.1\.2 dst=10\.1\.1\.3 type=0 code=0 id=[0-9]+ '
tap_check "gateway: the server's port unreachable reaches the client through the NAT" \
	answers "Connection refused" udp_ask "$cli1" 10.1.1.2 5999 40003

# --- port forwarding, full NAT, REDIRECT, local DNAT ----------------------------
# FORWARD sees a DNAT'ed flow's packets after their rewrite, and a fully
# NAT'ed flow's half-way (the source is rewritten after): each must be NEW
# (the SYN) or ESTABLISHED, in the original direction, and none INVALID.
filter() { ip netns exec "$gw" iptables-legacy -w "$@"; }
for sport in 40004 40005; do
	filter -A FORWARD -p tcp --sport $sport -m conntrack --ctstate ESTABLISHED --ctdir ORIGINAL
	filter -A FORWARD -p tcp --sport $sport -m conntrack --ctstate NEW --ctdir ORIGINAL
done
filter -A FORWARD -p tcp --sport 40004:40005 -m conntrack --ctstate INVALID
filter -A FORWARD -p tcp --dport 40004:40005 -m conntrack --ctstate INVALID
forward_counted() {	# SPORT FIRST_RULE [say]: the flow's original packets, as the rules saw them
	local orig counts
	orig=$(ct_lines "$gw" "sport=$1 " | grep -oE 'packets=[0-9]+' | head -n 1) || return 1
	orig=${orig#packets=}
	# Rule N is line N + 2: the flow's established and new, both invalid.
	counts=($(filter -nvxL FORWARD | awk -v e=$(($2 + 2)) 'NR == e || NR == e + 1 || NR >= 7 { print $1 }'))
	[ "${#counts[@]}" = 4 ] && [ "${counts[0]}" -ge 1 ] && [ "${counts[1]}" -ge 1 ] &&
		[ $((counts[0] + counts[1])) = "$orig" ] && [ $((counts[2] + counts[3])) = 0 ] ||
		{ [ -z "${3:-}" ] || echo "# $1: entry's packets ${orig:-none}; established, new, invalid: ${counts[*]}"; return 1; }
}
forward_check() { wait_for 15 forward_counted "$1" "$2" || { forward_counted "$1" "$2" say; false; }; }
nat -A PREROUTING -i wan0 -p tcp --dport 2222 -j DNAT --to-destination 192.168.1.2:9000
tap_check "DNAT: the server reaches cli1's port 9000 through the gateway's 2222, seen as itself" \
	answers 10.1.1.2 tcp_ask "$srv" 10.1.1.3 2222 40004
ct_expect "DNAT: the entry's reply comes from cli1:9000" "$gw" \
	'src=10\.1\.1\.2 dst=10\.1\.1\.3 sport=40004 dport=2222 .* src=192\.168\.1\.2 dst=10\.1\.1\.2 sport=9000 dport=40004 '
nat -A PREROUTING -i lan0 -d 192.168.1.1 -p tcp --dport 8088 -j DNAT --to-destination 10.1.1.2:8080
tap_check "full NAT: DNAT and SNAT on one box, the server sees the gateway" \
	answers 10.1.1.3 tcp_ask "$cli1" 192.168.1.1 8088 40005
ct_expect "full NAT: both ends of the entry are rewritten" "$gw" \
	'src=192\.168\.1\.2 dst=192\.168\.1\.1 sport=40005 dport=8088 .* src=10\.1\.1\.2 dst=10\.1\.1\.3 sport=8080 dport=40005 '
tap_check "DNAT: FORWARD sees the flow's packets as NEW then ESTABLISHED, ORIGINAL, none INVALID" \
	forward_check 40004 1
tap_check "full NAT: FORWARD sees the flow's packets as NEW then ESTABLISHED, ORIGINAL, none INVALID" \
	forward_check 40005 3
nat -A PREROUTING -i lan0 -p tcp --dport 8081 -j REDIRECT --to-ports 9091
tap_check "REDIRECT: a LAN connection to port 8081 anywhere lands on the gateway's 9091" \
	answers gateway tcp_ask "$cli1" 10.1.1.2 8081
nat -A OUTPUT -d 10.9.9.9 -p tcp --dport 80 -j DNAT --to-destination 10.1.1.2:8080
tap_check "DNAT in OUTPUT: the gateway's own connection is rerouted to the server" \
	answers 10.1.1.3 tcp_ask "$gw" 10.9.9.9 80

# --- hairpin: a LAN client reaches another through the outside address ----------
nat -I PREROUTING -i lan1 -d 10.1.1.3 -p tcp --dport 2222 -j DNAT --to-destination 192.168.1.2:9000
nat -A POSTROUTING -o lan0 -m conntrack --ctstate DNAT -j MASQUERADE
tap_check "hairpin: cli2 reaches cli1 by the outside address, cli1 sees the gateway" \
	answers 192.168.1.1 tcp_ask "$cli2" 10.1.1.3 2222 40006

# --- an exhausted range drops, and counts ---------------------------------------
nat -I POSTROUTING -s 192.168.2.0/24 -p udp --dport 5353 -j SNAT --to-source 10.1.1.3:6000-6001
udp_fire() { echo x | ip netns exec "$cli2" socat -u - "UDP4:10.1.1.2:5353,sourceport=$1"; }
drop0=$(stat_col "$gw" drop)
udp_fire 41001
udp_fire 41002
udp_fire 41003
exhausted() {
	ct_has "$gw" 'sport=41001 dport=5353 .* dport=600[01] ' &&
		ct_has "$gw" 'sport=41002 dport=5353 .* dport=600[01] ' &&
		! ct_has "$gw" 'sport=41003 dport=5353 ' &&
		[ "$(stat_col "$gw" drop)" -gt "$drop0" ]
}
tap_check "a two-port SNAT range takes two flows; the third is dropped and counted" wait_for 15 exhausted

# --- MASQUERADE follows the interface -------------------------------------------
nat -F POSTROUTING
nat -A POSTROUTING -s 192.168.0.0/16 -o wan0 -j MASQUERADE
tap_check "MASQUERADE: the LAN reaches the server as the interface's address" \
	answers 10.1.1.3 tcp_ask "$cli1" 10.1.1.2 8080 40007
ip -n "$gw" addr del 10.1.1.3/24 dev wan0
tap_check "MASQUERADE: the address going away ends the masqueraded entries" \
	wait_for 15 not ct_has "$gw" 'sport=40007 dport=8080 '
ip -n "$gw" addr add 10.1.1.3/24 dev wan0
ip -n "$gw" route add default via 10.1.1.2
tap_check "MASQUERADE: with the address back, the LAN is masqueraded again" \
	answers 10.1.1.3 tcp_ask "$cli1" 10.1.1.2 8080 40008
answers gateway tcp_ask "$cli1" 192.168.1.1 9091 40009
ip -n "$gw" link set wan0 down
masq_link_down() {
	! ct_has "$gw" 'sport=40008 dport=8080 ' && ct_has "$gw" 'sport=40009 dport=9091 '
}
tap_check "MASQUERADE: the interface going down ends its masqueraded entries, no others" \
	wait_for 15 masq_link_down

# --- modules --------------------------------------------------------------------
tap_check "rmmod nf_ct_nat is refused while rules use it" not rmmod nf_ct_nat 2> /dev/null
if [ $kernel_nat_before = 1 ]; then
	tap_skip "the kernel's tracker and NAT stayed unloaded (they were loaded before the test)"
else
	tap_check "the kernel's tracker and NAT stayed unloaded" \
		not grep -qE '^(nf_conntrack|nf_nat|iptable_nat|xt_nat) ' /proc/modules
fi

# --- the kernel's iptable_nat beside nf_ct_nat --------------------------------
# Only where this test loaded nf_ct_nat and the kernel's NAT was out: it
# loads and unloads the kernel's modules.
# iptable_nat makes a netns's table only when none exists: a namespace made
# while nf_ct_nat is loaded has nf_ct_nat's, and its rules hold nf_ct_nat.
# Its exit would unregister nf_ct_nat's tables (by name): nf_ct_nat holds
# it, and the gateway's nat table still works after an attempt to unload it.
iptable_nat_unused() {
	local ns refs rc=1
	modprobe iptable_nat || return 1
	ns=$(ns_add late) || return 1
	refs=$(cat /sys/module/nf_ct_nat/refcnt)
	if ip netns exec "$ns" iptables-legacy -t nat -A POSTROUTING -j MASQUERADE &&
		[ "$(cat /sys/module/nf_ct_nat/refcnt)" -gt "$refs" ]; then
		rc=0
	fi
	ip netns exec "$ns" iptables-legacy -t nat -F
	ip netns del "$ns"
	modprobe -r iptable_nat 2> /dev/null && { echo "# iptable_nat unloaded beside nf_ct_nat"; rc=1; }
	answers gateway tcp_ask "$cli1" 10.1.1.2 8081 || rc=1	# the REDIRECT (wan0 is down)
	return $rc
}
# A netns whose table iptable_nat made first keeps it, and nf_ct_nat says so.
nf_ct_nat_says_so() {
	local rc=1
	modprobe iptable_nat || return 1
	iptables-legacy -t nat -L -n > /dev/null || return 1	# makes the table
	if insmod "${NF_CT_MODDIR:-.}/nf_ct_nat.ko" &&
		dmesg | tail -n 20 | grep -q "iptable_nat holds the nat table of a network namespace"; then
		rc=0
	fi
	rmmod nf_ct_nat || rc=1
	kernel_nat_out iptable_nat || rc=1
	return $rc
}
if [ "${NF_CT_LOAD:-0}" = 1 ] && [ $kernel_nat_before = 0 ] && [ "${nat_loaded[0]:-}" = nf_ct_nat ]; then
	tap_check "iptable_nat loaded beside nf_ct_nat stays unused: a new namespace's nat table is nf_ct_nat's, and nf_ct_nat holds it" \
		iptable_nat_unused
	nat_cleanup
	trap - EXIT
	tap_check "with nf_ct_nat gone, the kernel's NAT unloads" kernel_nat_out iptable_nat
	tap_check "nf_ct_nat loaded where iptable_nat holds a namespace's table says so" nf_ct_nat_says_so
else
	tap_skip "iptable_nat loaded beside nf_ct_nat stays unused (needs NF_CT_LOAD=1)"
	tap_skip "with nf_ct_nat gone, the kernel's NAT unloads (needs NF_CT_LOAD=1)"
	tap_skip "nf_ct_nat loaded where iptable_nat holds a namespace's table says so (needs NF_CT_LOAD=1)"
fi
tap_end
