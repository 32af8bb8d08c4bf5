// A whole simulation: builds hosts and the network from the Config, prepares
// the data directory, schedules process starts and shutdowns, runs the event
// loop to stop time (or until interrupted), and reports how every configured
// process ended and which output files could not be written.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Config } from '../config/types';
import { EXPERIMENTAL_FIELDS, getExperimental, noEffectWarning } from '../config/schema';
import { Host } from '../host/host';
import type { Process } from '../host/process';
import { SharedRegion } from '../host/shm';
import { native, SHIM_PATH } from '../native';
import { PROTOCOL, SHIM_EXIT, TSC_TRAP } from '../abi/protocol';
import { Internet } from '../net/internet';
import { packetBytes } from '../net/packet';
import { PcapFile } from '../output/pcap';
import { buildNetwork, Network } from '../net/network';
import { TcpStack } from '../net/tcp/stack';
import { Logger } from '../output/log';
import { Kernel } from '../kernel/kernel';
import { registerAllSyscalls } from '../syscall/index';
import { attachInternet } from '../syscall/socket';
import { SIGKILL } from '../abi/signals';
import { FaultSchedule, makeControl, type FaultControl, type HostControl, type ProcessView } from './schedule';
import { ConfigError } from '../config/types';
import { syscallName } from '../abi/syscalls';
import { effectiveParallelism, Scheduler } from '../core/scheduler';
import { GLOBAL_OWNER } from '../core/event-queue';
import { formatSimTime } from '../core/time';
import {
  createDataDirectory,
  fillDataDirectory,
  writeNewFile,
  writeOutputFile,
  type UnwrittenOutput,
} from '../output/data-dir';

/** Logged once per run when a shim found that rdtsc runs natively despite PR_SET_TSC. */
export const RDTSC_NOT_TRAPPED =
  'rdtsc is not trapped on this machine: programs that read the TSC directly see real time; ' +
  'runs may not be reproducible';

export interface ProcessOutcome {
  host: string;
  name: string;
  expected: Config['hosts'][number]['processes'][number]['expectedFinalState'];
  actual: ReturnType<Process['finalState']>;
  asExpected: boolean;
}

export interface RunResult {
  simTimeNs: number;
  wallNs: number;
  outcomes: ProcessOutcome[];
  unexpected: number;
  /** Set when the run was stopped early by interrupt(): the signal's name and the simulated time reached. */
  interrupted: { signal: string; simTimeNs: number } | null;
  /** Output files that could not be written (a full disk…), each with the reason. */
  unwritten: UnwrittenOutput[];
}

/** Unwinds the event loop when a stop was asked for. */
class Interrupted extends Error {}

export interface SimulationOptions {
  cwd: string;
  logger: Logger;
}

/**
 * The simulated /etc/gai.conf: glibc's default RFC 3484 precedences except
 * IPv4 (::ffff:0:0/96) raised above IPv6, the "prefer IPv4" setting Debian's
 * own gai.conf documents. Host names now have AAAA records too; this keeps a
 * name's IPv4 address first, so configs written for IPv4 behave as before. An
 * IPv6-only host still gets IPv6 first (glibc puts unreachable addresses last).
 */
const GAI_CONF = `# umbra: IPv4 before IPv6 for names with both (README, "IPv6")
precedence ::1/128       50
precedence ::/0          40
precedence 2002::/16     30
precedence ::/96         20
precedence ::ffff:0:0/96 100
`;

const runIt = (fn: () => void): void => fn();

export class Simulation {
  readonly hosts: Host[] = [];
  readonly network: Network;
  readonly sched: Scheduler;
  readonly kernel: Kernel;
  readonly dataDir: string;
  private readonly pcaps: PcapFile[] = [];
  /** Called between events with the current simulated time (progress display). */
  onTick: ((simNs: number) => void) | null = null;
  private readonly configured: Array<{ host: Host; index: number; process: Process | null; refused: boolean }> = [];
  /** Problems the shims report about this machine or build are logged once per run, not per process. */
  private tscWarned = false;
  private staleShimReported = false;
  /** Name of the signal that asked the run to stop, or null. */
  private stopSignal: string | null = null;
  /** Built by prepare(): the network's packet path and the fault schedule acting on it. */
  private internet: Internet | null = null;
  private faults: FaultSchedule | null = null;
  /** TypeScript API schedule entries with a function, by time (added before run()). */
  private readonly apiRuns: Array<{ atNs: number; run: (ctl: FaultControl) => void }> = [];

