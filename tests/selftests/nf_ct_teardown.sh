#!/bin/bash
# Namespaces deleted and modules unloaded while packets flow. A namespace
# goes with first packets held in an NFQUEUE (their records and unconfirmed
# entries still pending) and a stream in flight behind a delaying qdisc;
# nf_ct_nat and nf_ct_xt are unloaded under NAT'ed and matched traffic and
# loaded again. The debug kernel's KASAN, lockdep and kmemleak judge the
# teardown; the points check that what stays keeps working. Loads and
# unloads modules, so it runs only where NF_CT_LOAD=1 allows (the VM).
. "$(dirname "$0")/lib.sh"
require_nf_ct
command -v iptables-legacy > /dev/null || tap_bail "iptables-legacy is not installed"
tools=${NF_CT_TOOLS:-}
[ -n "$tools" ] || tools=$(cd "$(dirname "$0")/../.." && pwd)/build/harness

tap_begin 5
if [ "${NF_CT_LOAD:-0}" != 1 ]; then
	for i in 1 2 3 4 5; do tap_skip "teardown under traffic (needs NF_CT_LOAD=1)"; done
	tap_end
fi
[ -x "$tools/nfct_queue" ] || tap_bail "no $tools/nfct_queue (make harness, or set NF_CT_TOOLS)"
nat_modules_load
trap 'nat_cleanup; cleanup_end' EXIT

# udp_stream NS RATE DST DPORTS [SPORTS] &: UDP datagrams from NS to DST,
# RATE a second, round and round over the ports (a range A-B or one port;
# from SPORTS too if given, so that each flow's entry is reused) until
# killed. Only in the background: the subshell becomes the sender, so that
# $! is its pid. Paced: an unpaced shell loop left a one-CPU debug guest so
# little of its CPU that this test took 225 s there.
udp_stream() {
	local ns=$1
	shift
	exec ip netns exec "$ns" python3 -c '
import socket, sys, time
def ports(arg):
    lo, _, hi = arg.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))
rate, dst, dports = float(sys.argv[1]), sys.argv[2], ports(sys.argv[3])
sports = ports(sys.argv[4]) if len(sys.argv) > 4 else []
n = max(len(dports), len(sports))
plain = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while True:
    start = time.monotonic()
    for i in range(n):
        try:
            if sports:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind(("", sports[i % len(sports)]))
                    s.sendto(b"x", (dst, dports[i % len(dports)]))
            else:
                plain.sendto(b"x", (dst, dports[i % len(dports)]))
        except OSError:
            pass
    time.sleep(max(0.0, n / rate - (time.monotonic() - start)))
' "$@"
}
# udp_from NS DST PORT SRC_PORT...: one datagram from each source port.
udp_from() {
	local ns=$1 dst=$2 port=$3
	shift 3
	ip netns exec "$ns" python3 -c '
import socket, sys
for sport in sys.argv[3:]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("", int(sport)))
        s.sendto(b"x", (sys.argv[1], int(sys.argv[2])))
' "$dst" "$port" "$@"
}

# --- namespaces deleted mid-flight ---------------------------------------------
# Each round: a pair, a paced UDP stream (300 datagrams a second) through
# 50 ms of netem delay, five first packets held in a queue, then the pair's
# processes killed and the namespaces deleted at once. NF_CT_TEARDOWN_ROUNDS
# (default 5) sets how many: tests/check gives the debug kernel 3, a round
# there costing 22 s of its budget.
rounds=${NF_CT_TEARDOWN_ROUNDS:-5}
gone=0
for round in $(seq "$rounds"); do
	a=$(ns_add "ta$round") && b=$(ns_add "tb$round") &&
		veth_link "$a" 10.6.0.1/24 "$b" 10.6.0.2/24 &&
		ip netns exec "$a" tc qdisc add dev veth0 root netem delay 50ms &&
		ip netns exec "$a" iptables-legacy -A OUTPUT -p udp --dport 7100 -j NFQUEUE --queue-num 1 ||
		tap_bail "cannot set up round $round"
	ip netns exec "$a" "$tools/nfct_queue" --queue 1 --hold > /dev/null &
	udp_stream "$a" 300 10.6.0.2 21000-21099 2> /dev/null &
	wait_for 20 ct_has "$a" 'dport=21' || break
	udp_from "$a" 10.6.0.2 7100 43001 43002 43003 43004 43005 2> /dev/null
	ip netns pids "$a" | xargs -r kill -9
	ip netns pids "$b" | xargs -r kill -9
	ip netns del "$a" && ip netns del "$b" && gone=$((gone + 1))
done
tap_check "$rounds namespace pairs deleted with packets queued and in flight" test $gone = "$rounds"

# What stays keeps working: a new pair tracks a new flow.
cli=$(ns_add tcli) && srv=$(ns_add tsrv) && veth_link "$cli" 10.7.0.1/24 "$srv" 10.7.0.2/24 ||
	tap_bail "cannot create namespaces"
ip netns exec "$cli" bash -c 'echo x > /dev/udp/10.7.0.2/7200'
ct_expect "after the deletions a new namespace tracks a new flow" "$cli" 'udp .* dport=7200 '

# --- nf_ct_nat and nf_ct_xt unloaded under traffic --------------------------------
# The client's own OUTPUT rules: DNAT of a paced UDP stream to .2, and a
# conntrack match that counts it.
ip netns exec "$cli" iptables-legacy -t nat -A OUTPUT -p udp --dport 7300 -j DNAT --to-destination 10.7.0.2:7301 &&
	ip netns exec "$cli" iptables-legacy -A OUTPUT -p udp -m conntrack --ctstate NEW,ESTABLISHED ||
	tap_bail "iptables-legacy refused the rules"
udp_stream "$cli" 100 10.7.0.9 7300 22000-22049 2> /dev/null &
stream=$!
natted() { ct_has "$cli" 'dst=10\.7\.0\.9 sport=220[0-9]+ dport=7300 .* src=10\.7\.0\.2 dst=10\.7\.0\.1 sport=7301 '; }
wait_for 10 natted || tap_not_ok "the stream was never NAT'ed"
ok=1
for round in 1 2; do
	ip netns exec "$cli" iptables-legacy -t nat -F && ip netns exec "$cli" iptables-legacy -F &&
		rmmod nf_ct_nat && rmmod nf_ct_xt || { ok=0; break; }
	insmod "${NF_CT_MODDIR:-.}/nf_ct_xt.ko" && insmod "${NF_CT_MODDIR:-.}/nf_ct_nat.ko" || { ok=0; break; }
	ip netns exec "$cli" iptables-legacy -t nat -A OUTPUT -p udp --dport 7300 -j DNAT --to-destination 10.7.0.2:7301 &&
		ip netns exec "$cli" iptables-legacy -A OUTPUT -p udp -m conntrack --ctstate NEW,ESTABLISHED || { ok=0; break; }
done
tap_check "nf_ct_nat and nf_ct_xt unloaded and reloaded twice under NAT'ed traffic" test $ok = 1
# Entries made before the reload may still match; a new source port proves it.
udp_from "$cli" 10.7.0.9 7300 22999 2> /dev/null
ct_expect "after the reload new flows are NAT'ed again" "$cli" 'sport=22999 dport=7300 .* src=10\.7\.0\.2 dst=10\.7\.0\.1 sport=7301 '
matched() { [ "$(ip netns exec "$cli" iptables-legacy -L OUTPUT -v -x -n | awk '/ctstate/ { print $1 }')" -gt 0 ]; }
tap_check "and the reloaded conntrack match sees them" wait_for 20 matched
kill $stream 2> /dev/null
wait 2> /dev/null
tap_end
