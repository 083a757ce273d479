#!/bin/bash
# The seed's Kubernetes Service, NAT'ed by nf_ct_nat: pods on one Linux
# bridge in a node namespace, a ClusterIP DNAT'ed to three endpoints with the
# statistic match as kube-proxy writes it, first by hand, then as a whole
# kube-proxy rule set restored with iptables-legacy-restore.
#
#   client 10.244.0.2 --+
#   ep-a   10.244.0.3 --+-- br0 10.244.0.1 (node)     ClusterIP 10.96.0.10:80
#   ep-b   10.244.0.4 --+
#   ep-c   10.244.0.5 --+
#
# The client and the endpoints share the bridge, so an endpoint's answer is
# bridged straight back, never routed: only with
# net.bridge.bridge-nf-call-iptables=1 does it pass the IPv4 hooks, where the
# DNAT is undone. With 0 the client gets an answer from the wrong address.
# With NF_CT_LOAD=1 (the VM) it loads nf_ct_nat.ko, nf_ct_xt.ko and
# br_netfilter itself; on a real host they must be loaded already.
. "$(dirname "$0")/lib.sh"
require_nf_ct
command -v iptables-legacy-restore > /dev/null || tap_bail "iptables-legacy is not installed"

nat_modules_load
br_loaded=0
if ! grep -q '^br_netfilter ' /proc/modules; then
	[ "${NF_CT_LOAD:-0}" = 1 ] || tap_bail "br_netfilter is not loaded (modprobe br_netfilter)"
	modprobe br_netfilter || tap_bail "cannot load br_netfilter"
	br_loaded=1
fi
cleanup() {
	nat_cleanup
	[ $br_loaded = 0 ] || modprobe -r br_netfilter ||
		{ echo "# cleanup: br_netfilter would not unload"; cleanup_failed=1; }
	cleanup_end
}
trap cleanup EXIT

tap_begin 8

node=$(ns_add node) || tap_bail "cannot create namespaces"
ip -n "$node" link add br0 type bridge &&
	ip -n "$node" addr add 10.244.0.1/24 dev br0 &&
	ip -n "$node" link set br0 up || tap_bail "cannot make the bridge"
ip netns exec "$node" sysctl -qw net.ipv4.ip_forward=1
# A route for the service range, as a node has, so that its own connect() gets to OUTPUT.
ip -n "$node" route add 10.96.0.0/12 dev br0

# A namespace on the bridge; prints its name. Hairpin on its port, as
# kubelet's default (hairpin-veth) sets it: a pod's packet DNAT'ed back to
# the same pod leaves by the port it came in on.
pod() {	# NAME ADDR
	local ns
	ns=$(ns_add "$1") || return 1
	ip link add "v$1" netns "$node" type veth peer name eth0 netns "$ns" &&
		ip -n "$node" link set "v$1" master br0 &&
		ip -n "$node" link set "v$1" type bridge_slave hairpin on &&
		ip -n "$node" link set "v$1" up &&
		ip -n "$ns" addr add "$2/24" dev eth0 &&
		ip -n "$ns" link set eth0 up &&
		ip -n "$ns" route add default via 10.244.0.1 &&
		echo "$ns"
}
client=$(pod cl 10.244.0.2) && epa=$(pod ea 10.244.0.3) && epb=$(pod eb 10.244.0.4) &&
	epc=$(pod ec 10.244.0.5) || tap_bail "cannot make the pods"

# Each endpoint answers with its name and the address it saw.
for ep in "a $epa 10.244.0.3" "b $epb 10.244.0.4" "c $epc 10.244.0.5"; do
	set -- $ep
	ip netns exec "$2" socat -t10 -T10 TCP4-LISTEN:8080,bind="$3",reuseaddr,fork \
		SYSTEM:"echo $1 \$SOCAT_PEERADDR" &
done
wait_for 20 listening "$epa" t 8080
wait_for 20 listening "$epb" t 8080
wait_for 20 listening "$epc" t 8080

# The endpoints fork a shell per connection: on the debug kernel under load
# an answer can take seconds; the timeouts bound the wait, they do not add.
service() {	# NS [SPORT]: what the ClusterIP answers
	ip netns exec "$1" socat -t10 -T10 - "TCP4:10.96.0.10:80,connect-timeout=${CONNECT_TIMEOUT:-10}${2:+,sourceport=$2}" \
		< /dev/null 2> /dev/null
}
bridge_nf() {
	ip netns exec "$node" sysctl -qw net.bridge.bridge-nf-call-iptables="$1"
}

# --- (c) the Service by hand: statistic spreads over three endpoints -------------
ip netns exec "$node" iptables-legacy -w -t nat -N SVC &&
	ip netns exec "$node" iptables-legacy -w -t nat -A PREROUTING -d 10.96.0.10 -p tcp --dport 80 -j SVC &&
	ip netns exec "$node" iptables-legacy -w -t nat -A SVC -m statistic --mode random --probability 0.33333 \
		-p tcp -j DNAT --to-destination 10.244.0.3:8080 &&
	ip netns exec "$node" iptables-legacy -w -t nat -A SVC -m statistic --mode random --probability 0.5 \
		-p tcp -j DNAT --to-destination 10.244.0.4:8080 &&
	ip netns exec "$node" iptables-legacy -w -t nat -A SVC -p tcp -j DNAT --to-destination 10.244.0.5:8080 ||
	tap_bail "iptables-legacy refused the Service's rules"

