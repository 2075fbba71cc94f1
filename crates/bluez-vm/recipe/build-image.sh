#!/bin/sh
# Builds Tend's test guest (Debian bookworm with bluetoothd and a patched btvirt) into OUT_DIR: vmlinux
# (or vmlinuz), initrd.img and rootfs.img, from the files beside it. Run as root; crates/bluez-vm
# runs it under a lock, once per recipe (its cache key is a hash of these files).
# Usage: build-image.sh OUT_DIR
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
out="$1"
mkdir -p "$out"
work="$(mktemp -d "$out/.work.XXXXXX")"
trap '[ -z "${guest_pid:-}" ] || kill "$guest_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
root="$work/root"

# Only what the test stack needs: the kernel, BlueZ's daemon, the system bus, and a static
# busybox for the initramfs. Debian's own initramfs is made with a short module list only because
# the kernel package insists on one; it is not used.
mmdebstrap --mode=root --variant=minbase --quiet \
  --aptopt='APT::Install-Recommends "false"' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" && echo MODULES=list > "$1/etc/initramfs-tools/conf.d/tend"' \
  --include=linux-image-amd64,initramfs-tools,busybox-static,bluez,dbus,kmod,iproute2 \
  bookworm "$root" &
guest_pid=$!

# btvirt, BlueZ's controller emulator, built from the same Debian source as the guest's bluez
# with btdev-one-handle.patch (see there), in a throw-away build root. It needs only libc.
build="$work/build"
mmdebstrap --mode=root --variant=buildd --quiet \
  --include=libglib2.0-dev,libdbus-1-dev,pkg-config,autoconf,automake,libtool \
  --setup-hook='sed -n "s/^deb /deb-src /p" "$1/etc/apt/sources.list" >> "$1/etc/apt/sources.list"' \
  bookworm "$build"
cp "$here/btdev-one-handle.patch" "$build/tmp/"
chroot "$build" sh -ec '
  apt-get update -qq
  cd /tmp
  apt-get source -qq bluez >/dev/null
  cd bluez-*/
  patch -p1 < /tmp/btdev-one-handle.patch
  autoreconf -fi >/dev/null 2>autoreconf.log || { cat autoreconf.log >&2; exit 1; }
  ./configure -q --enable-testing --disable-client --disable-systemd --disable-udev --disable-cups \
    --disable-obex --disable-manpages --disable-datafiles --disable-monitor --disable-tools >/dev/null
  mkdir -p lib/bluetooth
  for header in lib/*.h; do ln -sf "../${header#lib/}" lib/bluetooth/; done
  make -s -j2 emulator/btvirt >/dev/null'
wait "$guest_pid"
install -m 0755 "$build"/tmp/bluez-*/emulator/btvirt "$root/usr/local/bin/btvirt"
rm -rf "$build"
kernel="$(ls "$root/lib/modules")"
modules() {
  for module in "$@"; do chroot "$root" modprobe -S "$kernel" --show-depends "$module"; done \
    | awk '$1 == "insmod" { sub("^/lib/modules/[^/]*/", "", $2); print $2 }'
}

# The kernel uncompressed: QEMU boots its ELF (PVH) directly, seconds faster than unpacking the
# compressed one under emulation. The compressed one when that fails.
xz_at="$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$root/boot/vmlinuz-$kernel" | head -n 1 | cut -d: -f1)"
if [ -n "$xz_at" ]; then
  tail -c "+$((xz_at + 1))" "$root/boot/vmlinuz-$kernel" | xz -dcq >"$work/vmlinux" 2>/dev/null || true
fi
if [ "$(head -c 4 "$work/vmlinux" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
  mv "$work/vmlinux" "$out/vmlinux"
else
  cp "$root/boot/vmlinuz-$kernel" "$out/vmlinuz"
fi

# The initramfs: busybox, the disk and ext4 modules in load order, and initrd-init.
initrd="$work/initrd"
mkdir -p "$initrd/bin" "$initrd/modules" "$initrd/proc" "$initrd/dev" "$initrd/root"
cp "$root/bin/busybox" "$initrd/bin/busybox"
install -m 0755 "$here/initrd-init" "$initrd/init"
modules virtio_pci virtio_blk crc32c_generic ext4 | awk '!seen[$0]++' >"$work/initrd-modules"
while read -r path; do
  cp "$root/lib/modules/$kernel/$path" "$initrd/modules/"
  basename "$path" >>"$initrd/modules.order"
done <"$work/initrd-modules"
(cd "$initrd" && find . | "$root/bin/busybox" cpio -o -H newc 2>/dev/null) >"$out/initrd.img"

# Kernel modules on the root: Bluetooth and the virtual controller, the 9p share and the network
# card with what they depend on, and all of crypto (SMP asks for its ciphers by name).
modules bluetooth hci_vhci 9p 9pnet_virtio virtio_net >"$work/keep"
(cd "$root/lib/modules/$kernel" && find kernel -name '*.ko' \
  | grep -v -e '^kernel/crypto/' -e '^kernel/arch/x86/crypto/' -e '^kernel/lib/' \
  | grep -v -x -F -f "$work/keep" | xargs rm -f)
chroot "$root" depmod "$kernel"

rm -rf "$root/boot"/* "$root/var/cache/apt"/* "$root/var/lib/apt/lists"/* "$root/usr/share/doc" \
  "$root/usr/lib/firmware" "$root/var/log"/*
install -m 0755 "$here/init" "$root/usr/local/sbin/tend-init"
install -m 0644 "$here/tend-bus.conf" "$root/etc/dbus-1/system.d/tend-bus.conf"
echo tend-guest >"$root/etc/hostname"

size_mb=$(( $(du -sm "$root" | cut -f1) * 5 / 4 + 64 ))
mkfs.ext4 -q -F -L tend-guest -d "$root" "$work/rootfs.img" "${size_mb}M" >/dev/null
mv "$work/rootfs.img" "$out/rootfs.img"
