import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Catalog, Package } from './catalog';
import { matchAdvisories, parseOsv } from './osv';

const pkg = (type: Package['type'], name: string, version: string, source?: string): Package => ({ type, name, version, purl: `pkg:${type}/${name}@${version}`, location: 'x', ...(source ? { source } : {}) });

const CATALOG: Catalog = {
  distro: { id: 'debian', versionId: '12' },
  packages: [pkg('deb', 'libc6', '2.36-9+deb12u4', 'glibc'), pkg('deb', 'bash', '5.2.15-2+b2'), pkg('npm', 'lodash', '4.17.20'), pkg('npm', 'minimist', '1.2.8')],
};

test('OSV: ecosystem ranges, source packages, distro releases, fixed and last_affected, explicit versions', () => {
  const db = parseOsv(
    JSON.stringify({
      vulns: [
        { id: 'DSA-1', summary: 'glibc bug', affected: [{ package: { ecosystem: 'Debian:12', name: 'glibc' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.36-9+deb12u7' }] }] }] },
        { id: 'DSA-OLD', affected: [{ package: { ecosystem: 'Debian:12', name: 'glibc' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.36-9+deb12u1' }] }] }] },
        { id: 'DSA-11', affected: [{ package: { ecosystem: 'Debian:11', name: 'glibc' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }] },
        { id: 'GHSA-lodash', database_specific: { severity: 'HIGH' }, affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '4.0.0' }, { fixed: '4.17.21' }] }] }] },
        { id: 'GHSA-minimist', affected: [{ package: { ecosystem: 'npm', name: 'minimist' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { last_affected: '1.2.5' }] }] }] },
        { id: 'LIST-bash', affected: [{ package: { ecosystem: 'Debian', name: 'bash' }, versions: ['5.2.15-2+b2'] }] },
      ],
    }),
  );
  const found = matchAdvisories(CATALOG, db).map((f) => `${f.id}:${f.package}:${f.fixedIn ?? '-'}:${f.severity ?? '-'}`);
  assert.deepEqual(found, ['LIST-bash:bash:-:-', 'DSA-1:libc6:2.36-9+deb12u7:-', 'GHSA-lodash:lodash:4.17.21:HIGH']);
});

test('OSV: one record, an array, or {vulns}; anything else is refused in words', () => {
  assert.equal(parseOsv('{"id":"X"}').length, 1);
  assert.equal(parseOsv('[{"id":"X"},{"id":"Y"}]').length, 2);
  assert.throws(() => parseOsv('not json'), /advisory database is not JSON/);
  assert.throws(() => parseOsv('[{"nope":1}]'), /entry 0 is not an OSV record/);
});
