#!/bin/bash
# make demo (runs inside the VM): the seed's first picture. A host 10.1.1.3
# looks up a name at a DNS server (10.1.1.53, port 53) and fetches a page from
# an HTTP server (10.1.1.80, port 80); each is its own namespace on one
# bridge. nf_ct tracks it all and prints its table.
set -euo pipefail
cd "${NF_CT_REPO:-.}"

step() { printf '\n--- %s\n' "$*"; }

step "loading nf_ct"
insmod nf_ct.ko
lsmod | grep -E '^nf_ct '
grep -q '^nf_conntrack ' /proc/modules || echo "(the kernel's nf_conntrack is not loaded: nf_ct answers /proc/net/nf_conntrack)"

step "building the network: host 10.1.1.3, dns 10.1.1.53, web 10.1.1.80 on bridge br0"
ip netns add lan
ip -n lan link add br0 type bridge
ip -n lan link set br0 up
for pair in host:10.1.1.3 dns:10.1.1.53 web:10.1.1.80; do
	name=${pair%%:*} addr=${pair#*:}
	ip netns add "$name"
	ip -n "$name" link set lo up
	ip -n lan link add "$name" type veth peer name eth0 netns "$name"
	ip -n lan link set "$name" master br0 up
	ip -n "$name" addr add "$addr/24" dev eth0
	ip -n "$name" link set eth0 up
done

step "starting the servers"
mkdir -p /tmp/www
echo "hello from web.demo" > /tmp/www/index.html
ip netns exec web python3 -m http.server 80 --bind 10.1.1.80 --directory /tmp/www > /tmp/web.log 2>&1 &
ip netns exec dns python3 - > /tmp/dns.log 2>&1 <<'PY' &
import socket, struct
# A one-record DNS server: answers every A query with 10.1.1.80.
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.1.1.53", 53))
while True:
    q, peer = s.recvfrom(512)
    end = q.index(b"\0", 12) + 5           # end of the question section
    header = q[:2] + b"\x81\x80" + q[4:6] + b"\x00\x01\x00\x00\x00\x00"
    answer = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton("10.1.1.80")
    s.sendto(header + q[12:end] + answer, peer)
PY
for i in $(seq 100); do
	ip netns exec web ss -ltn | grep -q ':80 ' && ip netns exec dns ss -lun | grep -q ':53 ' && break
	sleep 0.1
done

step "host 10.1.1.3: resolve web.demo at 10.1.1.53, then GET http://web.demo/"
ip netns exec host python3 - <<'PY'
import socket, struct, urllib.request
q = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(p)]) + p.encode() for p in "web.demo".split(".")) + b"\0" + struct.pack("!HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(q, ("10.1.1.53", 53))
reply, _ = s.recvfrom(512)
addr = socket.inet_ntoa(reply[-4:])
print(f"dns: web.demo is {addr}")
body = urllib.request.urlopen(f"http://{addr}/", timeout=5).read().decode().strip()
print(f"http: {body}")
PY

step "the host's table: cat /proc/net/nf_conntrack"
ip netns exec host cat /proc/net/nf_conntrack
step "the web server's table: cat /proc/net/nf_ct"
ip netns exec web cat /proc/net/nf_ct
