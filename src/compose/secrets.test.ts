/**
 * Compose `secrets:` and `configs:` outside swarm: how the loader reads them, how a container gets
 * them (bind mounts of files, files copied in for environment/content ones), what `compose config`
 * prints back, and the Secrets/ConfigMaps `compose kube` writes for them.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadProject, ComposeFileError } from './loader';
import { ComposeError, configHash, containerCreateBody, fileRefPlan } from './convert';
import { renderProject } from './render';
import { toKube, type KubeObject } from './kube';

let root: string;
before(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'berth-secrets-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function dirWith(files: Record<string, string>): string {
  const dir = path.join(root, `p${n++}`);
  for (const [f, text] of Object.entries(files)) {
    const to = path.join(dir, f);
    mkdirSync(path.dirname(to), { recursive: true });
    writeFileSync(to, text);
  }
  return dir;
}
const load = (dir: string, env: Record<string, string> = {}) => loadProject({ workingDir: dir, projectName: 'shop', env });
const fails = (p: Promise<unknown>, re: RegExp) => assert.rejects(p, (e: unknown) => e instanceof ComposeFileError && re.test(e.message));

const SAMPLE = [
  'services:',
  '  app:',
  '    image: bb',
  '    secrets:',
  '      - db-password',
  '      - source: token',
  '        target: api/token',
  '        uid: "1000"',
  '        gid: "1001"',
  '        mode: 0440',
  '      - source: db-password',
  '        target: /etc/app/pw',
  '    configs:',
  '      - app.conf',
  '      - source: banner',
  '        target: etc/banner.txt',
  '        mode: "0600"',
  'secrets:',
  '  db-password:',
  '    file: ./db/password.txt',
  '  token:',
  '    environment: TOKEN',
  'configs:',
  '  app.conf:',
  '    file: conf/app.conf',
  '  banner:',
  '    content: "hello ${WHO}"',
].join('\n');

describe('loading', () => {
  it('top-level secrets and configs: file paths absolute, names project-prefixed, content interpolated', async () => {
    const dir = dirWith({ 'compose.yaml': SAMPLE });
    const p = await load(dir, { WHO: 'you' });
    assert.deepEqual(p.secrets, {
      'db-password': { name: 'shop_db-password', external: false, file: path.join(dir, 'db/password.txt'), labels: {} },
      token: { name: 'shop_token', external: false, environment: 'TOKEN', labels: {} },
    });
    assert.deepEqual(p.configs, {
      'app.conf': { name: 'shop_app.conf', external: false, file: path.join(dir, 'conf/app.conf'), labels: {} },
      banner: { name: 'shop_banner', external: false, content: 'hello you', labels: {} },
    });
  });

  it('service short and long syntax; a leading-zero mode is octal as in compose, a string mode too', async () => {
    const p = await load(dirWith({ 'compose.yaml': SAMPLE }));
    assert.deepEqual(p.services.app!.secrets, [
      { source: 'db-password' },
      { source: 'token', target: 'api/token', uid: '1000', gid: '1001', mode: 0o440 },
      { source: 'db-password', target: '/etc/app/pw' },
    ]);
    assert.deepEqual(p.services.app!.configs, [{ source: 'app.conf' }, { source: 'banner', target: 'etc/banner.txt', mode: 0o600 }]);
  });

  it('external ones keep their name; `external: {name}` is the old spelling', async () => {
    const p = await load(dirWith({ 'compose.yaml': 'services:\n  a:\n    image: bb\n    secrets: [x, y]\nsecrets:\n  x:\n    external: true\n  y:\n    external:\n      name: real-y\n' }));
    assert.deepEqual([p.secrets.x!.name, p.secrets.x!.external, p.secrets.y!.name], ['x', true, 'real-y']);
  });

  it('an undefined secret or config, or one without a source, is refused in compose words', async () => {
    await fails(load(dirWith({ 'compose.yaml': 'services:\n  a:\n    image: bb\n    secrets: [nope]\n' })), /^service "a" refers to undefined secret nope: invalid compose project$/);
    await fails(load(dirWith({ 'compose.yaml': 'services:\n  a:\n    image: bb\n    configs: [nope]\nconfigs:\n  other:\n    content: x\n' })), /^service "a" refers to undefined config nope: invalid compose project$/);
    await fails(load(dirWith({ 'compose.yaml': 'services:\n  a:\n    image: bb\nsecrets:\n  s:\n    labels: { a: b }\n' })), /secret "s" must declare either `file` or `environment`/);
    await fails(load(dirWith({ 'compose.yaml': 'services:\n  a:\n    image: bb\nconfigs:\n  c:\n    file: ./x\n    content: y\n' })), /config "c" must declare only one of/);
    await fails(load(dirWith({ 'compose.yaml': 'services:\n  a:\n    image: bb\n    secrets: [{ source: s, mode: "rw" }]\nsecrets:\n  s:\n    file: ./s\n' })), /services\.a\.secrets\[0\]\.mode: invalid file mode "rw"/);
    // the schema: `content` is a config's, not a secret's
    await fails(load(dirWith({ 'compose.yaml': 'services:\n  a:\n    image: bb\nsecrets:\n  s:\n    content: x\n' })), /secrets\.s/);
  });

  it('a later file overrides a service secret by its target', async () => {
    const dir = dirWith({
      'compose.yaml': 'services:\n  a:\n    image: bb\n    secrets: [{ source: s, target: t }]\nsecrets:\n  s:\n    file: ./s\n  s2:\n    file: ./s2\n',
      'compose.override.yaml': 'services:\n  a:\n    secrets: [{ source: s2, target: t }]\n',
    });
    assert.deepEqual((await load(dir)).services.a!.secrets, [{ source: 's2', target: 't' }]);
  });
});

describe('containers', () => {
  it('file ones are read-only binds at /run/secrets/<target|source> and /<target|source>; inline ones are copied in with uid/gid/mode', async () => {
    const p = await load(dirWith({ 'compose.yaml': SAMPLE }), { TOKEN: 's3cret', WHO: 'you' });
    const dir = p.workingDir;
    const plan = fileRefPlan(p, p.services.app!);
    assert.deepEqual(plan.mounts, [
      { Type: 'bind', Source: path.join(dir, 'db/password.txt'), Target: '/run/secrets/db-password', ReadOnly: true },
      { Type: 'bind', Source: path.join(dir, 'db/password.txt'), Target: '/etc/app/pw', ReadOnly: true },
      { Type: 'bind', Source: path.join(dir, 'conf/app.conf'), Target: '/app.conf', ReadOnly: true },
    ]);
    assert.deepEqual(plan.files, [
      { path: '/run/secrets/api/token', data: Buffer.from('s3cret'), mode: 0o440, uid: 1000, gid: 1001 },
      { path: '/etc/banner.txt', data: Buffer.from('hello you'), mode: 0o600, uid: 0, gid: 0 },
    ]);
    assert.deepEqual(plan.warnings, []);
    assert.deepEqual(containerCreateBody(p, p.services.app!, 1).HostConfig!.Mounts, plan.mounts);
  });

  it('an inline one is 0444 by default; uid/gid/mode on a file one are ignored with compose\'s warning', async () => {
    const p = await load(dirWith({ 'compose.yaml': 'services:\n  a:\n    image: bb\n    secrets: [{ source: f, mode: 0400 }, e]\nsecrets:\n  f:\n    file: ./f\n  e:\n    environment: E\n' }), { E: 'v' });
    const plan = fileRefPlan(p, p.services.a!);
    assert.equal(plan.files[0]!.mode, 0o444);
    assert.deepEqual(plan.warnings, ['secrets `uid`, `gid` and `mode` are not supported, they will be ignored']);
  });

  it('an unset variable and an external secret fail in compose words', async () => {
    const p = await load(dirWith({ 'compose.yaml': 'services:\n  a:\n    image: bb\n    secrets: [e]\n  b:\n    image: bb\n    configs: [x]\nsecrets:\n  e:\n    environment: NOPE\nconfigs:\n  x:\n    external: true\n' }));
    assert.throws(() => fileRefPlan(p, p.services.a!), (e: unknown) => e instanceof ComposeError && e.message === 'environment variable "NOPE" required by file "shop_e" is not set');
    assert.throws(() => fileRefPlan(p, p.services.b!), (e: unknown) => e instanceof ComposeError && e.message === 'unsupported external config x');
  });

  it('the config hash changes with a secret\'s value or file content, and not for services without any', async () => {
    const dir = dirWith({ 'compose.yaml': 'services:\n  a:\n    image: bb\n    secrets: [f, e]\n  b:\n    image: bb\nsecrets:\n  f:\n    file: ./f\n  e:\n    environment: E\n', f: 'one' });
    const p1 = await load(dir, { E: 'x' });
    const h1 = configHash(p1, p1.services.a!);
    assert.equal(configHash(p1, p1.services.a!), h1);
    const p2 = await load(dir, { E: 'y' });
    assert.notEqual(configHash(p2, p2.services.a!), h1);
    writeFileSync(path.join(dir, 'f'), 'two');
    assert.notEqual(configHash(p1, p1.services.a!), h1);
    assert.equal(configHash(p1, p1.services.b!), configHash(p2, p2.services.b!));
  });
});

describe('compose config', () => {
  it('prints them back in a form that loads to the same project', async () => {
    const dir = dirWith({ 'compose.yaml': SAMPLE });
    const p = await load(dir, { WHO: 'you' });
    const text = renderProject(p);
    assert.match(text, /secrets:\n {6}- source: db-password\n {6}- source: token\n {8}target: api\/token\n {8}uid: "1000"\n {8}gid: "1001"\n {8}mode: 288\n/);
    assert.match(text, new RegExp(`\\n {2}db-password:\\n {4}name: shop_db-password\\n {4}file: ${path.join(dir, 'db/password.txt')}\\n`));
    writeFileSync(path.join(dir, 'rendered.yaml'), text);
    const again = await loadProject({ workingDir: dir, files: [path.join(dir, 'rendered.yaml')], projectName: 'shop', env: {} });
    assert.deepEqual(again.secrets, p.secrets);
    assert.deepEqual(again.configs, p.configs);
    assert.deepEqual(again.services.app!.secrets, p.services.app!.secrets);
    assert.deepEqual(again.services.app!.configs, p.services.app!.configs);
  });
});

describe('compose kube', () => {
  const find = (objs: KubeObject[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name) as Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any -- test lookups into nested manifests

  it('a Secret and a ConfigMap per one used, each key mounted alone at the compose path', async () => {
    const dir = dirWith({ 'compose.yaml': SAMPLE, 'db/password.txt': 'pw\n', 'conf/app.conf': 'x=1\n' });
    const p = await load(dir, { TOKEN: 's3cret', WHO: 'you' });
    const { objects, warnings } = toKube(p);
    assert.deepEqual(find(objects, 'Secret', 'db-password'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-password', labels: { 'app.kubernetes.io/part-of': 'shop' } }, type: 'Opaque', data: { 'db-password': Buffer.from('pw\n').toString('base64') } });
    assert.deepEqual(find(objects, 'Secret', 'token')!.data, { token: Buffer.from('s3cret').toString('base64') });
    assert.deepEqual(find(objects, 'ConfigMap', 'app-conf')!.data, { 'app.conf': 'x=1\n' });
    assert.deepEqual(find(objects, 'ConfigMap', 'banner')!.data, { banner: 'hello you' });
    const pod = find(objects, 'Deployment', 'app')!.spec.template.spec;
    assert.deepEqual(pod.volumes, [
      { name: 'secret-db-password', secret: { secretName: 'db-password', items: [{ key: 'db-password', path: 'db-password', mode: 0o444 }] } },
      { name: 'secret-token', secret: { secretName: 'token', items: [{ key: 'token', path: 'token', mode: 0o440 }] } },
      { name: 'secret-db-password-2', secret: { secretName: 'db-password', items: [{ key: 'db-password', path: 'db-password', mode: 0o444 }] } },
      { name: 'config-app-conf', configMap: { name: 'app-conf', items: [{ key: 'app.conf', path: 'app.conf', mode: 0o444 }] } },
      { name: 'config-banner', configMap: { name: 'banner', items: [{ key: 'banner', path: 'banner', mode: 0o600 }] } },
    ]);
    assert.deepEqual(pod.containers[0].volumeMounts, [
      { name: 'secret-db-password', mountPath: '/run/secrets/db-password', subPath: 'db-password', readOnly: true },
      { name: 'secret-token', mountPath: '/run/secrets/api/token', subPath: 'token', readOnly: true },
      { name: 'secret-db-password-2', mountPath: '/etc/app/pw', subPath: 'db-password', readOnly: true },
      { name: 'config-app-conf', mountPath: '/app.conf', subPath: 'app.conf', readOnly: true },
      { name: 'config-banner', mountPath: '/etc/banner.txt', subPath: 'banner', readOnly: true },
    ]);
    assert.ok(warnings.some((w) => /secret token: uid\/gid have no per-file counterpart/.test(w)));
  });

  it('a long name used twice gives two distinct valid volume names', async () => {
    const long = 'k'.repeat(80);
    const p = await load(dirWith({ 'compose.yaml': `services:\n  a:\n    image: bb\n    secrets: [${long}, { source: ${long}, target: /x }]\nsecrets:\n  ${long}:\n    environment: E\n` }), { E: 'v' });
    const names = (find(toKube(p).objects, 'Deployment', 'a')!.spec.template.spec.volumes as Array<{ name: string }>).map((v) => v.name);
    assert.equal(new Set(names).size, 2);
    for (const n of names) assert.match(n, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  });

  it('external ones and missing sources are warned about; unused ones are not written; binary configs go to binaryData', async () => {
    const dir = dirWith({ 'compose.yaml': 'services:\n  a:\n    image: bb\n    secrets: [ext, gone]\n    configs: [bin]\nsecrets:\n  ext:\n    external: true\n  gone:\n    file: ./nothing\n  unused:\n    file: ./x\nconfigs:\n  bin:\n    file: ./bin\n', bin: '' });
    writeFileSync(path.join(dir, 'bin'), Buffer.from([0xff, 0x00, 0xfe]));
    const { objects, warnings } = toKube(await load(dir));
    assert.equal(find(objects, 'Secret', 'ext'), undefined);
    assert.equal(find(objects, 'Secret', 'unused'), undefined);
    assert.equal(find(objects, 'Secret', 'gone')!.data, undefined);
    assert.deepEqual(find(objects, 'ConfigMap', 'bin')!.binaryData, { bin: '/wD+' });
    assert.ok(warnings.some((w) => /^secret ext is external: it must exist in the cluster as a Secret named ext with the key ext$/.test(w)));
    assert.ok(warnings.some((w) => /^secret gone: .*nothing: no such file, so the Secret gone has no key gone/.test(w)));
  });
});
