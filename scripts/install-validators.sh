#!/bin/bash
# Installs the outside validators the tests use (tools we did not write):
#   xorriso, genisoimage (isoinfo, isovfy), 7zip, libarchive-tools (bsdtar),
#   libcdio-utils (iso-info), dumpet, util-linux (blkid), pycdlib (pip), and
#   for the kernel views: qemu-system-x86, busybox-static, cpio, kmod;
#   for the boot tests: seabios, ovmf, isolinux, syslinux-common,
#   grub-efi-amd64-bin, grub-common, mtools, dosfstools;
#   for the UDF tests: udftools (udfinfo), udfclient, libudfread-dev and gcc
#   (a small libudfread extractor is built from tests/tools).
# Needs root (or sudo) for apt. Skips what is already there.
set -euo pipefail
SUDO=
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "install-validators: run as root or install sudo" >&2; exit 1; }
  SUDO=sudo
fi
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have xorriso || need+=(xorriso)
{ have isoinfo && have isovfy && have genisoimage; } || need+=(genisoimage)
have 7z || need+=(7zip)
have bsdtar || need+=(libarchive-tools)
have iso-info || need+=(libcdio-utils)
have dumpet || need+=(dumpet)
have blkid || need+=(util-linux)
have qemu-system-x86_64 || need+=(qemu-system-x86)
[ -x /bin/busybox ] || need+=(busybox-static)
have cpio || need+=(cpio)
have depmod || need+=(kmod)
have /usr/bin/time || need+=(time)
[ -f /usr/share/seabios/bios-256k.bin ] || need+=(seabios)
[ -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || need+=(ovmf)
[ -f /usr/lib/ISOLINUX/isolinux.bin ] || need+=(isolinux)
[ -f /usr/lib/syslinux/modules/bios/cat.c32 ] || need+=(syslinux-common)
[ -d /usr/lib/grub/x86_64-efi ] || need+=(grub-efi-amd64-bin)
have grub-mkstandalone || need+=(grub-common)
have mcopy || need+=(mtools)
have mkfs.vfat || need+=(dosfstools)
have udfinfo || need+=(udftools)
have udfclient || need+=(udfclient)
[ -f /usr/include/udfread/udfread.h ] || need+=(libudfread-dev)
have cc || need+=(gcc libc6-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "install-validators: apt-get install ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! python3 -c 'import pycdlib' 2>/dev/null; then
  echo "install-validators: pip install pycdlib==1.22.0"
  python3 -m pip install --quiet --disable-pip-version-check pycdlib==1.22.0 2>&1 | grep -v "Running pip as the 'root' user" || true
  python3 -c 'import pycdlib'
fi
echo "install-validators: all present"
