import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { collectImageFiles } from './collect';
import { catalog, wantedPath } from './catalog';

type Entry = { name: string; body?: string; type?: 'file' | 'symlink' | 'directory'; linkname?: string };

/** A layer tar from entries, as a layer blob would hold them. */
function layer(entries: Entry[]): Promise<Readable> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type === 'symlink') pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname! });
    else if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory' });
    else pack.entry({ name: e.name }, e.body ?? '');
  }
  pack.finalize();
  return Promise.resolve(pack as unknown as Readable);
}

const DPKG_STATUS = `Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u4
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Description: GNU C Library
 continuation line

Package: removed-one
Status: deinstall ok config-files
Version: 1.0

Package: bash
Status: install ok installed
Architecture: amd64
Version: 5.2.15-2+b2
Source: bash (5.2.15-2)
`;

const APK_DB = `C:Q1abc=
P:musl
V:1.2.4-r2
A:x86_64
L:MIT
o:musl

P:busybox-binsh
V:1.36.1-r5
A:x86_64
o:busybox
L:GPL-2.0-only
`;

const LOCK_V3 = JSON.stringify({ name: 'app', lockfileVersion: 3, packages: { '': { name: 'app' }, 'node_modules/lodash': { version: '4.17.20' }, 'node_modules/@scope/pkg': { version: '1.2.3' }, 'node_modules/a/node_modules/b': { version: '2.0.0' }, 'node_modules/linked': { link: true } } });

test('catalog: dpkg (installed only, source names), apk, lock files, os-release through its symlink', async () => {
  const files = await collectImageFiles(
    [
      layer([
        { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
        { name: 'usr/lib/os-release', body: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n' },
        { name: 'var/lib/dpkg/status', body: DPKG_STATUS },
        { name: 'lib/apk/db/installed', body: APK_DB },
      ]),
      layer([
        { name: 'app/package-lock.json', body: LOCK_V3 },
        { name: 'app/node_modules/x/package-lock.json', body: LOCK_V3 },
        { name: 'srv/requirements.txt', body: 'requests==2.31.0\nflask>=2 # unpinned\nDjango[argon2]==4.2.1 ; python_version>"3"\n' },
        { name: 'rs/Cargo.lock', body: '[[package]]\nname = "serde"\nversion = "1.0.190"\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n' },
        { name: 'go/go.mod', body: 'module example.com/app\n\ngo 1.21\n\nrequire (\n\tgolang.org/x/net v0.17.0\n\tgithub.com/pkg/errors v0.9.1 // indirect\n)\n' },
      ]),
    ],
    wantedPath,
  );
  const c = catalog(files);
  assert.deepEqual(c.distro, { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
  const by = (t: string) => c.packages.filter((p) => p.type === t).map((p) => `${p.name}@${p.version}`);
  assert.deepEqual(by('deb'), ['libc6@2.36-9+deb12u4', 'bash@5.2.15-2+b2']);
  const libc = c.packages.find((p) => p.name === 'libc6')!;
  assert.equal(libc.purl, 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc');
  assert.equal(libc.source, 'glibc');
  assert.equal(c.packages.find((p) => p.name === 'bash')!.source, 'bash');
  assert.deepEqual(by('apk'), ['musl@1.2.4-r2', 'busybox-binsh@1.36.1-r5']);
  assert.equal(c.packages.find((p) => p.name === 'busybox-binsh')!.license, 'GPL-2.0-only');
  assert.deepEqual(by('npm').sort(), ['@scope/pkg@1.2.3', 'b@2.0.0', 'lodash@4.17.20']);
  assert.equal(c.packages.find((p) => p.name === '@scope/pkg')!.purl, 'pkg:npm/%40scope/pkg@1.2.3');
  assert.deepEqual(by('pypi'), ['requests@2.31.0', 'django@4.2.1']);
  assert.deepEqual(by('cargo'), ['serde@1.0.190', 'app@0.1.0']);
  assert.deepEqual(by('golang'), ['golang.org/x/net@v0.17.0', 'github.com/pkg/errors@v0.9.1']);
  assert.equal(c.packages.find((p) => p.name === 'lodash')!.location, 'app/package-lock.json');
});

test('collect: a whiteout removes a file of a lower layer, an opaque directory hides its old contents, a later layer replaces', async () => {
  const files = await collectImageFiles(
    [
      layer([
        { name: 'a/package-lock.json', body: LOCK_V3 },
        { name: 'b/package-lock.json', body: LOCK_V3 },
        { name: 'c/requirements.txt', body: 'old==1.0\n' },
        { name: 'var/lib/dpkg/status', body: DPKG_STATUS },
      ]),
      layer([{ name: 'a/.wh.package-lock.json' }, { name: 'b/.wh..wh..opq' }, { name: 'c/requirements.txt', body: 'new==2.0\n' }, { name: 'var/lib/.wh.dpkg' }]),
    ],
    wantedPath,
  );
  const c = catalog(files);
  assert.deepEqual(c.packages.map((p) => `${p.type}:${p.name}@${p.version}`), ['pypi:new@2.0']);
});
