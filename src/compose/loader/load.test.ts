import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadProject, normalizeProjectName, ComposeFileError, type LoadOptions } from './index';

let root: string;
before(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'berth-compose-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh project directory holding the given files. */
function project(files: Record<string, string>, dirName = `proj${n++}`): string {
  const dir = path.join(root, dirName);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

const load = (dir: string, opts: LoadOptions = {}) => loadProject({ workingDir: dir, env: {}, ...opts });
const fails = (p: Promise<unknown>, re: RegExp) => assert.rejects(p, (e: unknown) => e instanceof ComposeFileError && re.test(e.message));

describe('file lookup', () => {
  it('compose.yaml first, its override merged after it', async () => {
    const dir = project({
      'compose.yaml': 'services:\n  web:\n    image: a\n',
      'docker-compose.yml': 'services:\n  other:\n    image: x\n',
      'compose.override.yaml': 'services:\n  web:\n    image: b\n',
    });
    const p = await load(dir);
    assert.deepEqual(Object.keys(p.services), ['web']);
    assert.equal(p.services.web.image, 'b');
    assert.deepEqual(p.composeFiles, [path.join(dir, 'compose.yaml'), path.join(dir, 'compose.override.yaml')]);
  });
  it('docker-compose.yml when it is the only one', async () => {
    const p = await load(project({ 'docker-compose.yml': 'services:\n  w:\n    image: a\n' }));
    assert.equal(p.services.w.image, 'a');
  });
  it('no file is an error', () => fails(load(project({ 'x.txt': '' })), /no configuration file provided/));
  it('a missing -f file is an error', () => fails(load(project({}), { files: ['nope.yaml'] }), /open .*nope.yaml: no such file/));
  it('an empty file is an error', () => fails(load(project({ 'compose.yaml': '' })), /empty compose file/));
});

describe('project name', () => {
  it('option, then COMPOSE_PROJECT_NAME, then name:, then the directory', async () => {
    const dir = project({ 'compose.yaml': 'name: From_File\nservices:\n  w:\n    image: a\n' }, 'My.Dir');
    assert.equal((await load(dir, { projectName: 'opt' })).name, 'opt');
    assert.equal((await load(dir, { env: { COMPOSE_PROJECT_NAME: 'envname' } })).name, 'envname');
    assert.equal((await load(dir)).name, 'from_file');
    const bare = project({ 'compose.yaml': 'services:\n  w:\n    image: a\n' }, '_My.Dir-1');
    assert.equal((await load(bare)).name, 'mydir-1');
  });
  it('normalizes', () => {
    assert.equal(normalizeProjectName('-_Hello World.2'), 'helloworld2');
    assert.equal(normalizeProjectName('a_b-c'), 'a_b-c');
  });
  it('is interpolated and available as ${COMPOSE_PROJECT_NAME}', async () => {
    const dir = project({ 'compose.yaml': 'name: app-${STAGE}\nservices:\n  w:\n    image: img:${COMPOSE_PROJECT_NAME}\n' });
    const p = await load(dir, { env: { STAGE: 'prod' } });
    assert.equal(p.name, 'app-prod');
    assert.equal(p.services.w.image, 'img:app-prod');
  });
});

describe('environment and interpolation', () => {
  it('.env feeds interpolation, the process env wins', async () => {
    const dir = project({
      '.env': 'TAG=fromdotenv\nPORT=8000\nCOMPOSE_PROJECT_NAME=dotname\n',
      'compose.yaml': 'services:\n  w:\n    image: img:${TAG}\n    ports: ["${PORT}:80"]\n',
    });
    const p = await load(dir, { env: { TAG: 'fromenv' } });
    assert.equal(p.services.w.image, 'img:fromenv');
    assert.deepEqual(p.services.w.ports, [{ target: 80, published: '8000', protocol: 'tcp' }]);
    assert.equal(p.name, 'dotname');
  });
  it('required variables fail with compose\'s message', () =>
    fails(load(project({ 'compose.yaml': 'services:\n  w:\n    image: ${IMG:?set IMG}\n' })), /services.w.image: required variable IMG is missing a value: set IMG/));
  it('unset variables warn', async () => {
    const warnings: string[] = [];
    await load(project({ 'compose.yaml': 'services:\n  w:\n    image: a$NOPE\n' }), { onWarning: (w) => warnings.push(w) });
    assert.deepEqual(warnings, ['The "NOPE" variable is not set. Defaulting to a blank string.']);
  });
  it('env_file first, then environment (list or map); a bare name comes from the host', async () => {
    const dir = project({
      'a.env': 'A=1\nB=from_file\nC=${HOSTVAR}\n',
      'compose.yaml': 'services:\n  w:\n    image: a\n    env_file: a.env\n    environment:\n      - B=from_env\n      - HOSTVAR\n      - MISSING\n      - EMPTY=\n',
      'compose.map.yaml': 'services:\n  w:\n    image: a\n    environment:\n      N: 1\n      T: true\n      X:\n',
    });
    const p = await load(dir, { env: { HOSTVAR: 'h' } });
    assert.deepEqual(p.services.w.environment, { A: '1', B: 'from_env', C: 'h', HOSTVAR: 'h', MISSING: null, EMPTY: '' });
    assert.deepEqual(p.services.w.envFiles, [path.join(dir, 'a.env')]);
    const m = await load(dir, { files: ['compose.map.yaml'] });
    assert.deepEqual(m.services.w.environment, { N: '1', T: 'true', X: null });
  });
  it('a missing env_file fails unless required: false', async () => {
    await fails(load(project({ 'compose.yaml': 'services:\n  w:\n    image: a\n    env_file: nope.env\n' })), /env file .*nope.env not found/);
    const p = await load(project({ 'compose.yaml': 'services:\n  w:\n    image: a\n    env_file:\n      - path: nope.env\n        required: false\n' }));
    assert.deepEqual(p.services.w.envFiles, []);
  });
  it('$$ stays a literal $', async () => {
    const p = await load(project({ 'compose.yaml': "services:\n  w:\n    image: a\n    command: echo $$HOME\n" }));
    assert.deepEqual(p.services.w.command, ['echo', '$HOME']);
  });
});

describe('merging -f files', () => {
  const base = `services:
  web:
    image: a
    command: ["run", "a"]
    ports: ["80:80", "443:443"]
    expose: ["1"]
    dns: 1.1.1.1
    environment: [A=1, B=1]
    labels: {l1: a}
    volumes: ["./data:/data", "logs:/logs"]
    depends_on: [db]
  db:
    image: db
volumes:
  logs: {}
`;
  const over = `services:
  web:
    image: b
    command: run b
    ports: ["443:443", "8080:8080"]
    expose: ["1", "2"]
    dns: [1.1.1.1, 8.8.8.8]
    environment: {B: 2, C: 3}
    labels: [l2=b]
    volumes: ["./other:/data:ro"]
    depends_on:
      db:
        condition: service_healthy
`;
  it('replaces scalars and commands, appends ports/expose/dns uniquely, merges env/labels by key, volumes by target', async () => {
    const dir = project({ 'compose.yaml': base, 'over.yaml': over });
    const p = await load(dir, { files: ['compose.yaml', 'over.yaml'] });
    const w = p.services.web;
    assert.equal(w.image, 'b');
    assert.deepEqual(w.command, ['run', 'b']);
    assert.deepEqual(w.ports.map((x) => x.target), [80, 443, 8080]);
    assert.deepEqual(w.expose, ['1', '2']);
    assert.deepEqual(w.dns, ['1.1.1.1', '8.8.8.8']);
    assert.deepEqual(w.environment, { A: '1', B: '2', C: '3' });
    assert.deepEqual(w.labels, { l1: 'a', l2: 'b' });
    assert.deepEqual(w.volumes, [
      { type: 'bind', source: path.join(dir, 'other'), target: '/data', readOnly: true, createHostPath: true },
      { type: 'volume', source: 'logs', target: '/logs', readOnly: false },
    ]);
    assert.deepEqual(w.dependsOn, { db: { condition: 'service_healthy', restart: false, required: true } });
  });
  it('!reset drops a key, !override replaces', async () => {
    const dir = project({
      'compose.yaml': base,
      'over.yaml': 'services:\n  web:\n    ports: !reset []\n    command: !reset null\n    environment: !override {Z: z}\n',
    });
    const w = (await load(dir, { files: ['compose.yaml', 'over.yaml'] })).services.web;
    assert.deepEqual(w.ports, []);
    assert.equal(w.command, undefined);
    assert.deepEqual(w.environment, { Z: 'z' });
  });
  it('relative paths in every file are from the project directory', async () => {
    const dir = project({ 'compose.yaml': 'services:\n  w:\n    build: ./app\n', 'sub/over.yaml': 'services:\n  w:\n    volumes: [./x:/x]\n' });
    const w = (await load(dir, { files: ['compose.yaml', 'sub/over.yaml'] })).services.w;
    assert.equal(w.build?.context, path.join(dir, 'app'));
    assert.equal(w.volumes[0].source, path.join(dir, 'x'));
  });
});

describe('normalization', () => {
  it('build, healthcheck, scale, networks, volumes, extra_hosts', async () => {
    const dir = project({
      'compose.yaml': `services:
  w:
    build:
      context: app
      args: [A=1, FROMHOST, NOTSET]
      labels: {x: y}
    healthcheck:
      test: curl -f http://localhost
      interval: 1m30s
      timeout: 10s
    deploy: {replicas: 3}
    networks:
      front:
        aliases: [www]
        ipv4_address: 10.0.0.5
      back:
    volumes:
      - type: volume
        source: data
        target: /data
        read_only: true
        volume: {nocopy: true}
      - type: tmpfs
        target: /tmp
        tmpfs: {size: 64m}
      - ~/cfg:/cfg:ro,z
    extra_hosts: {db: 10.0.0.9}
    stop_grace_period: 1m
    init: true
  n:
    image: a
    network_mode: host
    healthcheck: {disable: true}
networks:
  front: {name: custom-front}
  back: {external: true}
  unused: {}
volumes:
  data: {external: {name: legacy}}
`,
    });
    const p = await load(dir, { env: { FROMHOST: 'h', HOME: '/home/u' } });
    const w = p.services.w;
    assert.deepEqual(w.build, { context: path.join(dir, 'app'), dockerfile: 'Dockerfile', args: { A: '1', FROMHOST: 'h' }, labels: { x: 'y' } });
    assert.deepEqual(w.healthcheck, { test: ['CMD-SHELL', 'curl -f http://localhost'], intervalNs: 90e9, timeoutNs: 10e9 });
    assert.equal(w.scale, 3);
    assert.deepEqual(w.networks, { front: { aliases: ['www'], ipv4Address: '10.0.0.5' }, back: null });
    assert.deepEqual(w.volumes, [
      { type: 'volume', source: 'data', target: '/data', readOnly: true, nocopy: true },
      { type: 'tmpfs', target: '/tmp', readOnly: false, tmpfsSize: 64 * 1024 * 1024 },
      { type: 'bind', source: '/home/u/cfg', target: '/cfg', readOnly: true, createHostPath: true },
    ]);
    assert.deepEqual(w.extraHosts, ['db:10.0.0.9']);
    assert.equal(w.stopGracePeriodNs, 60e9);
    assert.equal(w.init, true);
    assert.deepEqual(p.services.n.networks, {});
    assert.equal(p.services.n.networkMode, 'host');
    assert.deepEqual(p.services.n.healthcheck, { disable: true });
    assert.equal(p.networks.front.name, 'custom-front');
    assert.deepEqual([p.networks.back.name, p.networks.back.external], ['back', true]);
    assert.equal(p.networks.unused.name, `${p.name}_unused`);
    assert.equal(p.networks.default, undefined, 'no service is on the default network');
    assert.deepEqual([p.volumes.data.name, p.volumes.data.external], ['legacy', true]);
  });
  it('the default network is implied when a service has no networks', async () => {
    const p = await load(project({ 'compose.yaml': 'services:\n  w:\n    image: a\n' }, 'implied'));
    assert.deepEqual(p.services.w.networks, { default: null });
    assert.equal(p.networks.default.name, 'implied_default');
  });
  it('scale and deploy.replicas must agree', () =>
    fails(load(project({ 'compose.yaml': 'services:\n  w:\n    image: a\n    scale: 2\n    deploy: {replicas: 3}\n' })), /distinct values on 'scale' and 'deploy.replicas'/));
  it('interpolated booleans and numbers', async () => {
    const p = await load(project({ 'compose.yaml': 'services:\n  w:\n    image: a\n    tty: ${TTY}\n    scale: ${N}\n' }), { env: { TTY: 'true', N: '2' } });
    assert.equal(p.services.w.tty, true);
    assert.equal(p.services.w.scale, 2);
  });
});

describe('profiles', () => {
  const file = `services:
  web: {image: a}
  debug: {image: b, profiles: [debug]}
  tools: {image: c, profiles: [tools, debug]}
`;
  it('services without profiles are always on', async () => {
    const dir = project({ 'compose.yaml': file });
    assert.deepEqual(Object.keys((await load(dir)).services), ['web']);
    assert.deepEqual(Object.keys((await load(dir, { profiles: ['debug'] })).services), ['web', 'debug', 'tools']);
    assert.deepEqual(Object.keys((await load(dir, { profiles: ['tools'] })).services), ['web', 'tools']);
    assert.deepEqual(Object.keys((await load(dir, { env: { COMPOSE_PROFILES: 'tools' } })).services), ['web', 'tools']);
    assert.deepEqual(Object.keys((await load(dir, { profiles: ['*'] })).services), ['web', 'debug', 'tools']);
    assert.deepEqual(Object.keys((await load(dir)).disabledServices), ['debug', 'tools']);
  });
  it('a required dependency on a disabled service is an error', () =>
    fails(
      load(project({ 'compose.yaml': 'services:\n  web: {image: a, depends_on: [db]}\n  db: {image: b, profiles: [db]}\n' })),
      /service "db" is required by "web" but is disabled/,
    ));
});

describe('extends', () => {
  it('same file and another file (paths from that file)', async () => {
    const dir = project({
      'compose.yaml': `services:
  base: {image: a, environment: {A: 1}, ports: ["80:80"]}
  web:
    extends: base
    environment: {B: 2}
  api:
    extends: {file: lib/common.yaml, service: common}
    image: override
`,
      'lib/common.yaml': 'services:\n  common:\n    build: ./ctx\n    env_file: vars.env\n    volumes: [./v:/v]\n',
      'lib/vars.env': 'FROM_LIB=1\n',
    });
    const p = await load(dir);
    assert.deepEqual(p.services.web.environment, { A: '1', B: '2' });
    assert.equal(p.services.web.ports.length, 1);
    const api = p.services.api;
    assert.equal(api.image, 'override');
    assert.equal(api.build?.context, path.join(dir, 'lib/ctx'));
    assert.deepEqual(api.environment, { FROM_LIB: '1' });
    assert.equal(api.volumes[0].source, path.join(dir, 'lib/v'));
  });
  it('cycles and missing bases are errors', async () => {
    await fails(load(project({ 'compose.yaml': 'services:\n  a: {extends: b, image: x}\n  b: {extends: a}\n' })), /circular reference with extends/);
    await fails(load(project({ 'compose.yaml': 'services:\n  a: {extends: nope, image: x}\n' })), /cannot extend service "a" .*service "nope" not found/);
  });
});

describe('validation and consistency', () => {
  it('schema errors in compose words, naming the file', async () => {
    const dir = project({ 'compose.yaml': 'services:\n  web:\n    image: a\n    ports: "80:80"\n', 'extra.yaml': 'services:\n  web:\n    image: a\n    foo: 1\n' });
    await fails(load(dir), /^validating .*compose.yaml: services.web.ports must be a list$/);
    await fails(load(dir, { files: ['extra.yaml'] }), /services.web additional property foo is not allowed$/);
  });
  it('YAML errors and duplicate keys', async () => {
    await fails(load(project({ 'compose.yaml': 'services:\n  web: [\n' })), /compose.yaml: /);
    await fails(load(project({ 'compose.yaml': 'services:\n  web: {image: a}\n  web: {image: b}\n' })), /Map keys must be unique/);
  });
  it('YAML anchors and merge keys', async () => {
    const p = await load(project({ 'compose.yaml': 'x-common: &c\n  image: a\n  tty: true\nservices:\n  w:\n    <<: *c\n    image: b\n' }));
    assert.equal(p.services.w.image, 'b');
    assert.equal(p.services.w.tty, true);
  });
  it('undefined networks, volumes, services; no image; cycles', async () => {
    await fails(load(project({ 'compose.yaml': 'services:\n  w: {image: a, networks: [nope]}\n' })), /service "w" refers to undefined network nope: invalid compose project/);
    await fails(load(project({ 'compose.yaml': 'services:\n  w: {image: a, volumes: ["nope:/x"]}\n' })), /service "w" refers to undefined volume nope/);
    await fails(load(project({ 'compose.yaml': 'services:\n  w: {image: a, depends_on: [db]}\n' })), /service "w" depends on undefined service "db"/);
    await fails(load(project({ 'compose.yaml': 'services:\n  w: {environment: [A=1]}\n' })), /neither an image nor a build context/);
    await fails(
      load(project({ 'compose.yaml': 'services:\n  a: {image: a, depends_on: [b]}\n  b: {image: b, depends_on: [a]}\n' })),
      /dependency cycle detected: a -> b -> a/,
    );
  });
  it('network_mode service:x implies a dependency', async () => {
    const p = await load(project({ 'compose.yaml': 'services:\n  a: {image: a, network_mode: "service:b"}\n  b: {image: b}\n' }));
    assert.deepEqual(p.services.a.dependsOn, { b: { condition: 'service_started', restart: false, required: true } });
  });
});
