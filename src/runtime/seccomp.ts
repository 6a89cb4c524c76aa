/**
 * Seccomp for containers. Berth's default profile is its own deny list, not a
 * copy of Docker's allow list: every syscall is allowed except those a container
 * has no business making, which fail with EPERM unless the container holds the
 * capability that makes them legitimate (as with Docker's profile, `--cap-add
 * SYS_ADMIN` brings back mount, unshare and friends). New namespaces through
 * clone(2) are refused the same way; clone3(2) reports ENOSYS so that libc falls
 * back to clone(2), whose flags a filter can read. `--security-opt
 * seccomp=unconfined` turns filtering off, `seccomp=<profile JSON>` (what the
 * docker CLI sends for a file) replaces the default, `--privileged` has none.
 */
import * as os from 'node:os';
import { InvalidArgumentError } from '../base/errors';

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

export interface SeccompRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[];
}

/** The runtime spec's linux.seccomp. */
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures: string[];
  syscalls: SeccompRule[];
}

const EPERM = 1;
const ENOSYS = 38;

/** Syscalls refused unless the container has the capability (undefined: refused always). */
const GUARDED: Array<{ cap?: string; names: string[]; errno?: number }> = [
  // the kernel keyring is not namespaced
  { names: ['add_key', 'keyctl', 'request_key'] },
  // obsolete or never meant for containers
  { names: ['create_module', 'get_kernel_syms', 'query_module', 'nfsservctl', 'uselib', 'vm86', 'vm86old', 'lookup_dcookie', 'kexec_load', 'kexec_file_load'] },
  { cap: 'CAP_SYS_ADMIN', names: ['mount', 'umount', 'umount2', 'pivot_root', 'unshare', 'setns', 'swapon', 'swapoff', 'quotactl', 'fanotify_init', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount', 'open_tree', 'mount_setattr', 'bpf', 'perf_event_open'] },
  { cap: 'CAP_SYS_ADMIN', names: ['clone3'], errno: ENOSYS },
  { cap: 'CAP_SYS_MODULE', names: ['init_module', 'finit_module', 'delete_module'] },
  { cap: 'CAP_SYS_BOOT', names: ['reboot'] },
  { cap: 'CAP_SYS_TIME', names: ['settimeofday', 'stime', 'clock_settime', 'clock_adjtime', 'adjtimex'] },
  { cap: 'CAP_SYS_RAWIO', names: ['iopl', 'ioperm'] },
  { cap: 'CAP_SYSLOG', names: ['syslog'] },
  { cap: 'CAP_SYS_PACCT', names: ['acct'] },
  { cap: 'CAP_DAC_READ_SEARCH', names: ['open_by_handle_at', 'name_to_handle_at'] },
  { cap: 'CAP_SYS_PTRACE', names: ['process_vm_readv', 'process_vm_writev', 'kcmp', 'userfaultfd'] },
  // io_uring bypasses the filter for the operations it submits
  { names: ['io_uring_setup', 'io_uring_enter', 'io_uring_register'], errno: ENOSYS },
];

/** clone(2) flags that make namespaces: CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET. */
const CLONE_NAMESPACE_FLAGS = [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000];

export function seccompArchitectures(arch = os.arch()): string[] {
  switch (arch) {
    case 'x64':
      return ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
    case 'arm64':
      return ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'];
    case 'ppc64':
      return ['SCMP_ARCH_PPC64LE'];
    case 's390x':
      return ['SCMP_ARCH_S390X', 'SCMP_ARCH_S390'];
    default:
      return [];
  }
}

/** The default profile for a container with these capabilities ("CAP_…" names). */
export function defaultSeccomp(caps: string[], arch = os.arch()): OciSeccomp {
  const have = new Set(caps);
  const syscalls: SeccompRule[] = [];
  for (const g of GUARDED) {
    if (g.cap && have.has(g.cap)) continue;
    syscalls.push({ names: [...g.names], action: 'SCMP_ACT_ERRNO', errnoRet: g.errno ?? EPERM });
  }
  if (!have.has('CAP_SYS_ADMIN') && arch !== 's390x') {
    // one rule per flag: a filter ORs its rules, and MASKED_EQ tests one mask (s390x passes flags second)
    for (const f of CLONE_NAMESPACE_FLAGS) syscalls.push({ names: ['clone'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, args: [{ index: 0, value: f, valueTwo: f, op: 'SCMP_CMP_MASKED_EQ' }] });
  }
  return { defaultAction: 'SCMP_ACT_ALLOW', architectures: seccompArchitectures(arch), syscalls };
}

/** Docker's profile format (what `--security-opt seccomp=file.json` sends) → the runtime spec's. */
export function profileFromJson(text: string, arch = os.arch()): OciSeccomp {
  let p: {
    defaultAction?: string;
    defaultErrnoRet?: number;
    architectures?: string[];
    archMap?: Array<{ architecture: string; subArchitectures?: string[] }>;
    syscalls?: Array<{ name?: string; names?: string[]; action?: string; errnoRet?: number; args?: SeccompArg[] | null; includes?: { caps?: string[]; arches?: string[] }; excludes?: { caps?: string[]; arches?: string[] } }>;
  };
  try {
    p = JSON.parse(text) as typeof p;
  } catch (e) {
    throw new InvalidArgumentError(`Decoding seccomp profile failed: ${(e as Error).message}`, 'BAD_SECCOMP');
  }
  if (!p || typeof p !== 'object' || !p.defaultAction) throw new InvalidArgumentError('Decoding seccomp profile failed: defaultAction is required', 'BAD_SECCOMP');
  const native = seccompArchitectures(arch)[0];
  let architectures = p.architectures ?? [];
  if (!architectures.length && p.archMap) {
    const m = p.archMap.find((a) => a.architecture === native);
    architectures = m ? [m.architecture, ...(m.subArchitectures ?? [])] : [];
  }
  const syscalls: SeccompRule[] = [];
  for (const s of p.syscalls ?? []) {
    const names = s.names ?? (s.name ? [s.name] : []);
    if (!names.length || !s.action) throw new InvalidArgumentError('Decoding seccomp profile failed: a syscall rule needs names and an action', 'BAD_SECCOMP');
    // includes/excludes by capability are resolved by the caller's profile author; by arch here
    if (s.includes?.arches?.length && native && !s.includes.arches.some((a) => native.toLowerCase().includes(a))) continue;
    const rule: SeccompRule = { names, action: s.action };
    if (s.errnoRet !== undefined) rule.errnoRet = s.errnoRet;
    if (s.args?.length) rule.args = s.args;
    syscalls.push(rule);
  }
  return { defaultAction: p.defaultAction, ...(p.defaultErrnoRet !== undefined ? { defaultErrnoRet: p.defaultErrnoRet } : {}), architectures, syscalls };
}

/**
 * The filter for a container from its security options: undefined means none
 * (`seccomp=unconfined`, or privileged).
 */
export function seccompFor(securityOpt: string[], caps: string[], privileged: boolean): OciSeccomp | undefined {
  let profile: string | undefined;
  for (const o of securityOpt) {
    const m = /^seccomp[=:]([\s\S]*)$/.exec(o);
    if (m) profile = m[1]!;
  }
  if (profile === 'unconfined') return undefined;
  if (profile !== undefined && profile !== 'builtin' && profile !== '') return profileFromJson(profile);
  if (privileged) return undefined;
  return defaultSeccomp(caps);
}
