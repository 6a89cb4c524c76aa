import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS, parseManifests } from './manifest';
import { unknownFieldsOf } from './schema-fields';
import { redirectScript } from './port-redirect';
import { parsePublished, parseRedirects } from './service-ports';
import { planKube, expandRefs } from './plan';
import { parseQuantity, cpuToNano, memoryToBytes } from './quantity';
import { KUBE_LABEL, PAUSE_IMAGE } from './labels';

const YAML = `
apiVersion: v1
kind: ConfigMap
metadata: { name: site }
data: { index.html: "hello\\n", GREETING: hi }
---
apiVersion: v1
kind: Secret
metadata: { name: creds }
data: { PASSWORD: czNjcjN0 }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data }
spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      affinity: {}
      initContainers:
        - { name: prep, image: bb, command: [sh, -c, "echo init > /www/init.txt"], volumeMounts: [{ name: www, mountPath: /www }] }
      containers:
        - name: web
          image: bb
          command: [httpd]
          args: [-f, -p, "$(PORT)", -h, /www]
          env:
            - { name: PORT, value: "8080" }
            - { name: GREETING, valueFrom: { configMapKeyRef: { name: site, key: GREETING } } }
            - { name: ME, valueFrom: { fieldRef: { fieldPath: metadata.name } } }
          envFrom: [{ secretRef: { name: creds }, prefix: S_ }]
          ports: [{ name: http, containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /, port: http }, periodSeconds: 2 }
          resources: { limits: { cpu: 500m, memory: 64Mi }, requests: { cpu: 250m } }
          securityContext: { runAsUser: 1000, allowPrivilegeEscalation: false }
          lifecycle: {}
          volumeMounts:
            - { name: www, mountPath: /www }
            - { name: site, mountPath: /www/index.html, subPath: index.html }
            - { name: data, mountPath: /data }
      volumes:
        - { name: www, emptyDir: {} }
        - { name: site, configMap: { name: site } }
        - { name: data, persistentVolumeClaim: { claimName: data } }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec: { type: LoadBalancer, selector: { app: web }, ports: [{ port: 9000, targetPort: http }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: web }
`;

test('a Deployment of 2 with a Service, a ConfigMap, a Secret and a claim becomes 2 pods with infra containers', () => {
  const { objects, warnings: pw } = parseManifests(YAML);
  const plan = planKube(objects, pw);
  assert.equal(plan.namespace, 'default');
  assert.equal(plan.network, 'kube-default');
  assert.deepEqual(plan.claims, ['data']);
  assert.deepEqual(plan.pods.map((p) => p.name), ['web-1', 'web-2']);
  const [p1, p2] = plan.pods;
  assert.equal(p1!.infra.image, PAUSE_IMAGE);
  assert.equal(p1!.infra.name, 'web-1-infra');
  assert.deepEqual(p1!.infra.networks['kube-default']!.aliases, ['web-1', 'web']);
  assert.deepEqual(p2!.infra.networks['kube-default']!.aliases, ['web-2', 'web']);
  // 2 pods behind the node port: the daemon's proxy listens on it and hands connections to each pod's named target port,
  // and peers' SERVICE:9000 is redirected to 8080 in each pod
  assert.deepEqual(plan.listeners, [{ hostIp: '', hostPort: 9000, protocol: 'tcp', target: 0 }]);
  for (const p of [p1!, p2!]) {
    assert.deepEqual(p.infra.host.portBindings, {});
    assert.equal(p.infra.labels[KUBE_LABEL.publish], ':9000>8080/tcp');
    assert.equal(p.infra.labels[KUBE_LABEL.redirects], '9000>8080/tcp');
  }
  const web = p1!.containers[0]!.spec;
  assert.equal(web.name, 'web-1-web');
  assert.equal(web.host.networkMode, 'container:web-1-infra');
  assert.deepEqual(web.entrypoint, ['httpd']);
  assert.deepEqual(web.cmd, ['-f', '-p', '8080', '-h', '/www']);
  assert.deepEqual(web.env, ['S_PASSWORD=s3cr3t', 'PORT=8080', 'GREETING=hi', 'ME=web-1']);
  assert.equal(web.user, '1000');
  assert.deepEqual(web.host.securityOpt, ['no-new-privileges']);
  assert.equal(web.host.nanoCpus, 5e8);
  assert.equal(web.host.memory, 64 * 2 ** 20);
  assert.equal(web.host.cpuShares, 256);
  assert.equal(web.host.restartPolicy.name, 'always');
  assert.equal(web.labels[KUBE_LABEL.owner], 'Deployment/web');
  assert.equal(web.labels.app, 'web');
  assert.deepEqual(web.healthcheck?.test, ['CMD-SHELL', "wget -q -O /dev/null 'http://127.0.0.1:8080/' || curl -fsk -o /dev/null 'http://127.0.0.1:8080/'"]);
  assert.equal(web.healthcheck?.interval, 2e9);
  assert.deepEqual(web.host.mounts, [
    { type: 'volume', source: 'web-1-www', target: '/www', readOnly: false },
    { type: 'volume', source: 'data', target: '/data', readOnly: false },
  ]);
  assert.deepEqual(p1!.containers[0]!.subPathMounts, [{ volume: 'web-1-site', subPath: 'index.html', target: '/www/index.html', readOnly: true }]);
  assert.deepEqual(p1!.volumes.map((v) => v.name), ['web-1-www', 'web-1-site']);
  assert.deepEqual(p1!.volumes[1]!.files, [{ path: 'index.html', data: Buffer.from('hello\n'), mode: 0o644 }, { path: 'GREETING', data: Buffer.from('hi'), mode: 0o644 }]);
  assert.equal(p1!.init[0]!.spec.labels[KUBE_LABEL.role], 'init');
  assert.equal(p1!.init[0]!.spec.host.restartPolicy.name, 'no');
  const w = plan.warnings.join('\n');
  assert.match(w, /kind Ingress \(web\) is not supported/);
  assert.match(w, /Deployment web: field spec\.template\.spec\.affinity is not supported/);
  assert.match(w, /field spec\.template\.spec\.containers\[0\]\.lifecycle is not supported/);
});

