#!/bin/bash
# A first packet's record (nf_ct_pkt.c) survives what the hooks between its
# tracking and its confirmation do to it, on a router: TCPMSS adding an MSS
# option to a SYN that had none (the packet grows by 4 bytes, its data may
# move), and an NFQUEUE verdict that gives a datagram a longer payload. A
# lost record would leave the entry unconfirmed: no entry, and the SYN/ACK
# INVALID.
# With NF_CT_LOAD=1 (the VM) it loads nf_ct_xt.ko itself and unloads it after.
. "$(dirname "$0")/lib.sh"
require_nf_ct
command -v iptables-legacy > /dev/null || tap_bail "iptables-legacy is not installed"
tools=${NF_CT_TOOLS:-}
[ -n "$tools" ] || tools=$(cd "$(dirname "$0")/../.." && pwd)/build/harness
[ -x "$tools/nfct_queue" ] || tap_bail "no $tools/nfct_queue (make harness, or set NF_CT_TOOLS)"

xt_load

ipt() {	# NS ARGS...
	local ns=$1
	shift
	ip netns exec "$ns" iptables-legacy -w "$@"
}
pkts() {	# NS TABLE CHAIN RULENUM: the rule's packet counter
	ipt "$1" -t "$2" -L "$3" -v -x -n --line-numbers | awk -v n="$4" '$1 == n { print $2 }'
}

tap_begin 5

cli=$(ns_add rcli) && rtr=$(ns_add rrtr) && srv=$(ns_add rsrv) || tap_bail "cannot create namespaces"
router_link "$cli" "$rtr" "$srv" 10.8 || tap_bail "cannot link namespaces"
# FORWARD 1: the SYN/ACK as nf_ct sees it at the rule; 2: INVALID anything.
ipt "$rtr" -t mangle -A FORWARD -p tcp --syn -j TCPMSS --set-mss 1000 &&
	ipt "$rtr" -A FORWARD -i r1 -p tcp --sport 8080 -m conntrack --ctstate ESTABLISHED &&
	ipt "$rtr" -A FORWARD -m conntrack --ctstate INVALID &&
	ipt "$rtr" -A FORWARD -p udp --dport 7000 -j NFQUEUE --queue-num 5 ||
	tap_bail "iptables-legacy refused the rules (TCPMSS, NFQUEUE, conntrack)"

# --- TCPMSS grows an option-less SYN ----------------------------------------------
ip netns exec "$srv" socat TCP4-LISTEN:8080,bind=10.8.2.1,reuseaddr,fork SYSTEM:'echo pong' &
wait_for 20 listening "$srv" t 8080 || tap_bail "no server"
# A SYN without options (the kernel's own always carry an MSS), from port
# 43001 that no socket owns: the client's kernel answers the SYN/ACK with RST.
ip netns exec "$cli" python3 -c '
import socket, struct
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff
tcp = struct.pack("!HHIIBBHHH", 43001, 8080, 1000, 0, 5 << 4, 0x02, 64240, 0, 0)
pseudo = socket.inet_aton("10.8.1.1") + socket.inet_aton("10.8.2.1") + struct.pack("!BBH", 0, 6, len(tcp))
tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP).sendto(tcp, ("10.8.2.1", 0))
'
tcpmss_grew() { [ "$(pkts "$rtr" mangle FORWARD 1)" = 1 ]; }
synack_seen() { [ "$(pkts "$rtr" filter FORWARD 1)" -ge 1 ]; }
wait_for 20 synack_seen
tap_check "TCPMSS on the router took the option-less SYN" tcpmss_grew
ct_expect "the grown SYN's entry is confirmed" "$rtr" '^ipv4     2 tcp      6 [0-9]+ [A-Z_]+ src=10\.8\.1\.1 dst=10\.8\.2\.1 sport=43001 dport=8080 '
tap_check "its SYN/ACK is ESTABLISHED, and nothing was INVALID" \
	test "$(pkts "$rtr" filter FORWARD 1) $(pkts "$rtr" filter FORWARD 2)" = "1 0"

# --- an NFQUEUE verdict with a longer payload ------------------------------------
queue_out=$(mktemp)
got=$(mktemp)
trap 'rm -f "$queue_out" "$got"; xt_cleanup; cleanup_end' EXIT
ip netns exec "$rtr" "$tools/nfct_queue" --queue 5 --grow 8 > "$queue_out" &
wait_for 20 grep -q '^bound' "$queue_out" || tap_bail "nfct_queue did not bind"
ip netns exec "$srv" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.8.2.1", 7000))
s.settimeout(10)
print(len(s.recv(100)), flush=True)
' > "$got" &
wait_for 20 listening "$srv" u 7000 || tap_bail "no datagram server"
echo x | ip netns exec "$cli" socat -u - UDP4:10.8.2.1:7000,sourceport=43002
arrived() { [ "$(cat "$got")" = 10 ]; }
tap_check "the queue's verdict gave the datagram 8 more bytes (2 sent, 10 arrived)" wait_for 20 arrived
ct_expect "the longer datagram's entry is confirmed" "$rtr" '^ipv4     2 udp      17 [0-9]+ src=10\.8\.1\.1 dst=10\.8\.2\.1 sport=43002 dport=7000 '
tap_end
