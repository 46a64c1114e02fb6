# Install steer's Debian dependencies when missing, mount bpffs, and build.
# Shared by tests/run.sh (the test command) and tests/lab/demo.sh (the demo).

steer_deps=(build-essential meson ninja-build pkg-config clang llvm libbpf-dev bpftool libelf-dev
	zlib1g-dev linux-libc-dev libjansson-dev libcriterion-dev libmicrohttpd-dev
	libcurl4-openssl-dev dpdk-dev iproute2 util-linux ethtool iputils-ping jq curl python3 help2man)

steer_install_deps() {
	local missing=() p
	for p in "${steer_deps[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "installing: ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
	if [ "$(id -u)" -eq 0 ] && ! mountpoint -q /sys/fs/bpf; then
		mount -t bpf bpf /sys/fs/bpf || echo "warning: cannot mount bpffs: BPF tests will skip"
	fi
}

steer_build() { # steer_build DIR
	if [ -d "$1" ]; then
		meson setup --reconfigure "$1" >/dev/null
	else
		meson setup "$1" -Dxdp=enabled -Ddpdk=enabled >/dev/null
	fi
	ninja -C "$1"
}
