#!/bin/bash
# Installs the outside validators the tests use (tools we did not write):
#   xorriso, genisoimage (isoinfo, isovfy), 7zip, libarchive-tools (bsdtar),
#   libcdio-utils (iso-info), dumpet, util-linux (blkid), pycdlib (pip), and
#   for the kernel views: qemu-system-x86, busybox-static, cpio, kmod.
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
