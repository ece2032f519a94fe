#!/bin/bash
# kernel-view.sh IMAGE FSTYPE OPTIONS
#
# Reads an image with the Linux kernel's own file-system driver: boots Debian's
# stock kernel with a busybox initramfs under QEMU (TCG, no KVM needed), mounts
# the image read-only from a virtio disk with 2048-byte blocks, and prints what
# the kernel sees, one line per entry:
#     KIND<TAB>SIZE<TAB>SHA256-or-TARGET<TAB>MODE<TAB>PATH<TAB>UID:GID
# (d = directory, f = file, l = symbolic link; '-' where a field does not apply).
#
# FSTYPE is iso9660 or udf; OPTIONS are mount options, e.g. "ro" (Rock Ridge),
# "ro,norock" (Joliet), "ro,norock,nojoliet" (plain ISO 9660).
#
# Exit: 0 listed cleanly; 1 the mount failed; 3 listed, but the kernel logged
# file-system errors; 2 usage or setup error.
# Needs: qemu-system-x86, busybox-static, cpio, kmod, apt (to fetch the kernel).
# Cache: $IMAPI2_KERNEL_CACHE (default /tmp/imapi2-kernel-cache).
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 IMAGE iso9660|udf OPTIONS" >&2; exit 2; }
image=$(readlink -f "$1"); fstype=$2; options=$3
cache=${IMAPI2_KERNEL_CACHE:-/tmp/imapi2-kernel-cache}
mkdir -p "$cache"

build_cache() {
  local work pkg version mods
  work=$(mktemp -d "$cache/build.XXXXXX")
  pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: \(linux-image-[0-9][^ ]*\).*/\1/p' | head -n1)
  [ -n "$pkg" ] || { echo "kernel-view: no linux-image package known to apt" >&2; exit 2; }
  (cd "$work" && apt-get download "$pkg" >/dev/null 2>&1) || { echo "kernel-view: apt-get download $pkg failed" >&2; exit 2; }
  dpkg-deb -x "$work"/"$pkg"_*.deb "$work/root"
  version=${pkg#linux-image-}
  depmod -b "$work/root" "$version"
  mods=$work/root/lib/modules/$version
  mkdir -p "$work/initrd/bin" "$work/initrd/mods" "$work/initrd/dev" "$work/initrd/proc" \
           "$work/initrd/sys" "$work/initrd/mnt"
  cp /bin/busybox "$work/initrd/bin/busybox"
  for tool in sh mount umount find stat sha256sum readlink insmod poweroff cat sed sleep \
              printf tr dmesg grep; do
    ln -s busybox "$work/initrd/bin/$tool"
  done
  # Each wanted module after its dependencies (modules.dep lists them deepest last).
  : > "$work/initrd/mods/order"
  for want in virtio_pci virtio_blk isofs udf nls_utf8; do
    line=$(grep -E "(^|/)$want\.ko(\.[a-z]+)?:" "$mods/modules.dep" || true)
    [ -n "$line" ] || continue
    for dep in $(echo "${line#*:}" | tr ' ' '\n' | tac) "${line%%:*}"; do
      [ -n "$dep" ] || continue
      base=$(basename "$dep")
      if ! grep -qxF "$base" "$work/initrd/mods/order"; then
        case $base in
          *.xz) xz -dc "$mods/$dep" > "$work/initrd/mods/${base%.xz}"; base=${base%.xz} ;;
          *.zst) zstd -qdc "$mods/$dep" > "$work/initrd/mods/${base%.zst}"; base=${base%.zst} ;;
          *) cp "$mods/$dep" "$work/initrd/mods/" ;;
        esac
        echo "$base" >> "$work/initrd/mods/order"
      fi
    done
  done
  cat > "$work/initrd/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /mods/order); do insmod /mods/$m 2>/dev/null; done
param() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" /proc/cmdline; }
fstype=$(param iv_fs); options=$(param iv_opts)
n=0; while [ ! -b /dev/vda ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n+1)); done
echo "@@BEGIN"
if mount -t "$fstype" -o "$options" /dev/vda /mnt; then
  echo "@@MOUNTED"
  cd /mnt
  find . ! -name . -type d -exec stat -c 'D	%a	%u:%g	%n' {} +
  find . -type l -exec stat -c 'L	%a	%u:%g	%n' {} +
  find . -type l | while IFS= read -r p; do printf 'T\t%s\t%s\n' "$p" "$(readlink "$p")"; done
  find . -type f -exec stat -c 'F	%s	%a	%u:%g	%n' {} +
  find . -type f -exec sha256sum {} + | sed 's/^\([0-9a-f]*\)  /H	\1	/'
  cd /; umount /mnt
fi
echo "@@KERNEL"
dmesg | grep -iE 'isofs|iso9660|udf|rock|i/o error' || true
echo "@@END"
poweroff -f
INIT
  chmod +x "$work/initrd/init"
  (cd "$work/initrd" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$work/initrd.gz"
  cp "$work/root/boot/vmlinuz-$version" "$work/vmlinuz"
  mv "$work/initrd.gz" "$cache/initrd.gz.new"
  mv "$work/vmlinuz" "$cache/vmlinuz.new"
  mv "$cache/initrd.gz.new" "$cache/initrd.gz"
  mv "$cache/vmlinuz.new" "$cache/vmlinuz"
  rm -rf "$work"
}

if [ ! -s "$cache/vmlinuz" ] || [ ! -s "$cache/initrd.gz" ]; then
  ( flock 9; if [ ! -s "$cache/vmlinuz" ] || [ ! -s "$cache/initrd.gz" ]; then build_cache; fi ) 9>"$cache/.lock"
fi

log=$(mktemp /tmp/kernel-view.XXXXXX)
trap 'rm -f "$log"' EXIT
timeout "${IMAPI2_KERNEL_TIMEOUT:-600}" qemu-system-x86_64 -accel tcg -m 512 -smp 1 \
  -display none -vga none -monitor none -nodefaults -no-reboot -serial "file:$log" \
  -kernel "$cache/vmlinuz" -initrd "$cache/initrd.gz" \
  -append "console=ttyS0 quiet loglevel=3 panic=-1 iv_fs=$fstype iv_opts=$options" \
  -drive "file=$image,format=raw,readonly=on,if=none,id=d0" \
  -device "virtio-blk-pci,drive=d0,logical_block_size=2048,physical_block_size=2048" \
  >/dev/null 2>&1 || true
tr -d '\r' < "$log" > "$log.clean" && mv "$log.clean" "$log"

if ! grep -q '^@@MOUNTED' "$log"; then
  echo "kernel-view: the kernel did not mount $image as $fstype ($options):" >&2
  sed -n '/^@@BEGIN/,/^@@END/p' "$log" | grep -v '^@@' | tail -20 >&2
  exit 1
fi
sed -n '/^@@MOUNTED/,/^@@KERNEL/p' "$log" | grep -v '^@@' | awk -F'\t' -v OFS='\t' '
  function rel(p) { sub(/^\./, "", p); return p }
  $1 == "D" { print "d", "-", "-", $2, rel($4), $3 }
  $1 == "L" { lmode[rel($4)] = $2; lown[rel($4)] = $3 }
  $1 == "T" { target[rel($2)] = $3 }
  $1 == "F" { size[rel($5)] = $2; fmode[rel($5)] = $3; fown[rel($5)] = $4 }
  $1 == "H" { p = $0; sub(/^H\t[0-9a-f]*\t/, "", p); hash[rel(p)] = $2 }
  END {
    for (p in target) print "l", "-", target[p], lmode[p], p, lown[p]
    for (p in size) print "f", size[p], hash[p], fmode[p], p, fown[p]
  }' | sort -t$'\t' -k5
if sed -n '/^@@KERNEL/,/^@@END/p' "$log" | grep -v '^@@' | grep -iE 'error|corrupt|bad|warn' >&2; then
  exit 3
fi
exit 0
