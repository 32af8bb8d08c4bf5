// Built-in defaults and the key tables shared by the YAML loader, the command
// line (one flag per key) and processed-config.yaml, so the three never disagree
// about a key's name, type, default or printed unit (config.md §3–§5, §8, §10).

import type { ExperimentalConfig, GeneralConfig, HostOptions, LogLevel } from './types';

export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warning', 'info', 'debug', 'trace'];

/** What command-line flags may override; numbers are already in ns / bits / bytes. */
export interface CliOverrides {
  general?: Partial<GeneralConfig>;
  network?: { useShortestPath?: boolean };
  /** Overrides `host_option_defaults` (a host's own `host_options` still wins, §5). */
  hostOptionDefaults?: Partial<HostOptions>;
  experimental?: Partial<ExperimentalConfig>;
  /** Unit each given quantity was written in, by config key (e.g. 'general.stop_time' → 'sec'). */
  units?: Record<string, string>;
}

export const DEFAULT_GENERAL: Omit<GeneralConfig, 'stopTimeNs'> = {
  seed: 1,
  parallelism: 0,
  bootstrapEndTimeNs: 0,
  logLevel: 'info',
  heartbeatIntervalNs: 1_000_000_000,
  dataDirectory: 'umbra.data', // Shadow's is shadow.data; ours names our tool
  templateDirectory: null,
  progress: false,
  modelUnblockedSyscallLatency: false,
  report: true,
};

export const DEFAULT_HOST_OPTIONS: HostOptions = {
  logLevel: null,
  pcapEnabled: false,
  pcapCaptureSizeBytes: 65535,
};

export const DEFAULT_USE_SHORTEST_PATH = true;

/** How a scalar key is typed; drives the YAML reader, the CLI parser and printing. */
export type FieldKind =
  | { type: 'bool' }
  | { type: 'time'; nullable: boolean; defaultUnit: string }
  | { type: 'bytes'; defaultUnit: string }
  | { type: 'enum'; values: readonly string[] };

export interface ExperimentalField {
  /** YAML key; the CLI flag is `--` + key with `_` → `-`. */
  key: string;
  prop: keyof ExperimentalConfig;
  kind: FieldKind;
  help: string;
  /**
   * A Shadow option umbra has no switch for: it always behaves as this value. The key is
   * accepted for compatibility, left out of --help, and any other value logs noEffectWarning.
   */
  umbraAlways?: boolean;
}

/** The one line a run logs when an `umbraAlways` key is given another value. */
export function noEffectWarning(key: string): string {
  return `experimental.${key}: accepted for Shadow compatibility; has no effect`;
}

const BOOL: FieldKind = { type: 'bool' };

/** In the order of config.md §8, which is also the processed-config order. */
export const EXPERIMENTAL_FIELDS: readonly ExperimentalField[] = [
  {
    key: 'use_sched_fifo',
    prop: 'useSchedFifo',
    kind: BOOL,
    help: 'accepted for Shadow compatibility; has no effect',
    umbraAlways: false,
  },
  {
    key: 'use_syscall_counters',
    prop: 'useSyscallCounters',
    kind: BOOL,
    help: 'count syscalls per name (log and sim-stats.json)',
  },
  {
    key: 'use_object_counters',
    prop: 'useObjectCounters',
    kind: BOOL,
    help: 'accepted for Shadow compatibility; has no effect',
    umbraAlways: false,
  },
  {
    key: 'use_preload_libc',
    prop: 'usePreloadLibc',
    kind: BOOL,
    help: "libc's read, write, send*, recv*, poll, epoll_wait and syscall(futex) skip the seccomp trap",
  },
  {
    key: 'use_preload_openssl_rng',
    prop: 'usePreloadOpensslRng',
    kind: BOOL,
    help: 'accepted for Shadow compatibility; has no effect',
    umbraAlways: true,
  },
  {
    key: 'use_preload_openssl_crypto',
    prop: 'usePreloadOpensslCrypto',
    kind: BOOL,
    help: 'accepted for Shadow compatibility; has no effect',
    umbraAlways: false,
  },
  {
    key: 'use_memory_manager',
    prop: 'useMemoryManager',
    kind: BOOL,
    help: 'accepted for Shadow compatibility; has no effect',
    umbraAlways: false,
  },
  {
    key: 'use_cpu_pinning',
    prop: 'useCpuPinning',
    kind: BOOL,
    help: 'accepted for Shadow compatibility; has no effect',
    umbraAlways: false,
  },
  {
    key: 'use_worker_spinning',
    prop: 'useWorkerSpinning',
    kind: BOOL,
    help: 'accepted for Shadow compatibility; has no effect',
    umbraAlways: false,
  },
  {
    key: 'runahead',
    prop: 'runaheadNs',
    kind: { type: 'time', nullable: true, defaultUnit: 'ms' },
    help: 'lower bound on the scheduling-round length (null: none)',
  },
  {
    key: 'use_dynamic_runahead',
    prop: 'useDynamicRunahead',
    kind: BOOL,
    help: 'accepted for Shadow compatibility; has no effect',
    umbraAlways: false,
  },
  {
    key: 'socket_send_buffer',
    prop: 'socketSendBufferBytes',
    kind: { type: 'bytes', defaultUnit: 'B' },
    help: 'initial socket send buffer',
  },
  { key: 'socket_send_autotune', prop: 'socketSendAutotune', kind: BOOL, help: 'send-buffer autotuning' },
  {
    key: 'socket_recv_buffer',
    prop: 'socketRecvBufferBytes',
    kind: { type: 'bytes', defaultUnit: 'B' },
    help: 'initial socket receive buffer',
  },
  { key: 'socket_recv_autotune', prop: 'socketRecvAutotune', kind: BOOL, help: 'receive-window autotuning' },
  {
    key: 'interface_qdisc',
    prop: 'interfaceQdisc',
    kind: { type: 'enum', values: ['fifo', 'round-robin'] },
    help: 'how an interface picks the next socket to send from',
  },
  {
    key: 'strace_logging_mode',
    prop: 'straceLoggingMode',
    kind: { type: 'enum', values: ['off', 'standard', 'deterministic'] },
    help: 'per-process syscall trace files',
  },
  {
    key: 'max_unapplied_cpu_latency',
    prop: 'maxUnappliedCpuLatencyNs',
    kind: { type: 'time', nullable: false, defaultUnit: 'μs' },
    help: 'pending CPU latency applied once it reaches this',
  },
  {
    key: 'unblocked_syscall_latency',
    prop: 'unblockedSyscallLatencyNs',
    kind: { type: 'time', nullable: false, defaultUnit: 'μs' },
    help: 'charge per non-blocking syscall',
  },
  {
    key: 'unblocked_vdso_latency',
    prop: 'unblockedVdsoLatencyNs',
    kind: { type: 'time', nullable: false, defaultUnit: 'ns' },
    help: 'charge per vDSO-style time call or rdtsc',
  },
  {
    key: 'scheduler',
    prop: 'scheduler',
    kind: { type: 'enum', values: ['thread-per-core', 'thread-per-host'] },
    help: 'host-to-thread scheduling strategy',
  },
  { key: 'report_errors_to_stderr', prop: 'reportErrorsToStderr', kind: BOOL, help: 'echo error log lines to stderr' },
  { key: 'use_new_tcp', prop: 'useNewTcp', kind: BOOL, help: 'alternate TCP implementation' },
  {
    key: 'native_preemption_enabled',
    prop: 'nativePreemptionEnabled',
    kind: BOOL,
    help: 'preempt code that runs long without a syscall (not deterministic)',
  },
  {
    key: 'native_preemption_native_interval',
    prop: 'nativePreemptionNativeIntervalNs',
    kind: { type: 'time', nullable: false, defaultUnit: 'ms' },
    help: 'real CPU time before preempting (at least 1 μs)',
  },
  {
    key: 'native_preemption_sim_interval',
    prop: 'nativePreemptionSimIntervalNs',
    kind: { type: 'time', nullable: false, defaultUnit: 'ms' },
    help: 'simulated time charged per preemption',
  },
  {
    key: 'watchdog_timeout',
    prop: 'watchdogTimeoutNs',
    kind: { type: 'time', nullable: false, defaultUnit: 's' },
    help: 'wall time a managed thread may stay stuck natively before umbra warns, repeated; 0 = off',
  },
];

