/**
 * The daemon's Prometheus metrics (`--metrics-addr`): dockerd's engine_daemon_*
 * families, and per-container resource metrics under cAdvisor's names, read at
 * scrape time through the same reader as `docker stats`.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventBus } from '../base/events';
import type { ContainerService, ContainerStatsSample } from '../container/types';
import { blockDeviceName } from '../platform/block-devices';
import type { EngineMetrics, SystemInfo } from './types';

export interface MetricsSources {
  containers: Pick<ContainerService, 'stateCounts' | 'statsAll' | 'healthCheckCounts'>;
  events: EventBus;
  /** read once, at the first scrape: the facts engine_info carries do not change while the daemon runs */
  info: () => Promise<SystemInfo>;
  graphDriver: string;
}

const CONTAINER = ['id', 'name', 'image'] as const;

export function createEngineMetrics(src: MetricsSources): EngineMetrics {
  const registry = new Registry();
  const reg = { registers: [registry] };
  const actions = {
    container: new Histogram({ name: 'engine_daemon_container_actions_seconds', help: 'The number of seconds it takes to process each container action', labelNames: ['action'], ...reg }),
    image: new Histogram({ name: 'engine_daemon_image_actions_seconds', help: 'The number of seconds it takes to process each image action', labelNames: ['action'], ...reg }),
    network: new Histogram({ name: 'engine_daemon_network_actions_seconds', help: 'The number of seconds it takes to process each network action', labelNames: ['action'], ...reg }),
  };
  // dockerd shows these container actions from the start, with zero counts
  for (const a of ['start', 'changes', 'commit', 'create', 'delete']) actions.container.zero({ action: a });

  const g = (name: string, help: string, labelNames: readonly string[] = []) => new Gauge({ name, help, labelNames, ...reg });
  const c = (name: string, help: string, labelNames: readonly string[] = []) => new Counter({ name, help, labelNames, ...reg });

  const engineInfo = g('engine_daemon_engine_info', 'The information related to the engine and the OS it is running on', ['version', 'commit', 'architecture', 'graphdriver', 'kernel', 'os', 'os_type', 'daemon_id']);
  const engineCpus = g('engine_daemon_engine_cpus_cpus', 'The number of cpus that the host system of the engine has');
  const engineMemory = g('engine_daemon_engine_memory_bytes', 'The number of bytes of memory that the host system of the engine has');
  const states = g('engine_daemon_container_states_containers', 'The count of containers in various states', ['state']);
  const healthChecks = c('engine_daemon_health_checks_total', 'The total number of health checks');
  const healthFailed = c('engine_daemon_health_checks_failed_total', 'The total number of failed health checks');
  const events = c('engine_daemon_events_total', 'The number of events logged');
  const subscribers = g('engine_daemon_events_subscribers_total', 'The number of current subscribers to events');

  const cpuUsage = c('container_cpu_usage_seconds_total', 'Cumulative cpu time consumed in seconds.', [...CONTAINER, 'cpu']);
  const cpuUser = c('container_cpu_user_seconds_total', 'Cumulative user cpu time consumed in seconds.', CONTAINER);
  const cpuSystem = c('container_cpu_system_seconds_total', 'Cumulative system cpu time consumed in seconds.', CONTAINER);
  const cfsPeriods = c('container_cpu_cfs_periods_total', 'Number of elapsed enforcement period intervals.', CONTAINER);
  const cfsThrottled = c('container_cpu_cfs_throttled_periods_total', 'Number of throttled period intervals.', CONTAINER);
  const cfsThrottledSeconds = c('container_cpu_cfs_throttled_seconds_total', 'Total time duration the container has been throttled.', CONTAINER);
  const memUsage = g('container_memory_usage_bytes', 'Current memory usage in bytes, including all memory regardless of when it was accessed', CONTAINER);
  const memWorkingSet = g('container_memory_working_set_bytes', 'Current working set in bytes.', CONTAINER);
  const memRss = g('container_memory_rss', 'Size of RSS in bytes.', CONTAINER);
  const memCache = g('container_memory_cache', 'Number of bytes of page cache memory.', CONTAINER);
  const memMapped = g('container_memory_mapped_file', 'Size of memory mapped files in bytes.', CONTAINER);
  const memFailcnt = c('container_memory_failures_total', 'Cumulative count of memory allocation failures (times the limit was hit).', CONTAINER);
  const memLimit = g('container_spec_memory_limit_bytes', 'Memory limit for the container (0 when unlimited).', CONTAINER);
  const rx = netCounters('receive');
  const tx = netCounters('transmit');
  const fsReadBytes = c('container_fs_reads_bytes_total', 'Cumulative count of bytes read', [...CONTAINER, 'device']);
  const fsWriteBytes = c('container_fs_writes_bytes_total', 'Cumulative count of bytes written', [...CONTAINER, 'device']);
  const fsReads = c('container_fs_reads_total', 'Cumulative count of reads completed', [...CONTAINER, 'device']);
  const fsWrites = c('container_fs_writes_total', 'Cumulative count of writes completed', [...CONTAINER, 'device']);
  const blkioUsage = c('container_blkio_device_usage_total', 'Blkio device bytes usage', [...CONTAINER, 'device', 'major', 'minor', 'operation']);
  const processes = g('container_processes', 'Number of processes running inside the container.', CONTAINER);
  const threads = g('container_threads', 'Number of threads running inside the container', CONTAINER);
  const threadsMax = g('container_threads_max', 'Maximum number of threads allowed inside the container, 0 when unlimited', CONTAINER);
  const lastSeen = g('container_last_seen', 'Last time a container was seen by the exporter', CONTAINER);

  function netCounters(dir: 'receive' | 'transmit') {
    const labels = [...CONTAINER, 'interface'];
    return {
      bytes: c(`container_network_${dir}_bytes_total`, `Cumulative count of bytes ${dir === 'receive' ? 'received' : 'transmitted'}`, labels),
      packets: c(`container_network_${dir}_packets_total`, `Cumulative count of packets ${dir === 'receive' ? 'received' : 'transmitted'}`, labels),
      errors: c(`container_network_${dir}_errors_total`, `Cumulative count of errors encountered while ${dir === 'receive' ? 'receiving' : 'transmitting'}`, labels),
      dropped: c(`container_network_${dir}_packets_dropped_total`, `Cumulative count of packets dropped while ${dir === 'receive' ? 'receiving' : 'transmitting'}`, labels),
    };
  }

  const perContainer = [cpuUsage, cpuUser, cpuSystem, cfsPeriods, cfsThrottled, cfsThrottledSeconds, memUsage, memWorkingSet, memRss, memCache, memMapped, memFailcnt, memLimit,
    ...Object.values(rx), ...Object.values(tx), fsReadBytes, fsWriteBytes, fsReads, fsWrites, blkioUsage, processes, threads, threadsMax, lastSeen];

  async function recordContainer(r: ContainerStatsSample): Promise<void> {
    const s = r.sample;
    if (!s) return;
    const l = { id: r.id, name: r.name, image: r.image };
    cpuUsage.inc({ ...l, cpu: 'total' }, s.cpuTotalNs / 1e9);
    cpuUser.inc(l, s.cpuUserNs / 1e9);
    cpuSystem.inc(l, s.cpuSystemNs / 1e9);
    cfsPeriods.inc(l, s.throttling.periods);
    cfsThrottled.inc(l, s.throttling.throttledPeriods);
    cfsThrottledSeconds.inc(l, s.throttling.throttledTimeNs / 1e9);
    memUsage.set(l, s.memoryUsage);
    memWorkingSet.set(l, s.memoryWorkingSet);
    // v1 keeps hierarchical totals under total_*, v2 has one set of keys
    const m = s.memoryStat;
    memRss.set(l, (s.cgroupVersion === 1 ? m.total_rss : m.anon) ?? 0);
    memCache.set(l, (s.cgroupVersion === 1 ? m.total_cache : m.file) ?? 0);
    memMapped.set(l, (s.cgroupVersion === 1 ? m.total_mapped_file : m.file_mapped) ?? 0);
    memFailcnt.inc(l, s.memoryFailcnt);
    memLimit.set(l, s.memoryUnlimited ? 0 : s.memoryLimit);
    for (const n of r.networks) {
      const nl = { ...l, interface: n.name };
      rx.bytes.inc(nl, n.rxBytes); rx.packets.inc(nl, n.rxPackets); rx.errors.inc(nl, n.rxErrors); rx.dropped.inc(nl, n.rxDropped);
      tx.bytes.inc(nl, n.txBytes); tx.packets.inc(nl, n.txPackets); tx.errors.inc(nl, n.txErrors); tx.dropped.inc(nl, n.txDropped);
    }
    for (const [list, read, write] of [[s.blkio.serviceBytes, fsReadBytes, fsWriteBytes], [s.blkio.serviced, fsReads, fsWrites]] as const) {
      for (const e of list) {
        const op = e.op.toLowerCase();
        if (op !== 'read' && op !== 'write') continue;
        (op === 'read' ? read : write).inc({ ...l, device: await blockDeviceName(e.major, e.minor) }, e.value);
      }
    }
    for (const e of s.blkio.serviceBytes) {
      const operation = e.op[0]!.toUpperCase() + e.op.slice(1).toLowerCase();
      blkioUsage.inc({ ...l, device: await blockDeviceName(e.major, e.minor), major: String(e.major), minor: String(e.minor), operation }, e.value);
    }
    processes.set(l, s.pids);
    threads.set(l, s.threads);
    threadsMax.set(l, s.pidsLimit ?? 0);
    lastSeen.set(l, Math.floor(Date.now() / 1000));
  }

  let queue: Promise<unknown> = Promise.resolve();
  let infoDone = false;
  async function collect(): Promise<string> {
    if (!infoDone) {
      const info = await src.info();
      engineInfo.set({ version: info.serverVersion, commit: '', architecture: info.architecture, graphdriver: src.graphDriver, kernel: info.kernelVersion, os: info.operatingSystem, os_type: info.osType, daemon_id: info.id }, 1);
      engineCpus.set(info.ncpu);
      engineMemory.set(info.memTotal);
      infoDone = true;
    }
    const samples = await src.containers.statsAll();
    const n = src.containers.stateCounts();
    for (const state of ['running', 'paused', 'stopped'] as const) states.set({ state }, n[state]);
    const h = src.containers.healthCheckCounts();
    setCounter(healthChecks, h.total);
    setCounter(healthFailed, h.failed);
    setCounter(events, src.events.published);
    subscribers.set(src.events.clientSubscribers);
    // containers that went away must not linger in the next scrape
    for (const m of perContainer) m.reset();
    for (const r of samples) await recordContainer(r);
    return registry.metrics();
  }

  return {
    contentType: registry.contentType,
    scrape() {
      // one scrape at a time: a scrape resets and refills the shared families
      const next = queue.then(collect, collect);
      queue = next.catch(() => undefined);
      return next;
    },
    async time(kind, action, fn) {
      const end = actions[kind].startTimer({ action });
      try {
        return await fn();
      } finally {
        end();
      }
    },
  };
}

/** A counter whose source keeps the running total itself. */
function setCounter(ctr: Counter, total: number): void {
  ctr.reset();
  ctr.inc(total);
}