  constructor(
    readonly config: Config,
    private readonly opts: SimulationOptions,
  ) {
    this.network = buildNetwork(config, opts.cwd);
    this.dataDir = path.resolve(opts.cwd, config.general.dataDirectory);
    this.sched = new Scheduler(config.general.stopTimeNs);
    opts.logger.clock = () => this.sched.nowNs;
    const shm = new SharedRegion();
    const x = config.experimental;
    for (const f of EXPERIMENTAL_FIELDS)
      if (f.umbraAlways !== undefined && getExperimental(x, f.prop) !== f.umbraAlways) {
        opts.logger.warn(null, noEffectWarning(f.key));
      }
    this.sched.parallelism = effectiveParallelism(config.general.parallelism, config.hosts.length);
    opts.logger.defer = (fn) => this.sched.defer(runIt, fn);
    this.kernel = new Kernel(shm, this.sched, opts.logger, {
      modelUnblockedSyscallLatency: config.general.modelUnblockedSyscallLatency,
      unblockedSyscallLatencyNs: x.unblockedSyscallLatencyNs,
      unblockedVdsoLatencyNs: x.unblockedVdsoLatencyNs,
      maxUnappliedCpuLatencyNs: x.maxUnappliedCpuLatencyNs,
      useSyscallCounters: x.useSyscallCounters,
      straceLoggingMode: x.straceLoggingMode,
      watchdogTimeoutNs: x.watchdogTimeoutNs,
      hostsFilePath: path.join(this.dataDir, 'etc', 'hosts'),
      usePreloadLibc: x.usePreloadLibc,
    });
    registerAllSyscalls(this.kernel);
  }

  /**
   * Creates the data directory and per-host folders; writes the hosts file the shims substitute.
   * Throws a one-line ConfigError when the directory exists or cannot be created or written.
   */
  prepare(processedConfigText: string): void {
    const template = this.config.general.templateDirectory;
    createDataDirectory(
      this.dataDir,
      this.config.general.dataDirectory,
      template === null ? null : { dir: path.resolve(this.opts.cwd, template), given: template },
    );
    fillDataDirectory(this.dataDir, () => this.populate(processedConfigText));
  }

  /**
   * Asks the run to stop at the next point between events, as if stop time had
   * come: every managed process is killed and sim-stats.json records `signal`
   * and the simulated time reached. Safe to call at any time, also from onTick.
   */
  interrupt(signal: string): void {
    this.stopSignal ??= signal;
  }

