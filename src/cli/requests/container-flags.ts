/** The flags shared by `run` and `create` (docker/cli's containerOptions), as a typed table. */
import type { FlagTable } from '../flag-table';

export interface ContainerFlags {
  addHost: string[];
  attach: string[];
  capAdd: string[];
  capDrop: string[];
  cgroupns?: string;
  cgroupParent?: string;
  cidfile?: string;
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  cpus?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  device: string[];
  dns: string[];
  dnsOption: string[];
  dnsSearch: string[];
  domainname?: string;
  entrypoint?: string;
  env: string[];
  envFile: string[];
  expose: string[];
  groupAdd: string[];
  healthCmd?: string;
  healthInterval?: string;
  healthRetries?: number;
  healthStartPeriod?: string;
  healthTimeout?: string;
  hostname?: string;
  init?: boolean;
  interactive?: boolean;
  ip?: string;
  ipc?: string;
  label: string[];
  labelFile: string[];
  link: string[];
  logDriver?: string;
  logOpt: string[];
  memory?: string;
  memoryReservation?: string;
  memorySwap?: string;
  memorySwappiness?: number;
  mount: string[];
  name?: string;
  network?: string;
  networkAlias: string[];
  noHealthcheck?: boolean;
  oomKillDisable?: boolean;
  oomScoreAdj?: number;
  pid?: string;
  pidsLimit?: number;
  platform?: string;
  privileged?: boolean;
  publish: string[];
  publishAll?: boolean;
  pull?: string;
  quiet?: boolean;
  readOnly?: boolean;
  restart?: string;
  rm?: boolean;
  runtime?: string;
  securityOpt: string[];
  shmSize?: string;
  stopSignal?: string;
  stopTimeout?: number;
  storageOpt: string[];
  sysctl: string[];
  tmpfs: string[];
  tty?: boolean;
  ulimit: string[];
  user?: string;
  userns?: string;
  uts?: string;
  volume: string[];
  volumesFrom: string[];
  workdir?: string;
  // run only
  detach?: boolean;
  detachKeys?: string;
  sigProxy?: boolean;
}