bridge_nf 0
got=$(CONNECT_TIMEOUT=3 service "$client" 42000)
echo "# bridge-nf-call-iptables=0: '$got'"
tap_check "bridge-nf-call-iptables=0: the endpoint's answer is bridged past the DNAT, the connection fails" \
	test -z "$got"
bridge_nf 1
ask_many() {	# NS COUNT: the endpoints that answered, one name per line
	local i got
	for ((i = 0; i < $2; i++)); do
		got=$(service "$1") || return 1
		[[ $got =~ ^([abc])\  ]] || { echo "# answer '$got'" >&2; return 1; }
		echo "${BASH_REMATCH[1]}"
	done
}
answered=$(ask_many "$client" 12)
tap_check "bridge-nf-call-iptables=1: twelve connections to the ClusterIP all get an answer" \
	test "$(wc -l <<< "$answered")" = 12
echo "# endpoints: $(sort <<< "$answered" | uniq -c | tr -s '\n ' ' ')"
tap_check "the statistic match spread them over more than one endpoint" \
	test "$(sort -u <<< "$answered" | wc -l)" -gt 1
ct_expect "the node's entries show the ClusterIP and the endpoint that answered" "$node" \
	'src=10\.244\.0\.2 dst=10\.96\.0\.10 sport=[0-9]+ dport=80 .* src=10\.244\.0\.[345] dst=10\.244\.0\.2 sport=8080 '

# --- (d) a kube-proxy rule set, restored whole ----------------------------------
ip netns exec "$node" iptables-legacy -w -t nat -F
ip netns exec "$node" iptables-legacy -w -t nat -X
tap_check "iptables-legacy-restore loads a kube-proxy nat table" \
	ip netns exec "$node" iptables-legacy-restore -w <<-'EOF'
	*nat
	:PREROUTING ACCEPT [0:0]
	:INPUT ACCEPT [0:0]
	:OUTPUT ACCEPT [0:0]
	:POSTROUTING ACCEPT [0:0]
	:KUBE-MARK-MASQ - [0:0]
	:KUBE-POSTROUTING - [0:0]
	:KUBE-SERVICES - [0:0]
	:KUBE-SVC-WEB - [0:0]
	:KUBE-SEP-A - [0:0]
	:KUBE-SEP-B - [0:0]
	:KUBE-SEP-C - [0:0]
	-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
	-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
	-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
	-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
	-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
	-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
	-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
	-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "default/web cluster IP" -m tcp --dport 80 -j KUBE-SVC-WEB
	-A KUBE-SVC-WEB ! -s 10.244.0.0/16 -d 10.96.0.10/32 -p tcp -m comment --comment "default/web cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
	-A KUBE-SVC-WEB -m comment --comment "default/web -> 10.244.0.3:8080" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-A
	-A KUBE-SVC-WEB -m comment --comment "default/web -> 10.244.0.4:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-B
	-A KUBE-SVC-WEB -m comment --comment "default/web -> 10.244.0.5:8080" -j KUBE-SEP-C
	-A KUBE-SEP-A -s 10.244.0.3/32 -m comment --comment "default/web" -j KUBE-MARK-MASQ
	-A KUBE-SEP-A -p tcp -m comment --comment "default/web" -m tcp -j DNAT --to-destination 10.244.0.3:8080
	-A KUBE-SEP-B -s 10.244.0.4/32 -m comment --comment "default/web" -j KUBE-MARK-MASQ
	-A KUBE-SEP-B -p tcp -m comment --comment "default/web" -m tcp -j DNAT --to-destination 10.244.0.4:8080
	-A KUBE-SEP-C -s 10.244.0.5/32 -m comment --comment "default/web" -j KUBE-MARK-MASQ
	-A KUBE-SEP-C -p tcp -m comment --comment "default/web" -m tcp -j DNAT --to-destination 10.244.0.5:8080
	COMMIT
	EOF
answered=$(ask_many "$client" 9)
tap_check "kube-proxy rules: a pod's nine connections to the Service are answered, unmasqueraded" \
	test "$(grep -c . <<< "$answered")" = 9
# From the node itself (OUTPUT, source not in the pod range): marked and masqueraded.
tap_check "kube-proxy rules: the node reaches the Service, masqueraded to the bridge's address" \
	eval '[[ "$(service "$node")" =~ ^[abc]\ 10\.244\.0\.1$ ]]'
# An endpoint that reaches itself through the Service is masqueraded (hairpin).
hairpin() {
	local i got
	for ((i = 0; i < 20; i++)); do
		got=$(service "$epa") || return 1
		[ "$got" = "a 10.244.0.1" ] && return 0
		[[ $got =~ ^[bc]\ 10\.244\.0\.3$ ]] || { echo "# answer '$got'"; return 1; }
	done
	return 1
}
tap_check "kube-proxy rules: an endpoint reaching itself through the Service is masqueraded" hairpin
tap_end