  private populate(processedConfigText: string): void {
    writeNewFile(path.join(this.dataDir, 'processed-config.yaml'), processedConfigText);
    // A template may bring hosts/ and etc/ (and a host's own folder): kept, not an error, as in Shadow.
    fs.mkdirSync(path.join(this.dataDir, 'hosts'), { recursive: true });
    const etc = path.join(this.dataDir, 'etc');
    fs.mkdirSync(etc, { recursive: true });
    writeNewFile(path.join(etc, 'hosts'), this.network.hostsFile);
    writeNewFile(path.join(etc, 'gai.conf'), GAI_CONF);
    const shm = this.kernel.shm;
    const L = shm.layout;
    shm.writeI64(L.hdrTscHz, native().tscHz());
    const x = this.config.experimental;
    shm.u32[L.hdrPreemptEnabled >> 2] = x.nativePreemptionEnabled ? 1 : 0;
    shm.u32[L.hdrPreemptNativeUs >> 2] = Math.floor(x.nativePreemptionNativeIntervalNs / 1000);
    shm.writeI64(L.hdrPreemptSimNs, x.nativePreemptionSimIntervalNs);

    this.config.hosts.forEach((hc, i) => {
      const dir = path.join(this.dataDir, 'hosts', hc.name);
      makeHostDir(dir);
      const host = new Host(i, hc.name, this.network.hosts[i].ip, hc, dir, this.config.general.seed);
      host.ip6 = this.network.hosts[i].ip6;
      host.ip6Link = this.network.hosts[i].ip6Link;
      this.hosts.push(host);
      const hOff = shm.hostOffset(i);
      shm.u32[(hOff + L.hHostId) >> 2] = i;
      shm.u32[(hOff + L.hModelLatency) >> 2] = this.config.general.modelUnblockedSyscallLatency ? 1 : 0;
      shm.writeI64(hOff + L.hSyscallLatency, x.unblockedSyscallLatencyNs);
      shm.writeI64(hOff + L.hVdsoLatency, x.unblockedVdsoLatencyNs);
      shm.writeI64(hOff + L.hMaxUnapplied, x.maxUnappliedCpuLatencyNs);
      // umbra extension general.start_date: where every host's realtime clocks start.
      const startMs = this.config.general.startDateUnixMs;
      if (startMs !== undefined) {
        host.realtime.sec = Math.floor(startMs / 1000);
        host.realtime.nsec = (startMs - host.realtime.sec * 1000) * 1_000_000;
      }
      this.publishRealtime(host);
      // The shim serves getrandom from this same stream (native/shim/random.c).
      host.rng.shareState(shm.u32.subarray((hOff + L.hRngState) >> 2, ((hOff + L.hRngState) >> 2) + 4));
    });
    shm.sealSettings(this.config.hosts.length);
    const g = this.config.general;
    const internet = new Internet(this.network, this.hosts, this.sched, this.opts.logger, {
      bootstrapEndNs: g.bootstrapEndTimeNs,
      runaheadNs: x.runaheadNs,
      qdisc: x.interfaceQdisc,
      socketRecvBufferBytes: x.socketRecvBufferBytes,
      socketSendBufferBytes: x.socketSendBufferBytes,
      seed: g.seed,
    });
    attachInternet(this.kernel, internet);
    this.internet = internet;
    this.sched.lookaheadNs = () => internet.lookaheadNs();
    this.sched.runner = this.kernel;
    this.faults = new FaultSchedule(
      this.sched,
      this.network,
      internet,
      this.hostControl(),
      this.opts.logger,
      () => this.kernel.report,
    );
    for (const stack of internet.stacks) {
      TcpStack.attach(stack, {
        sendBufferBytes: x.socketSendBufferBytes,
        recvBufferBytes: x.socketRecvBufferBytes,
        sendAutotune: x.socketSendAutotune,
        recvAutotune: x.socketRecvAutotune,
      });
    }
    // Captures: hosts/<name>/eth0.pcap and lo.pcap for hosts with pcap_enabled.
    this.hosts.forEach((host, i) => {
      const o = host.config.options;
      if (!o.pcapEnabled) return;
      const files = {
        eth0: new PcapFile(path.join(host.dir, 'eth0.pcap'), o.pcapCaptureSizeBytes),
        lo: new PcapFile(path.join(host.dir, 'lo.pcap'), o.pcapCaptureSizeBytes),
      };
      this.pcaps.push(files.eth0, files.lo);
      internet.stacks[i].capture = (iface, p) => files[iface].write(this.sched.nowNs, packetBytes(p, this.network.ip6));
    });
  }