export const DEFAULT_EXPERIMENTAL: ExperimentalConfig = {
  useSchedFifo: false,
  useSyscallCounters: true,
  useObjectCounters: false,
  usePreloadLibc: true,
  usePreloadOpensslRng: true,
  usePreloadOpensslCrypto: false,
  useMemoryManager: false,
  useCpuPinning: false,
  useWorkerSpinning: false,
  runaheadNs: 1_000_000,
  useDynamicRunahead: false,
  socketSendBufferBytes: 131072,
  socketSendAutotune: true,
  socketRecvBufferBytes: 174760,
  socketRecvAutotune: true,
  interfaceQdisc: 'fifo',
  straceLoggingMode: 'off',
  maxUnappliedCpuLatencyNs: 1_000,
  unblockedSyscallLatencyNs: 1_000,
  unblockedVdsoLatencyNs: 10,
  scheduler: 'thread-per-core',
  reportErrorsToStderr: true,
  useNewTcp: false,
  nativePreemptionEnabled: false,
  nativePreemptionNativeIntervalNs: 100_000_000,
  nativePreemptionSimIntervalNs: 10_000_000,
  watchdogTimeoutNs: 60_000_000_000,
};

/** Units the built-in defaults print with (§3, §5, §8 write them this way). */
export const DEFAULT_UNITS: Readonly<Record<string, string>> = {
  'general.bootstrap_end_time': 'sec',
  'general.heartbeat_interval': 'sec',
  'host_option_defaults.pcap_capture_size': 'B',
  ...Object.fromEntries(
    EXPERIMENTAL_FIELDS.flatMap((f) =>
      f.kind.type === 'time' || f.kind.type === 'bytes' ? [[`experimental.${f.key}`, f.kind.defaultUnit]] : [],
    ),
  ),
};

/** Key of a host quantity in Config.units, e.g. 'hosts.server.bandwidth_down'. */
export function hostUnitKey(host: string, key: string): string {
  return `hosts.${host}.${key}`;
}

/** Key of a process quantity in Config.units, e.g. 'hosts.server.processes[0].start_time'. */
export function processUnitKey(host: string, index: number, key: string): string {
  return `hosts.${host}.processes[${index}].${key}`;
}

/** Reads an experimental value by its table entry without widening the config type to any. */
export function getExperimental(cfg: ExperimentalConfig, prop: keyof ExperimentalConfig): unknown {
  return (cfg as unknown as Record<string, unknown>)[prop];
}

/** Writes an experimental value by its table entry; callers have checked the type. */
export function setExperimental(
  cfg: Partial<ExperimentalConfig>,
  prop: keyof ExperimentalConfig,
  value: unknown,
): void {
  (cfg as Record<string, unknown>)[prop] = value;
}
