#!/bin/bash
# A SYN flood at 10x max from spoofed sources through a router (the hosts'
# own tables unlimited, the router's at max): its table
# fills to max, the connections ASSURED before the flood live through it,
# and new real connections still get through (early drop evicts unassured
# entries), at least as often as when the kernel's tracker is the one at
# its limit on the same flood. Loads nf_conntrack for that comparison, so it
# runs only where NF_CT_LOAD=1 allows (the VM). NF_CT_COMPARE_KERNEL=0 leaves
# the kernel's half out (the debug boot: it would check the kernel's tracker
# under KASAN, and costs a minute there); NF_CT_FLOOD_MAX sets the router's
# max (1000; the flood is 10 times that), smaller on the debug kernel, where
# each spoofed SYN is slow and the paths taken are the same.
. "$(dirname "$0")/lib.sh"
require_nf_ct

compare=${NF_CT_COMPARE_KERNEL:-1}
tap_begin $((compare == 1 ? 5 : 3))
if [ "${NF_CT_LOAD:-0}" != 1 ] || grep -q '^nf_conntrack ' /proc/modules; then
	for ((i = 0; i < (compare == 1 ? 5 : 3); i++)); do
		tap_skip "SYN flood against the kernel's tracker (needs NF_CT_LOAD=1 and nf_conntrack not loaded)"
	done
	tap_end
fi

max=${NF_CT_FLOOD_MAX:-1000}
flood=$((10 * max))

# topology SUFFIX: attacker -- router -- server, 10.11.1.0/24 and
# 10.11.2.0/24; the spoofed 10.66.0.0/16 is routed back to the attacker.
topology() {
	atk=$(ns_add "fa$1") && rtr=$(ns_add "fr$1") && srv=$(ns_add "fs$1") &&
		router_link "$atk" "$rtr" "$srv" 10.11 &&
		ip -n "$rtr" route add 10.66.0.0/16 via 10.11.1.1 &&
		ip netns exec "$rtr" sysctl -q -w net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.r0.rp_filter=0 &&
		ip netns exec "$atk" sysctl -q -w net.nf_ct.max=0 &&
		ip netns exec "$srv" sysctl -q -w net.nf_ct.max=0 &&
		{ ip netns exec "$srv" socat TCP4-LISTEN:8080,bind=10.11.2.1,reuseaddr,fork EXEC:cat & } &&
		wait_for 20 listening "$srv" t 8080
}

# In the attacker: 3 connections ASSURED (an echo each), the flood, then,
# once the flood's packets and the server's answers to them have stopped
# arriving, 20 new connections; prints "ALIVE NEW": how many of the 3 still
# echo, and how many of the 20 were made and echoed. Waiting for the flood
# to drain makes the 20 meet a full table and not a backlog of thousands of
# packets ahead of their SYNs (on the debug kernel that backlog alone could
# outlast a 3-second connect).
attack() {
	ip netns exec "$atk" python3 - "$flood" <<'PY'
import random, socket, struct, sys, time
srv = ("10.11.2.1", 8080)
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff
def syn(src, sport, seq):
    tcp = struct.pack("!HHIIBBHHH", sport, srv[1], seq, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(srv[0]) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0x4000, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(srv[0]))
    return ip + tcp
def echo(s, msg):
    try:
        s.sendall(msg)
        return s.recv(64) == msg
    except OSError:
        return False
old = []
for i in range(3):
    s = socket.create_connection(srv, timeout=5)
    assert echo(s, b"before %d\n" % i)
    old.append(s)
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
rnd = random.Random(7)
for i in range(int(sys.argv[1])):
    src = "10.66.%d.%d" % (rnd.randrange(256), rnd.randrange(1, 255))
    try:
        raw.sendto(syn(src, rnd.randrange(1024, 65536), rnd.getrandbits(32)), (srv[0], 0))
    except OSError:
        pass  # dropped on the way out: the flood goes on
def received():
    with open("/sys/class/net/a0/statistics/rx_packets") as f:
        return int(f.read())
last, deadline = received(), time.monotonic() + 60
while time.monotonic() < deadline:
    time.sleep(0.5)
    now = received()
    if now == last:
        break
    last = now
made = 0
for i in range(20):
    try:
        with socket.create_connection(srv, timeout=3) as s:
            made += echo(s, b"new %d\n" % i)
    except OSError:
        pass
print(sum(echo(s, b"after\n") for s in old), made)
PY
}

# --- nf_ct at its limit ------------------------------------------------------------
topology 1 || tap_bail "cannot build the topology"
ip netns exec "$rtr" sysctl -q -w net.nf_ct.max=$max
drops0=$(stat_col "$rtr" early_drop)
read -r alive ours < <(attack)
count=$(ip netns exec "$rtr" sysctl -n net.nf_ct.count)
tap_check "a flood of $flood spoofed SYNs fills the router's table to its max of $max, evicting (count $count)" \
	test "$count" -ge $((max * 95 / 100)) -a "$count" -le $max -a "$(stat_col "$rtr" early_drop)" -gt "$drops0"
tap_check "the 3 connections ASSURED before the flood still echo (${alive:-none})" test "${alive:-0}" = 3
tap_check "new connections get through the full table: ${ours:-0} of 20" test "${ours:-0}" -ge 18
ns_cleanup
[ "$compare" = 1 ] || tap_end

# --- the kernel's tracker at its limit, nf_ct unlimited, the same flood ------------------
if ! modprobe nf_conntrack enable_hooks=1; then
	tap_not_ok "nf_conntrack loads for the comparison"
	tap_not_ok "new connections get through at least as often as with the kernel's tracker"
	tap_end
fi
kmax=$(cat /proc/sys/net/netfilter/nf_conntrack_max)
restore() {
	echo "$kmax" > /proc/sys/net/netfilter/nf_conntrack_max
	ns_cleanup
	# The deleted namespaces let go of it asynchronously.
	wait_for 20 modprobe -r nf_conntrack 2> /dev/null ||
		{ echo "# cleanup: nf_conntrack would not unload ($(lsmod | grep '^nf_conntrack '))"; exit 1; }
}
trap restore EXIT
echo $max > /proc/sys/net/netfilter/nf_conntrack_max
topology 2 || tap_bail "cannot build the topology"
ip netns exec "$rtr" sysctl -q -w net.nf_ct.max=0
kdrops0=$(stat_col "$rtr" early_drop /proc/net/stat/nf_conntrack)
read -r kalive theirs < <(attack)
kdrops=$(($(stat_col "$rtr" early_drop /proc/net/stat/nf_conntrack) - kdrops0))
tap_check "the kernel's tracker was at its max too ($kdrops early drops, ASSURED alive ${kalive:-none})" \
	test "$kdrops" -gt 0
tap_check "new connections get through at least as often as with the kernel's tracker (nf_ct ${ours:-0}, kernel ${theirs:-0} of 20)" \
	test "${ours:-0}" -ge "${theirs:-0}"
tap_end