  run(): RunResult {
    const wallStart = native().monotonicNs();
    for (const host of this.hosts) {
      host.config.processes.forEach((pc, index) => {
        const slot = { host, index, process: null as Process | null, refused: false };
        this.configured.push(slot);
        this.sched.at(pc.startTimeNs, host.id, () => {
          // A host that is down starts its processes when it comes back up.
          if (this.internet?.hostDown[host.id] === 1) return;
          slot.process = this.kernel.spawnConfigured(host, pc);
          slot.refused = slot.process === null;
          this.checkShimReports(slot.process);
        });
        if (pc.shutdownTimeNs !== null) {
          this.sched.at(pc.shutdownTimeNs, host.id, () => {
            const p = slot.process;
            if (p && p.state === 'running') this.kernel.deliverSignal(p, pc.shutdownSignal);
          });
        }
      });
    }
    // A configured process may start while other hosts run and end before its shim attached, after spawning returned.
    this.kernel.onProcessEnd.push((p) => {
      if (p.config !== null) this.checkShimReports(p);
    });
    if (this.faults !== null) {
      const faults = this.faults;
      faults.scheduleAll(this.config.schedule ?? []);
      const ctl = this.control(faults);
      for (const { atNs, run } of this.apiRuns) this.sched.at(atNs, 0, () => run(ctl), undefined, GLOBAL_OWNER);
    }
    let interrupted: RunResult['interrupted'] = null;
    try {
      const onTick = this.onTick;
      const tick = (): void => {
        if (onTick) onTick(this.sched.nowNs);
        if (this.stopSignal !== null) throw new Interrupted();
      };
      if (this.stopSignal !== null) throw new Interrupted();
      this.sched.run(tick);
      tick(); // the last round may have been the one a stop was asked in
      this.checkShimReports(null); // shims of exec'd processes report too
      this.sched.nowNs = Math.max(this.sched.nowNs, this.config.general.stopTimeNs);
    } catch (e) {
      if (!(e instanceof Interrupted)) throw e;
      interrupted = { signal: this.stopSignal ?? 'unknown', simTimeNs: this.sched.nowNs };
    } finally {
      this.kernel.killAll();
      for (const f of this.pcaps) f.close();
      for (const fd of this.kernel.straceFds) fs.closeSync(fd);
      for (const h of this.kernel.onRunEnd) h();
    }
    const unwritten: UnwrittenOutput[] = [];
    for (const f of this.pcaps) {
      if (f.failure === null) continue;
      const from = f.failedAtNs >= 0 ? `; capture stopped at ${formatSimTime(f.failedAtNs)}` : '';
      unwritten.push({ path: f.path, reason: f.failure + from });
    }
    const outcomes: ProcessOutcome[] = this.configured.map(({ host, index, process, refused }) => {
      const pc = host.config.processes[index];
      // Refused for want of a slot: reported as a launcher whose exec failed.
      const notRun = refused ? ({ kind: 'exited', code: 127 } as const) : ({ kind: 'running' } as const);
      const actual = process ? process.finalState() : notRun;
      return {
        host: host.name,
        name: process ? process.name : `${host.name}.${path.basename(pc.resolvedPath)}.?`,
        expected: pc.expectedFinalState,
        actual,
        asExpected: sameState(pc.expectedFinalState, actual),
      };
    });
    const stats = this.writeStats(interrupted);
    if (stats !== null) unwritten.push(stats);
    return {
      simTimeNs: this.sched.nowNs,
      wallNs: native().monotonicNs() - wallStart,
      outcomes,
      unexpected: outcomes.filter((o) => !o.asExpected).length,
      interrupted,
      unwritten,
    };
  }

  /** Writes a host's realtime base where its shims read it (clock reads never make a round trip). */
  private publishRealtime(host: Host): void {
    const shm = this.kernel.shm;
    const off = shm.hostOffset(host.id) + shm.layout.hRealtimeBase;
    const [low, high] = host.realtime.halves();
    shm.u32[off >> 2] = low;
    shm.i32[(off >> 2) + 1] = high;
  }

  /**
   * Adds a TypeScript schedule entry: `run` is called at simulated time `atNs`
   * with a FaultControl. Call before run(); entries at one time run in the order added,
   * after the configuration's own schedule entries at that time.
   */
  scheduleRun(atNs: number, run: (ctl: FaultControl) => void, what = 'schedule'): void {
    if (!Number.isSafeInteger(atNs) || atNs < 0 || atNs >= this.config.general.stopTimeNs) {
      throw new ConfigError(`${what}: at ${atNs} ns is not within 0 .. general.stop_time`);
    }
    this.apiRuns.push({ atNs, run });
  }

  private control(faults: FaultSchedule): FaultControl {
    return makeControl(
      {
        sched: this.sched,
        dataDir: this.dataDir,
        hostNames: this.hosts.map((h) => h.name),
        processes: (): ProcessView[] =>
          this.kernel.processes.map((p) => ({
            host: p.host.name,
            name: p.name,
            pid: p.vpid,
            running: p.state === 'running',
            exit: p.state === 'running' ? null : p.finalState(),
            stdoutPath: p.config === null ? null : path.join(p.host.dir, `${p.exeName}.${p.vpid}.stdout`),
          })),
      },
      faults,
    );
  }

  /** The host actions of the fault schedule. */
  private hostControl(): HostControl {
    const internet = (): Internet => {
      if (this.internet === null) throw new Error('invariant: host control before prepare()');
      return this.internet;
    };
    return {
      hostIndex: (name) => {
        const i = this.hosts.findIndex((h) => h.name === name);
        if (i < 0) throw new Error(`invariant: no host '${name}'`);
        return i;
      },
      isDown: (i) => internet().hostDown[i] === 1,
      crash: (i) => this.crashHost(internet(), i),
      restart: (i) => {
        internet().hostDown[i] = 0;
        const now = this.sched.nowNs;
        for (const slot of this.configured) {
          if (slot.host.id !== i) continue;
          const pc = slot.host.config.processes[slot.index];
          // Processes not yet due start at their own start time.
          if (pc.startTimeNs > now) continue;
          slot.process = this.kernel.spawnConfigured(slot.host, pc);
        }
      },
      jumpClock: (i, offsetNs) => {
        this.hosts[i].realtime.jump(offsetNs);
        this.publishRealtime(this.hosts[i]);
      },
      kill: (i, signal, name) => {
        let n = 0;
        for (const p of [...this.hosts[i].processes]) {
          if (p.state !== 'running' || (name !== null && p.exeName !== name)) continue;
          this.kernel.deliverSignal(p, signal);
          n++;
        }
        return n;
      },
    };
  }

