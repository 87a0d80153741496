#!/bin/sh
# mmdebstrap customize hook: what debuerreotype-fixup and its tar excludes leave out of the
# official images (build-host details, logs with timestamps, an initialised machine-id).
# Usage: debian-fixup.sh ROOTFS
set -eu
root="$1"
rm -f "$root/etc/machine-id" \
  "$root/var/log/dpkg.log" "$root/var/log/bootstrap.log" "$root/var/log/alternatives.log" \
  "$root/var/log/apt/history.log" "$root/var/log/apt/term.log" "$root/var/log/apt/eipp.log.xz" \
  "$root/var/cache/ldconfig/aux-cache" "$root/etc/apt/apt.conf.d/01autoremove-kernels" \
  "$root/var/lib/systemd/catalog/database" "$root/etc/hostname" "$root/etc/resolv.conf"
# downloaded packages and indexes (debuerreotype's .tar-exclude); the directories stay
rm -rf "$root/var/lib/apt/lists/"*Packages* "$root/var/lib/apt/lists/"*Release* "$root/var/lib/apt/lists/lock" \
  "$root/var/cache/apt/"*.bin "$root/var/cache/apt/archives/"*.deb "$root/var/cache/apt/archives/partial/"*.deb \
  "$root/var/cache/apt/archives/lock"
rm -rf "$root/tmp/"* "$root/var/tmp/"*
