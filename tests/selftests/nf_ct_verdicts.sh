#!/bin/bash
# INVALID verdicts that must reach `-m conntrack --ctstate INVALID` where the
# table, which knows the packet's connection, would answer otherwise
# (nf_conntrack 6.1's verdicts on the same packets): a corrupt ICMP echo
# carrying a known id, ICMPv6 headers inside IPv4, and a packet judged
# INVALID at OUTPUT that comes back in over loopback. And the other way: a
# time exceeded a router sends about a flow it has not confirmed yet is
# RELATED to it, as nf_conntrack attaches the cause's entry to the error.
# With NF_CT_LOAD=1 (the VM) it loads nf_ct_xt.ko itself and unloads it after.
. "$(dirname "$0")/lib.sh"
require_nf_ct
command -v iptables-legacy > /dev/null || tap_bail "iptables-legacy is not installed"

xt_load

ipt() {	# NS ARGS...
	local ns=$1
	shift
	ip netns exec "$ns" iptables-legacy -w "$@"
}
pkts() {	# NS CHAIN RULENUM: the rule's packet counter
	ipt "$1" -L "$2" -v -x -n --line-numbers | awk -v n="$3" '$1 == n { print $2 }'
}
counts() {	# NS CHAIN:RULENUM...: the counters, space-separated
	local ns=$1 out=() r
	shift
	for r in "$@"; do out+=("$(pkts "$ns" "${r%:*}" "${r#*:}")"); done
	echo "${out[*]}"
}
# expect_counts DESCRIPTION WANT NS CHAIN:RULENUM...: a point on the counters,
# polled until they are WANT (the packet may still be on its way).
expect_counts() {
	local desc=$1 want=$2 got
	shift 2
	local end=$((SECONDS + 5))
	# Bounded by time: each read lists the chains, slow on the debug kernel.
	while got=$(counts "$@") && [ "$got" != "$want" ] && [ $SECONDS -lt $end ]; do
		sleep 0.1
	done
	if [ "$got" = "$want" ]; then
		tap_ok "$desc"
	else
		tap_not_ok "$desc (counters: $got, want $want)"
	fi
}

# raw NS PROTO DST HEX: one datagram of IP protocol PROTO whose payload (the
# L4 header and data, given in hex) the kernel sends unchanged.
raw() {
	ip netns exec "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, int(sys.argv[1]))
s.sendto(bytes.fromhex(sys.argv[3]), (sys.argv[2], 0))
' "$2" "$3" "$4"
}
# icmp_echo ID SEQ BAD: an echo request's hex, its checksum right or (BAD=1) off by one.
icmp_echo() {
	python3 -c '
import struct, sys
ident, seq, bad = map(int, sys.argv[1:4])
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff
data = b"nf_ct..."
c = csum(struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data) ^ bad
print((struct.pack("!BBHHH", 8, 0, c, ident, seq) + data).hex())
' "$@"
}

tap_begin 8

host=$(ns_add host) && peer=$(ns_add peer) || tap_bail "cannot create namespaces"
veth_link "$host" 10.9.0.1/24 "$peer" 10.9.0.2/24 || tap_bail "cannot link namespaces"
ipt "$host" -A INPUT -i veth0 -p icmp -m conntrack --ctstate INVALID &&
	ipt "$host" -A INPUT -i veth0 -p icmp -m conntrack --ctstate NEW &&
	ipt "$host" -A INPUT -i veth0 -p icmp -m conntrack --ctstate ESTABLISHED &&
	ipt "$host" -A INPUT -p 58 -m conntrack --ctstate INVALID &&
	ipt "$host" -A INPUT -i lo -p udp --dport 7777 -m conntrack --ctstate INVALID &&
	ipt "$host" -A INPUT -i lo -p udp --dport 7777 -m conntrack --ctstate NEW,ESTABLISHED &&
	ipt "$host" -A OUTPUT -o lo -p udp --dport 7777 -m conntrack --ctstate INVALID &&
	ipt "$peer" -A OUTPUT -p icmp --icmp-type time-exceeded -m conntrack --ctstate RELATED &&
	ipt "$peer" -A OUTPUT -p icmp --icmp-type time-exceeded -m conntrack --ctstate INVALID ||
	tap_bail "iptables-legacy refused the rules"

# --- a corrupt echo on a known id ------------------------------------------------
# The good echo makes the entry and is answered; the corrupt one with the
# same id must be INVALID (nf_conntrack checks the sum at PREROUTING), not
# the entry's ESTABLISHED.
raw "$peer" 1 10.9.0.1 "$(icmp_echo 16962 1 0)"
expect_counts "a good echo is NEW (invalid, new, established)" "0 1 0" "$host" INPUT:1 INPUT:2 INPUT:3
ct_expect "the echo made an entry" "$host" '^ipv4     2 icmp     1 [0-9]+ src=10\.9\.0\.2 dst=10\.9\.0\.1 type=8 code=0 id=16962 .* src=10\.9\.0\.1 dst=10\.9\.0\.2 type=0 code=0 id=16962 '
raw "$peer" 1 10.9.0.1 "$(icmp_echo 16962 2 1)"
expect_counts "a corrupt echo with the entry's id is INVALID, not ESTABLISHED" "1 1 0" "$host" INPUT:1 INPUT:2 INPUT:3

# --- ICMPv6 headers in IPv4 --------------------------------------------------------
# nf_conntrack's ICMPv6 tracker refuses them all outside IPv6: INVALID, no
# entry. An echo request (128) and a destination unreachable (1).
raw "$peer" 58 10.9.0.1 8000abcd00070001
raw "$peer" 58 10.9.0.1 0100abcd00000000
expect_counts "ICMPv6 in IPv4 is INVALID" "2" "$host" INPUT:4
tap_check "ICMPv6 in IPv4 makes no entry" not ct_has "$host" '^ipv4     2 [a-z]+ +58 '

# --- INVALID at OUTPUT stays INVALID at INPUT over loopback -------------------------
# A datagram makes the entry (NEW at INPUT), then one whose UDP length lies
# (INVALID anywhere, as nf_conntrack's udp_error) on the same ports: the
# kernel's skb keeps the verdict from OUTPUT to INPUT.
ip netns exec "$host" python3 -c '
import socket
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    s.bind(("127.0.0.1", 40777))
    s.sendto(b"x", ("127.0.0.1", 7777))
'
# sport 40777 dport 7777, length 13 for 12 bytes, checksum none
raw "$host" 17 127.0.0.1 9f491e61000d00006c696521
expect_counts "a lying UDP length over loopback is INVALID at OUTPUT and at INPUT (rules: OUTPUT invalid, INPUT invalid, INPUT new/established)" \
	"1 1 1" "$host" OUTPUT:1 INPUT:5 INPUT:6

# --- a local error about an unconfirmed flow is RELATED ------------------------------
# The peer routes 10.9.1.0/24; a datagram with TTL 1 expires there before
# its entry is confirmed, and the peer's time exceeded quotes it.
ip -n "$peer" link add d0 type dummy && ip -n "$peer" addr add 10.9.1.2/24 dev d0 &&
	ip -n "$peer" link set d0 up && ip netns exec "$peer" sysctl -q -w net.ipv4.ip_forward=1 &&
	ip -n "$host" route add 10.9.1.0/24 via 10.9.0.2 || tap_bail "cannot make the peer a router"
errors=$(stat_col "$peer" icmp_error)
ip netns exec "$host" python3 -c '
import socket
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
    s.sendto(b"ttl", ("10.9.1.1", 7000))
'
expect_counts "the router's time exceeded about an unconfirmed flow is RELATED (rules: related, invalid)" \
	"1 0" "$peer" OUTPUT:1 OUTPUT:2
tap_check "and not counted in icmp_error" test "$(stat_col "$peer" icmp_error)" = "$errors"
tap_end