  /**
   * A crash: the host stops sending and receiving first, so its processes'
   * deaths reach no peer; every process is killed natively; then the
   * connections their closes left behind vanish without a FIN or RST.
   */
  private crashHost(internet: Internet, i: number): void {
    internet.hostDown[i] = 1;
    const k = this.kernel;
    for (const p of [...this.hosts[i].processes]) {
      if (p.state !== 'running' || p.nativePid <= 0) continue;
      k.addon.kill(p.nativePid, SIGKILL);
      const st = k.addon.reap(p.nativePid, true);
      p.waitStatus = st >= 0 ? st : SIGKILL;
      k.endProcess(p);
    }
    TcpStack.of(internet.stacks[i]).crash();
  }

  /**
   * Reads what the shims found at start-up: whether rdtsc really traps here
   * (a shared-header field) and whether `started` was refused by a shim built
   * from another protocol version (its exit status).
   */
  private checkShimReports(started: Process | null): void {
    const shm = this.kernel.shm;
    if (!this.tscWarned && (shm.u32[shm.layout.hdrTscTrap >> 2] & TSC_TRAP.NOT_TRAPPED) !== 0) {
      this.tscWarned = true;
      this.opts.logger.warn(null, RDTSC_NOT_TRAPPED);
    }
    if (this.staleShimReported || started === null || started.state !== 'exited') return;
    const end = started.finalState();
    const attached = started.threads.some((t) => t.nativeTid !== 0);
    if (!attached && end.kind === 'exited' && end.code === SHIM_EXIT.PROTOCOL_MISMATCH) {
      this.staleShimReported = true;
      this.opts.logger.error(
        null,
        `the shim ${SHIM_PATH} refused to run: it was not built for shim protocol version ${PROTOCOL.VERSION}; ` +
          `run 'npm install' to rebuild the native parts`,
      );
    }
  }

  /** Configured processes that already ended differently from what was expected. */
  unexpectedSoFar(): number {
    return this.configured.filter(
      ({ host, index, process }) =>
        process !== null &&
        process.state === 'exited' &&
        !sameState(host.config.processes[index].expectedFinalState, process.finalState()),
    ).length;
  }

  /** Writes sim-stats.json; returns what went wrong instead of throwing (a full disk must not lose the summary). */
  private writeStats(interrupted: RunResult['interrupted']): UnwrittenOutput | null {
    const counts: Record<string, number> = {};
    const entries: Array<[string, number]> = [];
    this.kernel.syscallCounts.forEach((n, nr) => {
      if (n > 0) entries.push([syscallName(nr), n]);
    });
    entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    for (const [k, v] of entries) counts[k] = v;
    // An interrupted run says so first, with how far it got; the counts so far follow.
    const record =
      interrupted === null
        ? {}
        : {
            interrupted: {
              signal: interrupted.signal,
              sim_time_ns: interrupted.simTimeNs,
              sim_time: formatSimTime(interrupted.simTimeNs),
            },
          };
    const stats = { ...record, objects: { alloc_counts: {}, dealloc_counts: {} }, syscalls: counts };
    return writeOutputFile(path.join(this.dataDir, 'sim-stats.json'), JSON.stringify(stats, null, 2) + '\n');
  }
}

function sameState(a: ProcessOutcome['expected'], b: ProcessOutcome['actual']): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'exited' && b.kind === 'exited') return a.code === b.code;
  if (a.kind === 'signaled' && b.kind === 'signaled') return a.signal === b.signal;
  return true;
}

/**
 * A host's folder under hosts/, which a template may already hold. Not `recursive: true`: its
 * walk up the path made this loop take about 80 µs per host, a second at 10 000 hosts.
 */
function makeHostDir(dir: string): void {
  try {
    fs.mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}
