#!/bin/bash
# Installs the outside tools the tests call (tools we did not write), then
# checks that every one of them is there under the name its current package
# gives it, so that a missing tool is an install error naming its package,
# never a test failure.
#
# Each line of TOOLS is: CHECK PACKAGE..., where CHECK is a command name
# (alternatives joined by '|', e.g. 7-Zip: Debian's `7zip` package installs
# only `7zz`, older packages and p7zip install `7z`) or an absolute path.
# Needs root (or sudo) for apt. Skips what is already there.
set -euo pipefail

TOOLS='
xorriso                               xorriso
genisoimage                           genisoimage
isoinfo                               genisoimage
isovfy                                genisoimage
7zz|7z                                7zip
bsdtar                                libarchive-tools
iso-info                              libcdio-utils
dumpet                                dumpet
blkid                                 util-linux
setpriv                               util-linux
script                                bsdutils
bc                                    bc
timeout                               coreutils
gzip                                  gzip
qemu-system-x86_64                    qemu-system-x86
/bin/busybox                          busybox-static
cpio                                  cpio
depmod                                kmod
/usr/bin/time                         time
/usr/share/seabios/bios-256k.bin      seabios
/usr/share/OVMF/OVMF_CODE_4M.fd       ovmf
/usr/lib/ISOLINUX/isolinux.bin        isolinux
/usr/lib/syslinux/modules/bios/cat.c32 syslinux-common
/usr/lib/grub/x86_64-efi              grub-efi-amd64-bin
grub-mkstandalone                     grub-common
mcopy                                 mtools
mkfs.vfat                             dosfstools
udfinfo                               udftools
udfclient                             udfclient
/usr/include/udfread/udfread.h        libudfread-dev
cc                                    gcc libc6-dev
python3                               python3
'

SUDO=
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "install-validators: run as root or install sudo" >&2; exit 1; }
  SUDO=sudo
fi

# present CHECK: the tool (any of its names) or the file is there.
present() {
  local alt
  IFS='|' read -ra alts <<<"$1"
  for alt in "${alts[@]}"; do
    case "$alt" in
      /*) [ -e "$alt" ] && return 0 ;;
      *) command -v "$alt" >/dev/null 2>&1 && return 0 ;;
    esac
  done
  return 1
}

need=()
while read -r check pkgs; do
  [ -z "$check" ] && continue
  present "$check" || need+=($pkgs)
done <<<"$TOOLS"
if [ ${#need[@]} -gt 0 ]; then
  # one package may provide several tools: install each once
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  echo "install-validators: apt-get install ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! python3 -c 'import pycdlib' 2>/dev/null; then
  echo "install-validators: pip install pycdlib==1.22.0"
  python3 -m pip install --quiet --disable-pip-version-check pycdlib==1.22.0 2>&1 | grep -v "Running pip as the 'root' user" || true
fi

# The check the tests rely on: every tool, after the install.
missing=0
while read -r check pkgs; do
  [ -z "$check" ] && continue
  if ! present "$check"; then
    echo "install-validators: \`${check//|/\` or \`}\` is still missing after installing package(s): $pkgs" >&2
    missing=1
  fi
done <<<"$TOOLS"
if ! python3 -c 'import pycdlib' 2>/dev/null; then
  echo "install-validators: python module pycdlib is still missing after pip install pycdlib==1.22.0" >&2
  missing=1
fi
[ $missing = 0 ] || exit 1
echo "install-validators: all present"
