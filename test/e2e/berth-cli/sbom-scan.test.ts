/**
 * `berth sbom` and `berth scan` on a real Debian 12 image (mmdebstrap) and an app image built on it:
 * every installed dpkg package is listed with its purl, lock files in later layers count, a file removed by a
 * later layer does not, and an advisory planted for an installed package is found.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { startDaemon, cli, BERTH, type TestDaemon } from '../../kit/daemon';
import { debianRootfsTar } from '../../kit/debian';

let d: TestDaemon;
const berth = (args: string[]) => cli(BERTH, d, args, { timeoutMs: 180_000 });

/** Installed packages and versions, straight from the rootfs tarball's dpkg status. */
function installedFromTar(tarFile: string): Map<string, string> {
  const status = execFileSync('tar', ['-xOf', tarFile, './var/lib/dpkg/status'], { maxBuffer: 64 << 20 }).toString();
  const out = new Map<string, string>();
  for (const para of status.split('\n\n')) {
    const name = /^Package: (.+)$/m.exec(para)?.[1];
    const version = /^Version: (.+)$/m.exec(para)?.[1];
    if (name && version && /^Status: .* installed$/m.test(para)) out.set(name, version);
  }
  return out;
}

describe('berth sbom and berth scan', () => {
  let tarFile: string;
  let installed: Map<string, string>;
  before(async () => {
    tarFile = await debianRootfsTar();
    installed = installedFromTar(tarFile);
    d = await startDaemon('sbom');
    const r = await berth(['import', tarFile, 'deb12:latest']);
    assert.equal(r.code, 0, r.stderr);
    const ctx = path.join(d.base, 'app');
    await fs.mkdir(path.join(ctx, 'app'), { recursive: true });
    await fs.writeFile(path.join(ctx, 'app/package-lock.json'), JSON.stringify({ name: 'app', lockfileVersion: 3, packages: { '': { name: 'app' }, 'node_modules/lodash': { version: '4.17.20' } } }));
    await fs.writeFile(path.join(ctx, 'app/requirements.txt'), 'requests==2.31.0\n');
    await fs.writeFile(path.join(ctx, 'Dockerfile'), 'FROM deb12\nCOPY app /app\nRUN rm /app/requirements.txt\n');
    const b = await berth(['build', '-q', '--network', 'none', '-t', 'app:1', ctx]);
    assert.equal(b.code, 0, b.stderr);
  });
  after(async () => {
    await d?.close();
  });

  test('SPDX 2.3: every installed dpkg package with its version and a Debian purl', async () => {
    const r = await berth(['sbom', 'deb12']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { spdxVersion: string; SPDXID: string; packages: Array<{ name: string; SPDXID: string; versionInfo: string; downloadLocation: string; externalRefs?: Array<{ referenceType: string; referenceLocator: string }> }>; relationships: Array<{ relationshipType: string }> };
    assert.equal(doc.spdxVersion, 'SPDX-2.3');
    assert.equal(doc.SPDXID, 'SPDXRef-DOCUMENT');
    const pkgs = doc.packages.filter((p) => p.SPDXID !== 'SPDXRef-Image');
    assert.ok(installed.size > 40, `mmdebstrap essential has dozens of packages, got ${installed.size}`);
    assert.deepEqual(new Map(pkgs.map((p) => [p.name, p.versionInfo])), installed);
    for (const p of pkgs) {
      assert.match(p.SPDXID, /^SPDXRef-[A-Za-z0-9.-]+$/);
      assert.equal(p.downloadLocation, 'NOASSERTION');
      assert.match(p.externalRefs?.[0]?.referenceLocator ?? '', new RegExp(`^pkg:deb/debian/${p.name.replace(/[+.]/g, (c) => (c === '+' ? '%2B' : '\\.'))}@.*distro=debian-12`));
    }
    assert.equal(new Set(pkgs.map((p) => p.SPDXID)).size, pkgs.length, 'SPDX ids are unique');
    assert.equal(doc.relationships.filter((x) => x.relationshipType === 'CONTAINS').length, pkgs.length);
  });

  test('CycloneDX 1.5 of an image built on it: lock files of later layers count, a file a later layer removed does not', async () => {
    const out = path.join(d.base, 'app.cdx.json');
    const r = await berth(['sbom', '--format', 'cyclonedx-json', '-o', out, 'app:1']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(await fs.readFile(out, 'utf8')) as { bomFormat: string; specVersion: string; components: Array<{ type: string; name: string; version?: string; purl?: string }> };
    assert.equal(doc.bomFormat, 'CycloneDX');
    assert.equal(doc.specVersion, '1.5');
    const purls = doc.components.map((c) => c.purl).filter(Boolean);
    assert.ok(purls.includes('pkg:npm/lodash@4.17.20'), 'the package-lock.json COPYed in');
    assert.ok(!purls.some((p) => p!.startsWith('pkg:pypi/')), 'requirements.txt was removed by a later layer');
    assert.equal(purls.filter((p) => p!.startsWith('pkg:deb/')).length, installed.size);
    assert.deepEqual(doc.components.find((c) => c.type === 'operating-system'), { type: 'operating-system', 'bom-ref': 'os:debian', name: 'debian', version: '12' });
  });

  test('scan finds the advisories planted for installed packages, and only those', async () => {
    const libc = installed.get('libc6')!;
    const db = path.join(d.base, 'osv.json');
    await fs.writeFile(
      db,
      JSON.stringify([
        // distro advisories name the source package: glibc → libc6, libc-bin
        { id: 'PLANTED-GLIBC', summary: 'planted', database_specific: { severity: 'HIGH' }, affected: [{ package: { ecosystem: 'Debian:12', name: 'glibc' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: `${libc}+berth1` }] }] }] },
        { id: 'FIXED-ALREADY', affected: [{ package: { ecosystem: 'Debian:12', name: 'glibc' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0-1' }] }] }] },
        { id: 'OTHER-RELEASE', affected: [{ package: { ecosystem: 'Debian:11', name: 'glibc' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }] },
        { id: 'PLANTED-LODASH', affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }] }] },
      ]),
    );
    const r = await berth(['scan', '--db', db, '--format', 'json', 'app:1']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { distro: string; packages: number; findings: Array<{ id: string; package: string; installed: string; fixedIn?: string }> };
    assert.equal(report.distro, 'debian 12');
    assert.equal(report.packages, installed.size + 1);
    const ids = new Set(report.findings.map((f) => f.id));
    assert.deepEqual([...ids].sort(), ['PLANTED-GLIBC', 'PLANTED-LODASH']);
    const hit = report.findings.find((f) => f.package === 'libc6')!;
    assert.deepEqual([hit.id, hit.installed, hit.fixedIn], ['PLANTED-GLIBC', libc, `${libc}+berth1`]);
    const table = await berth(['scan', '--db', db, '--exit-code', '3', 'deb12']);
    assert.equal(table.code, 3);
    assert.match(table.stdout, /^NAME\s+INSTALLED\s+FIXED-IN\s+VULNERABILITY\s+SEVERITY\n/);
    assert.match(table.stdout, new RegExp(`libc6\\s+${libc.replace(/[+.]/g, '\\$&')}\\s+\\S+\\s+PLANTED-GLIBC\\s+HIGH`));
    assert.match(table.stderr, /vulnerabilities found/);
  });

  test('bad input: the daemon refuses (exit 1, as docker does for daemon errors), the CLI refuses a missing --db (125)', async () => {
    const f = await berth(['sbom', '--format', 'xml', 'deb12']);
    assert.equal(f.code, 1);
    assert.match(f.stderr, /unknown SBOM format "xml"/);
    const img = await berth(['sbom', 'no-such-image']);
    assert.equal(img.code, 1);
    assert.match(img.stderr, /No such image: no-such-image/);
    const bad = path.join(d.base, 'bad.json');
    await fs.writeFile(bad, '[{"nope":1}]');
    const s = await berth(['scan', '--db', bad, 'deb12']);
    assert.equal(s.code, 1);
    assert.match(s.stderr, /not an OSV record/);
    assert.equal((await berth(['scan', 'deb12'])).code, 125);
  });
});
