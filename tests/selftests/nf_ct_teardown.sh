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

# --- namespaces deleted mid-flight ---------------------------------------------
# Each round: a pair, a paced UDP stream through 50 ms of netem delay, five
# first packets held in a queue, then the pair's processes killed and the
# namespaces deleted at once.
gone=0
for round in 1 2 3 4 5; do
	a=$(ns_add "ta$round") && b=$(ns_add "tb$round") &&
		veth_link "$a" 10.6.0.1/24 "$b" 10.6.0.2/24 &&
		ip netns exec "$a" tc qdisc add dev veth0 root netem delay 50ms &&
		ip netns exec "$a" iptables-legacy -A OUTPUT -p udp --dport 7100 -j NFQUEUE --queue-num 1 ||
		tap_bail "cannot set up round $round"
	ip netns exec "$a" "$tools/nfct_queue" --queue 1 --hold > /dev/null &
	ip netns exec "$a" bash -c 'while :; do for p in $(seq 21000 21099); do
		echo x > /dev/udp/10.6.0.2/$p; done; sleep 0.01; done' 2> /dev/null &
	wait_for 20 ct_has "$a" 'dport=21' || break
	for p in 1 2 3 4 5; do
		echo x | ip netns exec "$a" socat -u - UDP4:10.6.0.2:7100,sourceport=4300$p 2> /dev/null
	done
	ip netns pids "$a" | xargs -r kill -9
	ip netns pids "$b" | xargs -r kill -9
	ip netns del "$a" && ip netns del "$b" && gone=$((gone + 1))
done
tap_check "5 namespace pairs deleted with packets queued and in flight" test $gone = 5

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
ip netns exec "$cli" bash -c 'while :; do for p in $(seq 22000 22049); do
	echo x | socat -u - UDP4:10.7.0.9:7300,sourceport=$p; done; done' 2> /dev/null &
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
ip netns exec "$cli" bash -c 'echo x | socat -u - UDP4:10.7.0.9:7300,sourceport=22999' 2> /dev/null
ct_expect "after the reload new flows are NAT'ed again" "$cli" 'sport=22999 dport=7300 .* src=10\.7\.0\.2 dst=10\.7\.0\.1 sport=7301 '
matched() { [ "$(ip netns exec "$cli" iptables-legacy -L OUTPUT -v -x -n | awk '/ctstate/ { print $1 }')" -gt 0 ]; }
tap_check "and the reloaded conntrack match sees them" wait_for 20 matched
kill $stream 2> /dev/null
wait 2> /dev/null
tap_end
