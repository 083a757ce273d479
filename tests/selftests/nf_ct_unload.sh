#!/bin/bash
# rmmod nf_ct while packets flow: new UDP flows, a TCP stream and pings
# keep going across the unload and a reload, several times. The debug
# kernel's KASAN, lockdep and kmemleak judge the run. Loads and unloads
# nf_ct, so it runs only where NF_CT_LOAD=1 says that is allowed (the VM).
. "$(dirname "$0")/lib.sh"
require_nf_ct

tap_begin 4
if [ "${NF_CT_LOAD:-0}" != 1 ]; then
	for i in 1 2 3 4; do tap_skip "unload under traffic (needs NF_CT_LOAD=1)"; done
	tap_end
fi
ko="${NF_CT_MODDIR:-.}/nf_ct.ko"

cli=$(ns_add ucli) && srv=$(ns_add usrv) || tap_bail "cannot create namespaces"
veth_link "$cli" 10.5.0.1/24 "$srv" 10.5.0.2/24 || tap_bail "cannot link namespaces"

# rmmod and insmod switch static keys: the netfilter hooks' (when nf_ct is
# their only user, as in the VM) and the kfree_skb tracepoint's. That
# rewrites kernel text, and under TCG, rewriting a hook site that both vCPUs
# keep running in softirq was seen to stall: soft lockups at the LOCAL_IN
# site mid-patch, and in CI an RCU stall in ip_rcv that hung the whole boot.
# Real hardware does this all the time; what this test is about is nf_ct's
# own teardown with packets in flight. So other users hold the keys on:
# a mangle table (hooks at all five IPv4 points) and the tracepoint's event.
ip netns exec "$srv" iptables-legacy -t mangle -nL > /dev/null 2>&1 ||
	tap_bail "cannot load a mangle table to hold the hooks' static keys"
event=/sys/kernel/debug/tracing/events/skb/kfree_skb/enable
event_was=$(cat "$event" 2> /dev/null)
[ -n "$event_was" ] && echo 1 > "$event"
# The event stays on after the test: turning an event off also stops
# cmdline recording, whose sched_switch probe going away rewrites that
# site's static call, and under TCG that was seen to stall the boot
# (text_poke_bp waiting on the other vCPU for minutes, CI's stock run).
# Only the ring buffer is stopped, which patches nothing.
tracing_on=/sys/kernel/debug/tracing/tracing_on
tracing_was=$(cat "$tracing_on" 2> /dev/null)
restore_event() { [ -z "$tracing_was" ] || echo 0 > "$tracing_on"; }
trap "restore_event; ns_cleanup" EXIT

ip netns exec "$srv" socat -u TCP4-LISTEN:9000,bind=10.5.0.2,reuseaddr OPEN:/dev/null &
wait_for 20 listening "$srv" t 9000
# Paced as well, not saturating, for the same reason.
ip netns exec "$cli" bash -c 'while :; do head -c 16384 /dev/zero; sleep 0.005; done' |
	ip netns exec "$cli" socat -u - TCP4:10.5.0.2:9000 &
ip netns exec "$cli" ping -q -i 0.01 10.5.0.2 > /dev/null &
ip netns exec "$cli" bash -c 'while :; do for p in $(seq 20000 20999); do
	echo x > /dev/udp/10.5.0.2/$p; done; done' 2> /dev/null &

tap_check "traffic is tracked before the unload" wait_for 20 ct_has "$cli" 'udp .* dport=20'

ok=1
for round in 1 2 3; do
	rmmod nf_ct || { ok=0; break; }
	insmod "$ko" || { ok=0; break; }
done
tap_check "rmmod and insmod three times under traffic succeed" test $ok = 1
tap_check "after the reload, traffic is tracked again" wait_for 20 ct_has "$cli" 'udp .* dport=20'
rmmod nf_ct
unloaded=$?
insmod "$ko"
tap_check "a final unload under traffic succeeds" test $unloaded = 0
kill %1 %2 %3 %4 2> /dev/null
wait 2> /dev/null
tap_end
