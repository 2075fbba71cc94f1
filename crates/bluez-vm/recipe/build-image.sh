#!/bin/sh
# Builds Tend's test guest (Debian bookworm with bluetoothd and btvirt) into OUT_DIR: vmlinux
# (or vmlinuz), initrd.img and rootfs.img, from the files beside it. Run as root; crates/bluez-vm
# runs it under a lock, once per recipe (its cache key is a hash of these files).
# Usage: build-image.sh OUT_DIR
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
out="$1"
mkdir -p "$out"
work="$(mktemp -d "$out/.work.XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/root"

# Only what the test stack needs: the kernel, BlueZ's daemon and controller emulator, the system
# bus, and a static busybox for the initramfs. Debian's own initramfs is made with a short module
# list only because the kernel package insists on one; it is not used.
mmdebstrap --mode=root --variant=minbase --quiet \
  --aptopt='APT::Install-Recommends "false"' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" && echo MODULES=list > "$1/etc/initramfs-tools/conf.d/tend"' \
  --include=linux-image-amd64,initramfs-tools,busybox-static,bluez,bluez-test-tools,dbus,kmod,iproute2 \
  bookworm "$root"
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
