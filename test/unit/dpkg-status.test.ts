import { describe, expect, it } from 'vitest';
import { autoInstalled, parseDpkgStatus, recommendedOnly, relations } from '../../harness/inspect/dpkg-status.ts';

// Stanzas as dpkg writes them (trimmed): zip was asked for, unzip came as its Recommends.
const STATUS = `Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Version: 2.41-12
Depends: libgcc-s1
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.

Package: libgcc-s1
Status: install ok installed
Priority: optional
Version: 14.2.0-19
Provides: libgcc1 (= 1:14.2.0-19)
Depends: gcc-14-base (= 14.2.0-19), libc6 (>= 2.35)

Package: gcc-14-base
Status: install ok installed
Priority: required
Version: 14.2.0-19

Package: zip
Status: install ok installed
Priority: optional
Version: 3.0-15+deb13u1
Depends: libbz2-1.0, libc6 (>= 2.34)
Recommends: unzip

Package: libbz2-1.0
Status: install ok installed
Priority: optional
Version: 1.0.8-6

Package: unzip
Status: install ok installed
Priority: optional
Version: 6.0-29+deb13u1
Depends: libbz2-1.0, libc6 (>= 2.34)

Package: tini
Status: install ok installed
Priority: optional
Version: 0.19.0-3+b8
Depends: libc6 (>= 2.34)

Package: bash-completion
Status: deinstall ok config-files
Priority: optional
Version: 1:2.16.0-7
`;

const EXTENDED_STATES = `Package: libbz2-1.0
Architecture: amd64
Auto-Installed: 1

Package: unzip
Architecture: amd64
Auto-Installed: 1
`;

describe('dpkg status', () => {
  it('reads installed packages, their relations and continuation lines', () => {
    const pkgs = parseDpkgStatus(STATUS);
    expect(pkgs.map((p) => p.name)).toContain('bash-completion');
    expect(pkgs.find((p) => p.name === 'bash-completion')?.installed).toBe(false);
    expect(pkgs.find((p) => p.name === 'zip')).toMatchObject({ installed: true, depends: [['libbz2-1.0'], ['libc6']], recommends: [['unzip']] });
    expect(pkgs.find((p) => p.name === 'libgcc-s1')?.provides).toEqual(['libgcc1']);
  });

  it('splits relations into alternatives, without versions, architectures or profiles', () => {
    expect(relations('libc6 (>= 2.34), python3:any | python3-minimal [amd64] <!nocheck>')).toEqual([['libc6'], ['python3', 'python3-minimal']]);
    expect(relations(undefined)).toEqual([]);
  });

  it('finds packages that are there only because another recommends them', () => {
    const pkgs = parseDpkgStatus(STATUS);
    expect(recommendedOnly(pkgs)).toEqual([{ name: 'unzip', recommendedBy: ['zip'] }]);
    expect(recommendedOnly(pkgs, autoInstalled(EXTENDED_STATES))).toEqual([{ name: 'unzip', recommendedBy: ['zip'] }]);
  });

  it('does not count a recommended package someone asked for by name (apt marks it manual)', () => {
    const pkgs = parseDpkgStatus(STATUS);
    expect(recommendedOnly(pkgs, autoInstalled('Package: libbz2-1.0\nAuto-Installed: 1\n'))).toEqual([]);
  });

  it('does not count a recommended package that another package depends on', () => {
    const pkgs = parseDpkgStatus(STATUS.replace('Package: tini\nStatus: install ok installed\nPriority: optional\nVersion: 0.19.0-3+b8\nDepends: libc6 (>= 2.34)',
      'Package: tini\nStatus: install ok installed\nPriority: optional\nVersion: 0.19.0-3+b8\nDepends: libc6 (>= 2.34), unzip'));
    expect(recommendedOnly(pkgs)).toEqual([]);
  });

  it('finds nothing when apt was told --no-install-recommends', () => {
    const pkgs = parseDpkgStatus(STATUS.replace(/\n\nPackage: unzip[\s\S]*?(?=\n\nPackage: tini)/, ''));
    expect(pkgs.some((p) => p.name === 'unzip')).toBe(false);
    expect(recommendedOnly(pkgs)).toEqual([]);
  });
});