test('bad references and shapes fail before anything is made, with the object named', () => {
  const plan = (y: string) => planKube(parseManifests(y).objects);
  const pod = (spec: string) => `apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: ${spec}\n`;
  assert.throws(() => plan(pod('{ containers: [{ name: c, image: bb, envFrom: [{ configMapRef: { name: nope } }] }] }')), /configmap "nope" not found/);
  assert.doesNotThrow(() => plan(pod('{ containers: [{ name: c, image: bb, envFrom: [{ configMapRef: { name: nope, optional: true } }] }] }')));
  assert.throws(() => plan(pod('{ containers: [{ name: c, image: bb, volumeMounts: [{ name: v, mountPath: /v }] }] }')), /volume "v" not found/);
  assert.throws(() => plan(pod('{ containers: [{ name: C_1, image: bb }] }')), /not a DNS-1123 label/);
  assert.throws(() => plan('apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\nspec: { selector: { matchLabels: { a: b } }, template: { metadata: { labels: { a: c } }, spec: { containers: [] } } }'), /must be given and match/);
  assert.throws(() => plan('apiVersion: v1beta1\nkind: Pod\nmetadata: { name: p }\nspec: {}'), /apiVersion "v1beta1" is not supported/);
  assert.throws(() => plan(pod('{ containers: [{ name: c, image: bb }] }') + '---\n' + pod('{ containers: [{ name: c, image: bb }] }')), /defined twice/);
});

test('quantities and $(VAR) references', () => {
  assert.equal(parseQuantity('1.5', 'cpu'), 1.5);
  assert.equal(cpuToNano('250m'), 2.5e8);
  assert.equal(memoryToBytes('1Gi'), 2 ** 30);
  assert.equal(memoryToBytes('100M'), 1e8);
  assert.equal(memoryToBytes('1e3'), 1000);
  assert.throws(() => memoryToBytes('12XB'), /quantities must match/);
  const vars = new Map([['A', 'x']]);
  assert.equal(expandRefs('$(A)-$(B)-$$(A)', vars), 'x-$(B)-$(A)');
});

test('fields Kubernetes does not know are warned as unknown, fields Berth ignores as not supported, each once', async () => {
  const yaml = [
    'apiVersion: v1',
    'kind: Pod',
    'metadata: { name: p, lables: { a: b } }',
    'spec:',
    '  affinity: {}',
    '  containers: [{ name: c, image: bb, imagePullPolcy: Never, ports: [{ containerPort: 80, hostPrt: 1 }] }]',
    '  volumes: [{ name: v, configMap: { name: x, itemz: [] } }]',
  ].join('\n');
  const { warnings } = parseManifests(yaml, await unknownFieldsOf(KINDS));
  assert.deepEqual(warnings, [
    'Pod p: unknown field metadata.lables: ignored',
    'Pod p: unknown field spec.containers[0].imagePullPolcy: ignored',
    'Pod p: unknown field spec.containers[0].ports[0].hostPrt: ignored',
    'Pod p: unknown field spec.volumes[0].configMap.itemz: ignored',
    'Pod p: field spec.affinity is not supported: ignored',
  ]);
});

