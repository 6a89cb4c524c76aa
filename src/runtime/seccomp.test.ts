import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSeccomp, profileFromJson, seccompFor } from './seccomp';

const denied = (p: ReturnType<typeof defaultSeccomp>, name: string) => p.syscalls.some((r) => r.names.includes(name) && !r.args);

test('the default profile allows by default and refuses what needs a capability the container lacks', () => {
  const p = defaultSeccomp(['CAP_CHOWN'], 'x64');
  assert.equal(p.defaultAction, 'SCMP_ACT_ALLOW');
  assert.deepEqual(p.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  for (const n of ['mount', 'unshare', 'setns', 'keyctl', 'kexec_load', 'init_module', 'reboot', 'clone3', 'io_uring_setup']) assert.ok(denied(p, n), n);
  assert.equal(p.syscalls.find((r) => r.names.includes('clone3'))?.errnoRet, 38, 'clone3 says ENOSYS so libc falls back to clone');
  // clone with any namespace flag is refused, one masked rule per flag
  const clone = p.syscalls.filter((r) => r.names.includes('clone'));
  assert.ok(clone.some((r) => r.args?.[0]?.value === 0x10000000 && r.args[0].op === 'SCMP_CMP_MASKED_EQ'), 'CLONE_NEWUSER');
  assert.ok(!denied(p, 'read') && !denied(p, 'ptrace'));
});

test('a capability brings its syscalls back; the keyring stays refused', () => {
  const p = defaultSeccomp(['CAP_SYS_ADMIN', 'CAP_SYS_TIME'], 'x64');
  for (const n of ['mount', 'unshare', 'setns', 'clock_settime']) assert.ok(!denied(p, n), n);
  assert.ok(!p.syscalls.some((r) => r.names.includes('clone')));
  assert.ok(denied(p, 'keyctl'));
});

test('--security-opt: unconfined and privileged have no filter; a profile JSON replaces the default; a bad one is a 400', () => {
  assert.equal(seccompFor(['seccomp=unconfined'], [], false), undefined);
  assert.equal(seccompFor(['seccomp:unconfined'], [], false), undefined);
  assert.equal(seccompFor([], [], true), undefined);
  assert.ok(seccompFor([], [], false));
  const custom = seccompFor(['seccomp={"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}'], [], false);
  assert.equal(custom?.defaultAction, 'SCMP_ACT_ERRNO');
  assert.deepEqual(custom?.syscalls, [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }]);
  assert.throws(() => profileFromJson('{bad'), /Decoding seccomp profile failed/);
  assert.throws(() => profileFromJson('{}'), /defaultAction is required/);
  // Docker's own profile format names architectures through archMap
  assert.deepEqual(profileFromJson('{"defaultAction":"SCMP_ACT_ALLOW","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86"]}]}', 'x64').architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
});
