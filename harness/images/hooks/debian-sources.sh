#!/bin/sh
# mmdebstrap customize hook: apt sources in the deb822 form the official trixie images use
# (/etc/apt/sources.list.d/debian.sources), pointing at the archive this machine uses.
# Usage: debian-sources.sh ROOTFS SUITE MAIN_URI [SECURITY_URI]
set -eu
root="$1" suite="$2" main="$3" security="${4:-}"
keyring=/usr/share/keyrings/debian-archive-keyring.pgp
[ -e "$root$keyring" ] || keyring=/usr/share/keyrings/debian-archive-keyring.gpg
rm -f "$root/etc/apt/sources.list"
{
  printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: %s\n' "$main" "$suite" "$suite" "$keyring"
  if [ -n "$security" ]; then
    printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: %s\n' "$security" "$suite" "$keyring"
  fi
} > "$root/etc/apt/sources.list.d/debian.sources"
chmod 0644 "$root/etc/apt/sources.list.d/debian.sources"