test('Services: port ≠ targetPort is redirected per pod (named ports by each pod), one pod publishes directly, UDP is not balanced', () => {
  const pod = (name: string, port: number, labels = 'app: a') => `apiVersion: v1\nkind: Pod\nmetadata: { name: ${name}, labels: { ${labels} } }\nspec: { containers: [{ name: c, image: bb, ports: [{ name: http, containerPort: ${port} }] }] }\n---\n`;
  const svc = (name: string, spec: string) => `apiVersion: v1\nkind: Service\nmetadata: { name: ${name} }\nspec: ${spec}\n---\n`;
  const y = pod('a1', 8080) + pod('a2', 8081) + pod('solo', 7000, 'app: s')
    + svc('a', '{ selector: { app: a }, ports: [{ port: 80, targetPort: http }, { port: 53, targetPort: 5353, protocol: UDP }, { port: 8080 }] }')
    + svc('other', '{ selector: { app: a }, ports: [{ port: 80, targetPort: 9999 }] }')
    + svc('s', '{ type: NodePort, selector: { app: s }, ports: [{ port: 80, targetPort: http, nodePort: 30080 }] }')
    + svc('u', '{ type: LoadBalancer, selector: { app: a }, ports: [{ port: 5300, targetPort: 53, protocol: UDP }] }');
  const plan = planKube(parseManifests(y).objects);
  const infra = (n: string) => plan.pods.find((p) => p.name === n)!.infra;
  assert.deepEqual(parseRedirects(infra('a1').labels[KUBE_LABEL.redirects]), [
    { port: 80, target: 8080, protocol: 'tcp' },
    { port: 53, target: 5353, protocol: 'udp' },
    { port: 5300, target: 53, protocol: 'udp' },
  ]);
  assert.deepEqual(parseRedirects(infra('a2').labels[KUBE_LABEL.redirects]).slice(0, 2), [{ port: 80, target: 8081, protocol: 'tcp' }, { port: 53, target: 5353, protocol: 'udp' }]);
  assert.match(plan.warnings.join('\n'), /Service other: pod a1 already sends port 80\/tcp to 8080 \(another Service\)/);
  // one pod: netavark publishes the node port onto the target port (kernel path); no proxy
  assert.deepEqual(infra('solo').host.portBindings, { '7000/tcp': [{ hostIp: '', hostPort: '30080' }] });
  assert.equal(infra('solo').labels[KUBE_LABEL.publish], undefined);
  // UDP over two pods: the first pod only, said so
  assert.deepEqual(infra('a1').host.portBindings, { '53/udp': [{ hostIp: '', hostPort: '5300' }] });
  assert.match(plan.warnings.join('\n'), /Service u: host port 5300\/udp reaches pod a1 only/);
  assert.deepEqual(plan.listeners, []);
  assert.throws(() => planKube(parseManifests(pod('x', 1) + svc('x', '{ selector: { app: a }, ports: [{ port: 80, targetPort: nope }] }')).objects), /Service x: pod x: no container port named "nope"/);
  assert.equal(redirectScript(parseRedirects('80>8080/tcp')), [
    'table ip berth_kube_services',
    'delete table ip berth_kube_services',
    'table ip berth_kube_services {',
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    '    tcp dport 80 redirect to :8080',
    '  }',
    '}',
    '',
  ].join('\n'));
  assert.deepEqual(parsePublished('127.0.0.1:9000>80/tcp,:9001>81/tcp,[::1]:9002>82/tcp,junk'), [
    { hostIp: '127.0.0.1', hostPort: 9000, target: 80, protocol: 'tcp' },
    { hostIp: '', hostPort: 9001, target: 81, protocol: 'tcp' },
    { hostIp: '::1', hostPort: 9002, target: 82, protocol: 'tcp' },
  ]);
});

test('spec.hostname is the hostname of every container of the pod (compose kube writes it from hostname:)', () => {
  const plan = planKube(parseManifests('apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { hostname: web1, containers: [{ name: c, image: bb }] }\n').objects);
  assert.equal(plan.pods[0]!.infra.hostname, 'web1');
  assert.equal(plan.pods[0]!.containers[0]!.spec.hostname, 'web1');
});
