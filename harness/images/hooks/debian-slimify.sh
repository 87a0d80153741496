#!/bin/bash
# mmdebstrap customize hook: the "slim" variant of the official Debian images
# (debuerreotype-slimify): delete docs, man pages, info and locales now, and leave a dpkg
# config that keeps later `apt-get install`s from bringing them back. Copyright files stay.
# Runs `find` inside the rootfs (chroot) so absolute symlinks resolve there, not on the host.
# Usage: debian-slimify.sh ROOTFS
set -euo pipefail
root="$1"
excludes=(
  '/usr/share/doc/*'
  '/usr/share/doc/kde/HTML/*/*'
  '/usr/share/gnome/help/*/*'
  '/usr/share/info/*'
  '/usr/share/linda/*'
  '/usr/share/lintian/overrides/*'
  '/usr/share/locale/*'
  '/usr/share/man/*'
  '/usr/share/omf/*/*-*.emf'
)
includes=(
  '/usr/share/doc/*/copyright'
  '/usr/share/doc/kde/HTML/C/*'
  '/usr/share/gnome/help/*/C/*'
  '/usr/share/locale/all_languages'
  '/usr/share/locale/currency/*'
  '/usr/share/locale/l10n/*'
  '/usr/share/locale/languages'
  '/usr/share/locale/locale.alias'
  '/usr/share/omf/*/*-C.emf'
)
cfg="$root/etc/dpkg/dpkg.cfg.d/docker"
{
  echo '# This is the "slim" variant of the Debian base image.'
  echo '# Many files which are normally unnecessary in containers are excluded,'
  echo '# and this configuration file keeps them that way.'
} > "$cfg"
keep=( '(' )
for inc in "${includes[@]}"; do
  [ "${#keep[@]}" -eq 1 ] || keep+=( -o )
  keep+=( -path "$inc" )
done
keep+=( ')' )
for exc in "${excludes[@]}"; do
  printf '\npath-exclude %s\n' "$exc" >> "$cfg"
  dir="$(dirname "$exc")"
  [ -d "$root$dir" ] || continue
  # files first (not the kept ones), then dangling symlinks and empty directories until none are left
  chroot "$root" find "$dir" -depth -mindepth 1 -not \( -type d -o -type l \) -not "${keep[@]}" -exec rm -f '{}' +
  while [ "$(chroot "$root" find "$dir" -depth -mindepth 1 \( -empty -o -xtype l \) -exec rm -rf '{}' ';' -printf '.' | wc -c)" -gt 0 ]; do :; done
done
echo >> "$cfg"
for inc in "${includes[@]}"; do echo "path-include $inc" >> "$cfg"; done
chmod 0644 "$cfg"