export const CONTAINER_FLAGS: FlagTable<ContainerFlags> = [
  { flags: '--add-host', key: 'addHost', kind: 'list', description: 'Add a custom host-to-IP mapping (host:ip)' },
  { flags: '-a, --attach', key: 'attach', kind: 'list', description: 'Attach to STDIN, STDOUT or STDERR' },
  { flags: '--cap-add', key: 'capAdd', kind: 'list', description: 'Add Linux capabilities' },
  { flags: '--cap-drop', key: 'capDrop', kind: 'list', description: 'Drop Linux capabilities' },
  { flags: '--cgroupns', key: 'cgroupns', kind: 'string', description: 'Cgroup namespace to use (host|private)' },
  { flags: '--cgroup-parent', key: 'cgroupParent', kind: 'string', description: 'Optional parent cgroup for the container' },
  { flags: '--cidfile', key: 'cidfile', kind: 'string', description: 'Write the container ID to the file' },
  { flags: '--cpu-period', key: 'cpuPeriod', kind: 'int', description: 'Limit CPU CFS (Completely Fair Scheduler) period' },
  { flags: '--cpu-quota', key: 'cpuQuota', kind: 'int', description: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
  { flags: '-c, --cpu-shares', key: 'cpuShares', kind: 'int', description: 'CPU shares (relative weight)' },
  { flags: '--cpus', key: 'cpus', kind: 'string', description: 'Number of CPUs' },
  { flags: '--cpuset-cpus', key: 'cpusetCpus', kind: 'string', description: 'CPUs in which to allow execution (0-3, 0,1)' },
  { flags: '--cpuset-mems', key: 'cpusetMems', kind: 'string', description: 'MEMs in which to allow execution (0-3, 0,1)' },
  { flags: '--device', key: 'device', kind: 'list', description: 'Add a host device to the container' },
  { flags: '--dns', key: 'dns', kind: 'list', description: 'Set custom DNS servers' },
  { flags: '--dns-option', key: 'dnsOption', kind: 'list', description: 'Set DNS options' },
  { flags: '--dns-search', key: 'dnsSearch', kind: 'list', description: 'Set custom DNS search domains' },
  { flags: '--domainname', key: 'domainname', kind: 'string', description: 'Container NIS domain name' },
  { flags: '--entrypoint', key: 'entrypoint', kind: 'string', description: 'Overwrite the default ENTRYPOINT of the image' },
  { flags: '-e, --env', key: 'env', kind: 'list', description: 'Set environment variables' },
  { flags: '--env-file', key: 'envFile', kind: 'list', description: 'Read in a file of environment variables' },
  { flags: '--expose', key: 'expose', kind: 'list', description: 'Expose a port or a range of ports' },
  { flags: '--group-add', key: 'groupAdd', kind: 'list', description: 'Add additional groups to join' },
  { flags: '--health-cmd', key: 'healthCmd', kind: 'string', description: 'Command to run to check health' },
  { flags: '--health-interval', key: 'healthInterval', kind: 'string', description: 'Time between running the check (ms|s|m|h) (default 0s)' },
  { flags: '--health-retries', key: 'healthRetries', kind: 'int', description: 'Consecutive failures needed to report unhealthy' },
  { flags: '--health-start-period', key: 'healthStartPeriod', kind: 'string', description: 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)' },
  { flags: '--health-timeout', key: 'healthTimeout', kind: 'string', description: 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)' },
  { flags: '-h, --hostname', key: 'hostname', kind: 'string', description: 'Container host name' },
  { flags: '--init', key: 'init', kind: 'bool', description: 'Run an init inside the container that forwards signals and reaps processes' },
  { flags: '-i, --interactive', key: 'interactive', kind: 'bool', description: 'Keep STDIN open even if not attached' },
  { flags: '--ip', key: 'ip', kind: 'string', description: 'IPv4 address (e.g., 172.30.100.104)' },
  { flags: '--ipc', key: 'ipc', kind: 'string', description: 'IPC mode to use' },
  { flags: '-l, --label', key: 'label', kind: 'list', description: 'Set meta data on a container' },
  { flags: '--label-file', key: 'labelFile', kind: 'list', description: 'Read in a line delimited file of labels' },
  { flags: '--link', key: 'link', kind: 'list', description: 'Add link to another container' },
  { flags: '--log-driver', key: 'logDriver', kind: 'string', description: 'Logging driver for the container' },
  { flags: '--log-opt', key: 'logOpt', kind: 'list', description: 'Log driver options' },
  { flags: '-m, --memory', key: 'memory', kind: 'string', description: 'Memory limit' },
  { flags: '--memory-reservation', key: 'memoryReservation', kind: 'string', description: 'Memory soft limit' },
  { flags: '--memory-swap', key: 'memorySwap', kind: 'string', description: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap" },
  { flags: '--memory-swappiness', key: 'memorySwappiness', kind: 'int', description: 'Tune container memory swappiness (0 to 100) (default -1)' },
  { flags: '--mount', key: 'mount', kind: 'list', description: 'Attach a filesystem mount to the container' },
  { flags: '--name', key: 'name', kind: 'string', description: 'Assign a name to the container' },
  { flags: '--network, --net', key: 'network', kind: 'string', description: 'Connect a container to a network' },
  { flags: '--network-alias', key: 'networkAlias', kind: 'list', description: 'Add network-scoped alias for the container' },
  { flags: '--no-healthcheck', key: 'noHealthcheck', kind: 'bool', description: 'Disable any container-specified HEALTHCHECK' },
  { flags: '--oom-kill-disable', key: 'oomKillDisable', kind: 'bool', description: 'Disable OOM Killer' },
  { flags: '--oom-score-adj', key: 'oomScoreAdj', kind: 'int', description: "Tune host's OOM preferences (-1000 to 1000)" },
  { flags: '--pid', key: 'pid', kind: 'string', description: 'PID namespace to use' },
  { flags: '--pids-limit', key: 'pidsLimit', kind: 'int', description: 'Tune container pids limit (set -1 for unlimited)' },
  { flags: '--platform', key: 'platform', kind: 'string', description: 'Set platform if server is multi-platform capable' },
  { flags: '--privileged', key: 'privileged', kind: 'bool', description: 'Give extended privileges to this container' },
  { flags: '-p, --publish', key: 'publish', kind: 'list', description: "Publish a container's port(s) to the host" },
  { flags: '-P, --publish-all', key: 'publishAll', kind: 'bool', description: 'Publish all exposed ports to random ports' },
  { flags: '--pull', key: 'pull', kind: 'string', description: 'Pull image before running ("always", "missing", "never")', default: 'missing' },
  { flags: '-q, --quiet', key: 'quiet', kind: 'bool', description: 'Suppress the pull output' },
  { flags: '--read-only', key: 'readOnly', kind: 'bool', description: "Mount the container's root filesystem as read only" },
  { flags: '--restart', key: 'restart', kind: 'string', description: 'Restart policy to apply when a container exits', default: 'no' },
  { flags: '--rm', key: 'rm', kind: 'bool', description: 'Automatically remove the container and its associated anonymous volumes when it exits' },
  { flags: '--runtime', key: 'runtime', kind: 'string', description: 'Runtime to use for this container' },
  { flags: '--security-opt', key: 'securityOpt', kind: 'list', description: 'Security Options' },
  { flags: '--shm-size', key: 'shmSize', kind: 'string', description: 'Size of /dev/shm' },
  { flags: '--stop-signal', key: 'stopSignal', kind: 'string', description: 'Signal to stop the container' },
  { flags: '--stop-timeout', key: 'stopTimeout', kind: 'int', description: 'Timeout (in seconds) to stop a container' },
  { flags: '--storage-opt', key: 'storageOpt', kind: 'list', description: 'Storage driver options for the container' },
  { flags: '--sysctl', key: 'sysctl', kind: 'list', description: 'Sysctl options' },
  { flags: '--tmpfs', key: 'tmpfs', kind: 'list', description: 'Mount a tmpfs directory' },
  { flags: '-t, --tty', key: 'tty', kind: 'bool', description: 'Allocate a pseudo-TTY' },
  { flags: '--ulimit', key: 'ulimit', kind: 'list', description: 'Ulimit options' },
  { flags: '-u, --user', key: 'user', kind: 'string', description: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { flags: '--userns', key: 'userns', kind: 'string', description: 'User namespace to use' },
  { flags: '--uts', key: 'uts', kind: 'string', description: 'UTS namespace to use' },
  { flags: '-v, --volume', key: 'volume', kind: 'list', description: 'Bind mount a volume' },
  { flags: '--volumes-from', key: 'volumesFrom', kind: 'list', description: 'Mount volumes from the specified container(s)' },
  { flags: '-w, --workdir', key: 'workdir', kind: 'string', description: 'Working directory inside the container' },
];

export const RUN_ONLY_FLAGS: FlagTable<ContainerFlags> = [
  { flags: '-d, --detach', key: 'detach', kind: 'bool', description: 'Run container in background and print container ID' },
  { flags: '--detach-keys', key: 'detachKeys', kind: 'string', description: 'Override the key sequence for detaching a container' },
  { flags: '--sig-proxy', key: 'sigProxy', kind: 'bool', description: 'Proxy received signals to the process', default: true },
  { flags: '--no-sig-proxy', key: 'sigProxy', kind: 'bool', description: 'Do not proxy received signals', hidden: true },
];
