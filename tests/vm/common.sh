# Shared by the test bed's scripts: where the kernels live.
# Sourced, not run. NF_CT_CACHE moves the cache (default outside the repository).

NF_CT_CACHE=${NF_CT_CACHE:-/var/cache/nf_ct}
NF_CT_VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NF_CT_REPO=$(cd "$NF_CT_VM_DIR/../.." && pwd)

# The source tarball from Debian's linux-source-6.1.
nf_ct_source_tarball() {
	ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null
}

# Debug kernel build directory: keyed by the fragment and the source version,
# so editing either gives a fresh build and the old one stays valid for others.
nf_ct_debug_kdir() {
	local ver key
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || echo none)
	key=$(cat "$NF_CT_VM_DIR/debug.config" | sha256sum | cut -c1-16)
	echo "$NF_CT_CACHE/kernel-$ver-$key"
}

# Stock kernel: the newest Debian 6.1 image that has matching headers.
nf_ct_stock_release() {
	local v
	for v in $(ls -1 /boot/vmlinuz-6.1.*-amd64 2>/dev/null | sed 's|/boot/vmlinuz-||' | sort -V -r); do
		if [ -d "/usr/src/linux-headers-$v" ]; then
			echo "$v"
			return 0
		fi
	done
	return 1
}

nf_ct_stock_kdir() {
	local v
	v=$(nf_ct_stock_release) || return 1
	echo "/usr/src/linux-headers-$v"
}
