import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanSize, parseRamBytes, toApiTimestamp } from './humanize';
import { GoTemplate } from './go-template';
import { renderList } from './list-format';
import { PS_DEFAULT_TABLE, PS_HEADERS, toContainerRow, displayPorts } from './container-view';
import { indentJsonArray } from './json-indent';
import { toImageRows } from './image-view';
import { exitCodeForStartError } from '../exit-codes';

test('humanSize uses decimal units with 3 significant digits', () => {
  assert.equal(humanSize(4_260_000), '4.26MB');
  assert.equal(humanSize(1_984_189), '1.98MB');
  assert.equal(humanSize(512), '512B');
  assert.equal(humanSize(0), '0B');
  assert.equal(humanSize(12_345), '12.3kB');
});

test('parseRamBytes is binary like RAMInBytes', () => {
  assert.equal(parseRamBytes('32m'), 33554432);
  assert.equal(parseRamBytes('1g'), 1073741824);
  assert.equal(parseRamBytes('100'), 100);
});

test('toApiTimestamp: durations are relative seconds, "now" is now', () => {
  const now = 1795839819_000;
  assert.equal(toApiTimestamp('1m', now), '1795839759');
  assert.equal(toApiTimestamp('now', now), '1795839819');
  assert.equal(toApiTimestamp('1795839000', now), '1795839000');
});

test('Go template subset: fields, json, index, range, if, join', () => {
  const data = { State: { Status: 'running' }, Names: ['a', 'b'], Labels: { k: 'v' }, N: null };
  assert.equal(new GoTemplate('{{.State.Status}}').execute(data), 'running');
  assert.equal(new GoTemplate('{{json .Names}}').execute(data), '["a","b"]');
  assert.equal(new GoTemplate('{{index .Labels "k"}}').execute(data), 'v');
  assert.equal(new GoTemplate('{{range .Names}}[{{.}}]{{end}}').execute(data), '[a][b]');
  assert.equal(new GoTemplate('{{if .N}}y{{else}}n{{end}}').execute(data), 'n');
  assert.equal(new GoTemplate('{{join .Names ","}}').execute(data), 'a,b');
  assert.equal(new GoTemplate('{{.State.Status | upper}}').execute(data), 'RUNNING');
});

test('ps table has docker headers, truncated id and quoted, ellipsized command', () => {
  const row = toContainerRow(
    { Id: '727ce064a6dad7076bb902707b7262a296871c9d7f7132e29015eb8d684072c7', Names: ['/web'], Image: 'bb', ImageID: '', Command: 'httpd -f -v -p 80 --some-long-flag', Created: 1000, Ports: [{ IP: '127.0.0.1', PrivatePort: 80, PublicPort: 18080, Type: 'tcp' }], Labels: {}, State: 'running', Status: 'Up 1 second' },
    { noTrunc: false, now: 1000_000 + 120_000 },
  );
  const out = renderList([row], undefined, { defaultTable: PS_DEFAULT_TABLE, headers: PS_HEADERS });
  const [head, line] = out.split('\n');
  assert.match(head!, /^CONTAINER ID {3}IMAGE {5}COMMAND {18}CREATED {9}STATUS {8}PORTS {21}NAMES$/);
  assert.match(line!, /^727ce064a6da {3}bb {8}"httpd -f -v -p 80 -…" {3}2 minutes ago {3}Up 1 second {3}127\.0\.0\.1:18080->80\/tcp {3}web$/);
  assert.equal(renderList([row], '{{.Names}}\\t{{.Status}}', { defaultTable: PS_DEFAULT_TABLE, headers: PS_HEADERS }), 'web\tUp 1 second\n');
  assert.equal(renderList([row], 'table {{.Names}}', { defaultTable: PS_DEFAULT_TABLE, headers: PS_HEADERS }), 'NAMES\nweb\n');
});

test('displayPorts sorts and shows unpublished ports', () => {
  assert.equal(displayPorts([{ PrivatePort: 443, Type: 'tcp' }, { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }]), '0.0.0.0:8080->80/tcp, 443/tcp');
});

test('images rows: one per tag, <none> for dangling', () => {
  const base = { Id: 'sha256:c392f881a6f0c2afc6676e29274dd1549ef491139eeb4250f8c4567257b26617', ParentId: '', RepoDigests: [], Created: 0, Size: 1_984_189, SharedSize: -1, Labels: null, Containers: -1 };
  assert.deepEqual(toImageRows({ ...base, RepoTags: ['bb:latest', 'bb:1'] }, { noTrunc: false }).map((r) => `${r.Repository}:${r.Tag} ${r.ID} ${r.Size}`), ['bb:latest c392f881a6f0 1.98MB', 'bb:1 c392f881a6f0 1.98MB']);
  assert.equal(toImageRows({ ...base, RepoTags: null }, { noTrunc: false })[0]!.Repository, '<none>');
});

test('inspect output is a 4-space indented array that keeps raw numbers', () => {
  assert.equal(indentJsonArray(['{"a":1,"b":[],"c":{"d":"x,y"},"n":12345678901234567890}']), '[\n    {\n        "a": 1,\n        "b": [],\n        "c": {\n            "d": "x,y"\n        },\n        "n": 12345678901234567890\n    }\n]');
  assert.equal(indentJsonArray([]), '[]');
});

test('start errors map to 127 / 126 / 125', () => {
  assert.equal(exitCodeForStartError('exec: "/nosuchcmd": stat /nosuchcmd: no such file or directory: unknown'), 127);
  assert.equal(exitCodeForStartError('exec: "x": executable file not found in $PATH'), 127);
  assert.equal(exitCodeForStartError('exec: "/etc": permission denied'), 126);
  assert.equal(exitCodeForStartError('Bind for 127.0.0.1:18080 failed: port is already allocated'), 125);
});
