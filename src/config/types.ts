// The typed, validated configuration that the rest of umbra consumes.
// Produced by config/load.ts from Shadow-compatible YAML plus command-line
// overrides; every time is an integer count of nanoseconds (SimTime).

import type { ScheduleEntry } from './schedule';

export type LogLevel = 'error' | 'warning' | 'info' | 'debug' | 'trace';

/** x86-64 signal number 1..31. */
export type SignalNumber = number;

export type FinalState =
  { kind: 'exited'; code: number } | { kind: 'signaled'; signal: SignalNumber } | { kind: 'running' };

export interface GeneralConfig {
  stopTimeNs: number;
  seed: number;
  parallelism: number;
  bootstrapEndTimeNs: number;
  logLevel: LogLevel;
  /** null disables heartbeats. */
  heartbeatIntervalNs: number | null;
  dataDirectory: string;
  templateDirectory: string | null;
  progress: boolean;
  modelUnblockedSyscallLatency: boolean;
  // umbra extensions
  /** general.start_date: Unix time in ms of simulated time 0 on realtime clocks (absent: 2000-01-01). */
  startDateUnixMs?: number;
  /** Write report.html into the data directory at the end (umbra extension; default true). */
  report: boolean;
}

export type GraphSource =
  | { type: '1_gbit_switch' }
  | { type: 'gml'; inline: string }
  | { type: 'gml'; file: { path: string; compression: 'xz' | null } };

export interface NetworkConfig {
  graph: GraphSource;
  useShortestPath: boolean;
}

export interface ExperimentalConfig {
  useSchedFifo: boolean;
  useSyscallCounters: boolean;
  useObjectCounters: boolean;
  usePreloadLibc: boolean;
  usePreloadOpensslRng: boolean;
  usePreloadOpensslCrypto: boolean;
  useMemoryManager: boolean;
  useCpuPinning: boolean;
  useWorkerSpinning: boolean;
  runaheadNs: number | null;
  useDynamicRunahead: boolean;
  socketSendBufferBytes: number;
  socketSendAutotune: boolean;
  socketRecvBufferBytes: number;
  socketRecvAutotune: boolean;
  interfaceQdisc: 'fifo' | 'round-robin';
  straceLoggingMode: 'off' | 'standard' | 'deterministic';
  maxUnappliedCpuLatencyNs: number;
  unblockedSyscallLatencyNs: number;
  unblockedVdsoLatencyNs: number;
  scheduler: 'thread-per-core' | 'thread-per-host';
  reportErrorsToStderr: boolean;
  useNewTcp: boolean;
  nativePreemptionEnabled: boolean;
  nativePreemptionNativeIntervalNs: number;
  nativePreemptionSimIntervalNs: number;
  /** umbra extension: wall time a managed thread may stay silent before umbra warns (0: never). */
  watchdogTimeoutNs: number;
}

export interface HostOptions {
  /** null = use general.logLevel */
  logLevel: LogLevel | null;
  pcapEnabled: boolean;
  pcapCaptureSizeBytes: number;
}

export interface ProcessConfig {
  /** The path string as written (after ~ expansion): becomes argv[0]. */
  path: string;
  /** Canonical absolute path of the executable (symlinks resolved). */
  resolvedPath: string;
  /** Absolute path execve runs, symlinks kept (see ResolvedExecutable.located); resolvedPath when absent. */
  execPath?: string;
  /** Arguments after argv[0]. */
  args: string[];
  /** Complete environment (LD_PRELOAD handled later by the spawner). */
  environment: Array<[string, string]>;
  startTimeNs: number;
  shutdownTimeNs: number | null;
  shutdownSignal: SignalNumber;
  expectedFinalState: FinalState;
}

export interface HostConfig {
  name: string;
  networkNodeId: number;
  ipAddr: string | null;
  bandwidthDownBits: number | null;
  bandwidthUpBits: number | null;
  options: HostOptions;
  processes: ProcessConfig[];
  // umbra extensions (IPv6); absent means automatic / dual
  /** Explicit IPv6 address (text as written). */
  ip6Addr?: string | null;
  /** Which families the host has: both (default), IPv4 only, IPv6 only. */
  ipFamily?: IpFamily;
}

export type IpFamily = 'dual' | 'ipv4' | 'ipv6';

export interface Config {
  general: GeneralConfig;
  network: NetworkConfig;
  experimental: ExperimentalConfig;
  /** Sorted by byte-wise name order. */
  hosts: HostConfig[];
  /**
   * The unit each quantity was written in, by YAML key path
   * ('general.stop_time' → 'sec', 'hosts.h.processes[0].start_time' → 'ms'), so
   * processed-config.yaml can print "10 sec" rather than "10000000000 ns" (§9.4).
   * Optional: a missing entry prints in a natural unit.
   */
  units?: Record<string, string>;

  // umbra extensions
  /** The fault schedule, ordered by time (absent: none). */
  schedule?: ScheduleEntry[];
}

/** A user mistake in the configuration or command line: one line, names the key/file. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
