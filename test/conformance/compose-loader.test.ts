/**
 * Compose loader conformance: compose-go's dotenv fixtures, full-example and CLI
 * test data, and the awesome-compose samples, vendored in data/compose (see its
 * SOURCE.md). Expected dotenv values are ours, written from the fixtures (upstream
 * keeps them in Go test code that is not vendored). full-example is compared with
 * expected.yaml on the fields the model has; SOURCE.md lists what is not compared and why.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseDotenv } from '../../src/compose/loader/dotenv';
import { loadProject, ComposeFileError, type ComposeProject, type ServiceConfig } from '../../src/compose/loader';
import { parseDuration } from '../../src/compose/loader/parse';

/** From dist/test/conformance back to the repo's test/conformance. */
const DATA = path.resolve(__dirname, '../../../test/conformance/data/compose');
const FIXTURES = path.join(DATA, 'compose-go/dotenv-fixtures');

const fixture = (name: string, env: Record<string, string> = {}): Record<string, string> =>
  parseDotenv(readFileSync(path.join(FIXTURES, name), 'utf8'), (k) => env[k]);

describe('compose-go dotenv fixtures', () => {
  const plain = {
    OPTION_A: '1', OPTION_B: '2', OPTION_C: '3', OPTION_D: '4', OPTION_E: '5', 456: 'ABC', OPTION_F: '', OPTION_G: '', OPTION_H: 'my string',
  };
  it('plain.env', () => assert.deepEqual(fixture('plain.env'), plain));
  it('utf8-bom.env (the BOM is not part of the first key)', () => assert.deepEqual(fixture('utf8-bom.env'), plain));
  it('quoted.env', () =>
    assert.deepEqual(fixture('quoted.env'), {
      OPTION_A: '1', OPTION_B: '2', OPTION_C: '', OPTION_D: '\\n', OPTION_E: '1', OPTION_F: '2', OPTION_G: '', OPTION_H: '\n',
      OPTION_I: "echo 'asd'", OPTION_J: 'first line\nsecond line\nthird line\nand so on', OPTION_K: "Let's go!", OPTION_Z: 'last value',
    }));
  it('exported.env', () => assert.deepEqual(fixture('exported.env'), { OPTION_A: '2', OPTION_B: '\\n' }));
  it('equals.env (= inside a quoted value)', () =>
    assert.deepEqual(fixture('equals.env'), { OPTION_A: 'postgres://localhost:5432/database?sslmode=disable' }));
  it('special.env (dots and dashes in names)', () =>
    assert.deepEqual(fixture('special.env'), { 'VAR.WITH.DOTS': 'dots', VAR_WITH_UNDERSCORES: 'underscores', 'VAR-WITH-DASHES': 'dashes' }));
  it('unquoted.env', () =>
    assert.deepEqual(fixture('unquoted.env'), {
      OPTION_A: 'some quoted phrase', OPTION_B: 'first one with an unquoted phrase', OPTION_C: 'then another one with an unquoted phrase',
      OPTION_D: 'then another one with an unquoted phrase special è char', OPTION_E: 'then another one quoted phrase',
    }));
  it('substitutions.env', () =>
    assert.deepEqual(fixture('substitutions.env'), { OPTION_A: '1', OPTION_B: '1', OPTION_C: '1', OPTION_D: '1_1', OPTION_E: '' }));
  it('substitutions-default.env, without and with the variable in the environment', () => {
    assert.deepEqual(fixture('substitutions-default.env'), { OPTION_A: '1', OPTION_B: '1', OPTION_C: '1', OPTION_D: '1_1', OPTION_E: '' });
    assert.deepEqual(fixture('substitutions-default.env', { OPTION_A: '2' }), {
      OPTION_A: '2', OPTION_B: '2', OPTION_C: '2', OPTION_D: '2_2', OPTION_E: '',
    });
  });
  it('inherited-single-var.env / inherited-multi-var.env / inherited-not-found.env', () => {
    const env = { VAR_TO_BE_LOADED_FROM_OS_ENV: 'os' };
    assert.deepEqual(fixture('inherited-single-var.env', env), { VAR_TO_BE_LOADED_FROM_OS_ENV: 'os' });
    assert.deepEqual(fixture('inherited-multi-var.env', env), { foo: 'bar', VAR_TO_BE_LOADED_FROM_OS_ENV: 'os', bar: 'baz' });
    assert.deepEqual(fixture('inherited-not-found.env'), {});
  });
  it('invalid1.env is an error (a name with a space)', () => assert.throws(() => fixture('invalid1.env'), /line 7: unexpected character " "/));
  it('custom.format parses as the KEY: value form', () => assert.deepEqual(fixture('custom.format'), { FOO: 'BAR', ZOT: 'QIX' }));
  it('types-fixtures: base.env then override.env', () => {
    const dir = path.join(DATA, 'compose-go/types-fixtures');
    const base = parseDotenv(readFileSync(path.join(dir, 'base.env'), 'utf8'));
    const merged = { ...base, ...parseDotenv(readFileSync(path.join(dir, 'override.env'), 'utf8'), (k) => base[k]) };
    assert.deepEqual(merged, {
      FOO: 'foo_from_override.env', INTERPOLATED_FOO: 'foo_from_base.env', BAR: 'bar_from_override.env', INTERPOLATED_BAR: 'bar_from_base.env',
      ZOT: 'zot_from_base.env', INTERPOLATED_ZOT: 'zot_from_base.env',
    });
  });
});

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => v !== null && typeof v === 'object' && !Array.isArray(v);
const dict = (v: unknown): Dict => (isDict(v) ? v : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

describe('compose-go full-example against expected.yaml', () => {
  const dir = path.join(DATA, 'compose-go/full-example');
  const HOME = '/home/fulltest';
  const expected = dict(
    parseYaml(readFileSync(path.join(dir, 'expected.yaml'), 'utf8').replaceAll('__WORKDIR__', dir).replaceAll('__HOME__', HOME)),
  );
  let project: ComposeProject;
  // Upstream loads it without its consistency check: foo depends on db and redis, which it doesn't define.
  const load = async (): Promise<ComposeProject> =>
    (project ??= await loadProject({
      files: [path.join(dir, 'full-example.yml')],
      env: { HOME, BAR: 'this is a secret', QUX: 'qux_from_environment' },
      consistency: false,
    }));
  const svc = async (name: string): Promise<[ServiceConfig, Dict]> => [(await load()).services[name], dict(dict(expected.services)[name])];

  it('project name and services', async () => {
    const p = await load();
    assert.equal(p.name, expected.name);
    assert.equal(p.workingDir, dir);
    assert.deepEqual(Object.keys(p.services).sort(), Object.keys(dict(expected.services)).sort());
  });
  it('the consistency check refuses it (undefined services db and redis)', async () => {
    await assert.rejects(
      loadProject({ files: [path.join(dir, 'full-example.yml')], env: { HOME, QUX: 'x' } }),
      (e: unknown) => e instanceof ComposeFileError && /service "?foo"? /.test(e.message),
    );
  });
  it('image, command, entrypoint, restart, and the simple scalars', async () => {
    const [s, e] = await svc('foo');
    assert.equal(s.image, e.image);
    assert.deepEqual(s.command, e.command);
    assert.deepEqual(s.entrypoint, e.entrypoint);
    assert.equal(s.restart, e.restart);
    assert.equal(s.containerName, e.container_name);
    assert.equal(s.hostname, e.hostname);
    assert.equal(s.domainname, e.domainname);
    assert.equal(s.user, e.user);
    assert.equal(s.workingDir, e.working_dir);
    assert.equal(s.networkMode, e.network_mode);
    assert.equal(s.ipc, e.ipc);
    assert.equal(s.pid, e.pid);
    assert.equal(s.stopSignal, e.stop_signal);
    assert.equal(s.stopGracePeriodNs, 20e9); // stop_grace_period: 20s
    assert.equal(s.stopGracePeriodNs, parseDuration(e.stop_grace_period, 'expected'));
    for (const [k, ek] of [['tty', 'tty'], ['stdinOpen', 'stdin_open'], ['privileged', 'privileged'], ['readOnly', 'read_only']] as const) {
      assert.equal(s[k], e[ek], k);
    }
    assert.equal(s.scale, dict(e.deploy).replicas);
  });
  it('lists: cap_add, cap_drop, dns, dns_search, expose, tmpfs, security_opt, links', async () => {
    const [s, e] = await svc('foo');
    assert.deepEqual(s.capAdd, e.cap_add);
    assert.deepEqual(s.capDrop, e.cap_drop);
    assert.deepEqual(s.dns, e.dns);
    assert.deepEqual(s.dnsSearch, e.dns_search);
    assert.deepEqual(s.expose, e.expose);
    assert.deepEqual(s.tmpfs, e.tmpfs);
    assert.deepEqual(s.securityOpt, e.security_opt);
    assert.deepEqual(s.links, e.links);
    // compose prints host=ip; the model keeps the Engine API's host:ip.
    assert.deepEqual(s.extraHosts, list(e.extra_hosts).map((h) => String(h).replace('=', ':')));
  });
  it('environment: env files, then environment, null resolved from the host env', async () => {
    const [s, e] = await svc('foo');
    assert.deepEqual(s.environment, e.environment);
    assert.deepEqual(s.envFiles, list(e.env_file).map((f) => dict(f).path));
  });
  it('labels: label files, then labels', async () => {
    const [s, e] = await svc('foo');
    assert.deepEqual(s.labels, e.labels);
  });
  it('ports (ranges expanded)', async () => {
    const [s, e] = await svc('foo');
    assert.deepEqual(
      s.ports,
      list(e.ports).map((p) => {
        const d = dict(p);
        return { target: d.target, ...(d.published !== undefined ? { published: d.published } : {}), ...(d.host_ip ? { hostIp: d.host_ip } : {}), protocol: d.protocol };
      }),
    );
  });
  it('volumes: type, source, target, read-only', async () => {
    const [s, e] = await svc('foo');
    assert.deepEqual(
      s.volumes.map((v) => ({ type: v.type, source: v.source, target: v.target, readOnly: v.readOnly })),
      list(e.volumes).map((v) => {
        const d = dict(v);
        return { type: d.type, source: d.source, target: d.target, readOnly: d.read_only === true };
      }),
    );
    assert.equal(s.volumes.find((v) => v.type === 'tmpfs')?.tmpfsSize, 10000);
  });
  it('networks', async () => {
    const [s, e] = await svc('foo');
    const want: Dict = {};
    for (const [k, v] of Object.entries(dict(e.networks))) {
      const d = isDict(v) ? v : undefined;
      want[k] = d
        ? { aliases: list(d.aliases), ...(d.ipv4_address ? { ipv4Address: d.ipv4_address } : {}), ...(d.ipv6_address ? { ipv6Address: d.ipv6_address } : {}) }
        : null;
    }
    assert.deepEqual(s.networks, want);
  });
  it('healthcheck', async () => {
    const [s, e] = await svc('foo');
    const h = dict(e.healthcheck);
    assert.deepEqual(s.healthcheck, {
      test: h.test,
      intervalNs: 10e9,
      timeoutNs: 1e9,
      startPeriodNs: 15e9,
      startIntervalNs: 5e9,
      retries: h.retries,
    });
    for (const [ns, k] of [[s.healthcheck?.intervalNs, 'interval'], [s.healthcheck?.timeoutNs, 'timeout'], [s.healthcheck?.startPeriodNs, 'start_period']] as const) {
      assert.equal(ns, parseDuration(h[k], k));
    }
  });
  it('depends_on', async () => {
    const [s, e] = await svc('foo');
    const want: Dict = {};
    for (const [k, v] of Object.entries(dict(e.depends_on))) {
      const d = dict(v);
      want[k] = { condition: d.condition, restart: d.restart === true, required: d.required === true };
    }
    assert.deepEqual(s.dependsOn, want);
  });
  it('build (context, dockerfile, args, target, labels, tags, inline Dockerfile)', async () => {
    const [foo, efoo] = await svc('foo');
    const b = dict(efoo.build);
    assert.deepEqual(foo.build, { context: b.context, dockerfile: b.dockerfile, args: b.args, target: b.target, labels: b.labels, tags: b.tags });
    const [bar, ebar] = await svc('bar');
    assert.equal(bar.build?.context, dict(ebar.build).context);
    assert.equal(bar.build?.dockerfileInline, dict(ebar.build).dockerfile_inline);
  });
  it('sysctls, ulimits, logging', async () => {
    const [s, e] = await svc('foo');
    assert.deepEqual(s.sysctls, e.sysctls);
    const ul = dict(e.ulimits);
    assert.deepEqual(s.ulimits, { nofile: ul.nofile, nproc: { soft: ul.nproc, hard: ul.nproc } });
    assert.deepEqual(s.logging, e.logging);
  });
  it('top-level networks', async () => {
    const p = await load();
    const e = dict(expected.networks);
    // expected.yaml was rendered without the implied default network (bar uses it; see SOURCE.md).
    const { default: implied, ...declared } = p.networks;
    assert.deepEqual(implied, { name: `${p.name}_default`, external: false, driverOpts: {}, internal: false, labels: {} });
    assert.deepEqual(Object.keys(declared).sort(), Object.keys(e).sort());
    for (const [k, raw] of Object.entries(e)) {
      const x = dict(raw);
      const n = p.networks[k];
      const external = x.external === true;
      // expected.yaml only prints a name that was given; the rest are named by the project.
      assert.equal(n.name, x.name ?? (external ? k : `${p.name}_${k}`), k);
      assert.equal(n.external, external, k);
      assert.equal(n.driver, x.driver, k);
      assert.deepEqual(n.driverOpts, x.driver_opts ?? {}, k);
      assert.deepEqual(n.labels, x.labels ?? {}, k);
      const ipam = dict(x.ipam);
      assert.deepEqual(
        n.ipam,
        ipam.config === undefined
          ? undefined
          : list(ipam.config).map((c) => {
              const d = dict(c);
              return { subnet: d.subnet, gateway: d.gateway, ...(d.ip_range ? { ipRange: d.ip_range } : {}) };
            }),
        k,
      );
    }
  });
  it('top-level volumes', async () => {
    const p = await load();
    const e = dict(expected.volumes);
    assert.deepEqual(Object.keys(p.volumes).sort(), Object.keys(e).sort());
    for (const [k, raw] of Object.entries(e)) {
      const x = dict(raw);
      const v = p.volumes[k];
      const external = x.external === true;
      assert.equal(v.name, x.name ?? (external ? k : `${p.name}_${k}`), k);
      assert.equal(v.external, external, k);
      assert.equal(v.driver, x.driver, k);
      assert.deepEqual(v.driverOpts, x.driver_opts ?? {}, k);
      assert.deepEqual(v.labels, x.labels ?? {}, k);
    }
  });
});

/** Values for the variables the samples read from their .env (present for four of them) or the environment. */
const SAMPLE_ENV: Record<string, string> = { HOME: '/home/sample' };

describe('awesome-compose samples load', () => {
  const root = path.join(DATA, 'awesome-compose');
  const composeFile = (d: string): string | undefined =>
    ['compose.yaml', 'compose.yml'].map((f) => path.join(root, d, f)).find((f) => existsSync(f));
  const samples = readdirSync(root).filter((d) => composeFile(d)).sort();
  it('has all 39 samples', () => assert.equal(samples.length, 39));
  for (const sample of samples) {
    it(sample, async () => {
      const dir = path.join(root, sample);
      const warnings: string[] = [];
      const p = await loadProject({ workingDir: dir, env: SAMPLE_ENV, onWarning: (w) => warnings.push(w) });
      assert.equal(p.name, sample.toLowerCase());
      assert.deepEqual(warnings, [], 'every variable is set by the sample\'s .env');
      const raw = dict(parseYaml(readFileSync(composeFile(sample) ?? '', 'utf8')));
      assert.deepEqual(Object.keys(p.services).sort(), Object.keys(dict(raw.services)).filter((n) => dict(dict(raw.services)[n]).profiles === undefined).sort());
      for (const s of Object.values(p.services)) {
        assert.ok(s.image || s.build, `${s.name} has an image or a build`);
        if (s.build) assert.ok(path.isAbsolute(s.build.context), s.build.context);
        for (const v of s.volumes) if (v.type === 'bind') assert.ok(path.isAbsolute(v.source ?? ''), v.source);
      }
    });
  }
});

describe('compose-go cli-testdata', () => {
  const dir = (d: string): string => path.join(DATA, 'compose-go/cli-testdata', d);
  it('simple: the directory name and the default file', async () => {
    const p = await loadProject({ workingDir: dir('simple'), env: {} });
    assert.equal(p.name, 'simple');
    assert.deepEqual(Object.keys(p.services), ['simple']);
  });
  it('simple: .env feeds interpolation, the process env wins', async () => {
    const files = ['compose-with-variables.yaml'];
    assert.equal((await loadProject({ workingDir: dir('simple'), files, env: {} })).services.simple.ports[0].published, '8000');
    assert.equal((await loadProject({ workingDir: dir('simple'), files, env: { PUBLIC_PORT: '9000' } })).services.simple.ports[0].published, '9000');
  });
  it('simple: an interpolated name:', async () => {
    const p = await loadProject({ workingDir: dir('simple'), files: ['compose-name.yaml'], env: { TEST: 'x' } });
    assert.equal(p.name, 'test-x-test');
  });
  it('simple: relative bind paths are from the project directory', async () => {
    const p = await loadProject({ workingDir: dir('simple'), files: ['compose-with-paths.yaml'], env: {} });
    assert.deepEqual(
      p.services.test.volumes.map((v) => v.source),
      // A Windows path is not absolute on Linux, so it is joined like any relative path.
      [path.join(dir('simple'), 'C:\\docker\\project'), path.join(dir('simple'), 'relative'), path.join(dir('simple'), 'relative2')],
    );
  });
  it('env-file: COMPOSE_FILE and COMPOSE_PROJECT_NAME from .env, env_file applied', async () => {
    const p = await loadProject({ workingDir: dir('env-file'), env: {} });
    assert.equal(p.name, 'my_project_from_dot_env');
    assert.deepEqual(p.composeFiles, [path.join(dir('env-file'), 'compose-with-env-file.yaml')]);
    assert.deepEqual(p.services.simple.environment, { DEFAULT_PORT: '8080' });
    const two = await loadProject({ workingDir: dir('env-file'), files: ['compose-with-env-files.yaml'], env: {} });
    assert.deepEqual(two.services.simple.environment, { DEFAULT_PORT: '9090' });
    assert.equal(two.services.simple.ports[0].published, '8000');
  });
  it('UNNORMALIZED PATH: the directory name is normalized', async () => {
    const p = await loadProject({ workingDir: dir('UNNORMALIZED PATH'), env: {} });
    assert.equal(p.name, 'unnormalizedpath');
  });
});

describe('compose-go loader-testdata', () => {
  const dir = path.join(DATA, 'compose-go/loader-testdata');
  const load = (file: string, env: Record<string, string> = {}) => loadProject({ files: [path.join(dir, file)], env });
  const fails = (p: Promise<unknown>, re: RegExp) => assert.rejects(p, (e: unknown) => e instanceof ComposeFileError && re.test(e.message));
  it('extends from another file: its env_file is relative to that file', async () => {
    const p = await load('compose-test-extends.yaml');
    const s = p.services.importer;
    assert.equal(s.image, 'nginx');
    assert.equal(s.containerName, 'imported', 'interpolation uses the project environment, not the env_file');
    assert.deepEqual(s.environment, { SOURCE: 'extends' });
    assert.deepEqual(s.envFiles, [path.join(dir, 'subdir/extra.env')]);
    assert.deepEqual(s.volumes.map((v) => [v.source, v.target]), [['/opt/data', '/var/lib/mysql']]);
  });
  it('extends keeps a remote build context as written', async () => {
    const p = await load('compose-test-extends-with-context-url.yaml');
    assert.equal(p.services['importer-with-https-url'].build?.context, 'https://github.com/docker/compose.git');
  });
  it('extends through two files in a subdirectory', async () => {
    const p = await load('extends/withdir/compose.yaml');
    assert.equal(p.services.test.image, 'hello-world');
  });
  it('extends of a file whose service builds: the context is from the sibling file', async () => {
    const p = await load('extends/nested.yaml');
    assert.equal(p.services['with-build'].build?.context, path.join(dir, 'extends'));
  });
  it('extends/interpolated.yaml', async () => {
    assert.equal((await load('extends/interpolated.yaml')).services.foo.volumes[0].source, '/dev/null');
    assert.equal((await load('extends/interpolated.yaml', { SOURCE: '/src' })).services.foo.volumes[0].source, '/src');
  });
  it('extends/reset.yaml: !reset removes the inherited command', async () => {
    const p = await load('extends/reset.yaml');
    assert.deepEqual(p.services.init.command, ['sleep', 'infinity']);
    assert.equal(p.services.base.command, undefined);
    assert.equal(p.services.base.image, 'alpine:latest');
  });
  it('extends/base.yaml fails validation (a null service)', () => fails(load('extends/base.yaml'), /validating .*base.yaml: services.nil must be a mapping/));
  it('depends_on cycles', async () => {
    await fails(load('compose-depends-on-cycle.yaml'), /dependency cycle detected: service1 -> service2 -> service3 -> service1/);
    await fails(load('compose-depends-on-self.yaml'), /dependency cycle detected: service1 -> service1/);
  });
  it('empty.yaml is an error', () => fails(load('empty.yaml'), /empty compose file/));
  it('a version: key is accepted', async () => {
    const p = await load('compose-test-with-version.yaml');
    assert.ok(Object.keys(p.services).length > 0);
  });
});
