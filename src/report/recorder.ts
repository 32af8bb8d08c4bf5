// Collects what report.html shows while a simulation runs: counters the
// network and kernel keep anyway (interface bytes, per-path packets, syscall
// counts), sampled once per simulated interval between two events, plus the
// timeline (process ends, signals, generic events) and the log's problems.
// Nothing is allocated per packet or per syscall; series grow once per sample.
import type { Config } from '../config/types';
import { formatFinalState } from '../config/load';
import { signalName } from '../config/signals';
import { syscallName } from '../abi/syscalls';
import type { Kernel } from '../kernel/kernel';
import type { Internet, PathCounters } from '../net/internet';
import type { Interface } from '../net/interface';
import type { TcpEndpoint } from '../net/tcp/endpoint';
import type { Logger } from '../output/log';
import type { ReportHooks } from './hooks';
import type { ReportData, ReportProcess } from './data';
import { grown } from '../core/typed-arrays';

/** At most this many samples per series: fine enough for a plot, small for a 1000-host report. */
const MAX_SAMPLES = 400;
/** Timeline events and log lines kept (the rest are counted). */
const MAX_EVENTS = 20_000;
const MAX_PROBLEMS = 5_000;
/** TCP connections whose RTT and window are followed (the first ones seen). */
const MAX_CONNECTIONS = 400;
const SYSCALL_SLOTS = 512;
/** Hosts and paths whose own series go into the page (the busiest); the rest are in the totals and tables. */
const MAX_HOST_SERIES = 100;
const MAX_LINK_SERIES = 100;

/** The sampling interval: a round 1, 2 or 5 × 10^k ns giving at most MAX_SAMPLES samples. */
export function sampleIntervalNs(stopTimeNs: number): number {
  const raw = Math.max(1, Math.ceil(stopTimeNs / MAX_SAMPLES));
  for (let p = 1; ; p *= 10) for (const m of [1, 2, 5]) if (m * p >= raw) return m * p;
}

interface ConnSeries {
  host: string;
  label: string;
  /** Flat [timeNs, srttNs, cwndBytes] triples. */
  samples: number[];
}

interface PathStat {
  src: number;
  dst: number;
  carried: number;
  lost: number;
  seenCarried: number;
  seenLost: number;
  /** Flat [sample index, carried, lost] triples, only for intervals in which the path carried or lost anything. */
  points: number[];
  /** On the recorder's list of paths to sample: a path that carried nothing since costs nothing per sample. */
  dirty: boolean;
}

export class RunRecorder implements ReportHooks, PathCounters {
  readonly intervalNs: number;
  private nextSampleNs: number;
  private samples = 0;
  private readonly hostNames: string[];
  private readonly ifaces: Interface[] = [];
  private readonly sent: Float64Array[];
  private readonly received: Float64Array[];
  private readonly drops: Float64Array[];
  private readonly lastIface: Float64Array;
  private readonly paths = new Map<number, PathStat>();
  private readonly dirtyPaths: PathStat[] = [];
  private readonly conns = new Map<TcpEndpoint, ConnSeries>();
  /**
   * Per host, for each syscall column: count, blocked ns, longest block (null: no call yet). A
   * column per syscall number made anywhere in the run, not one per possible number: three
   * 512-entry arrays per host were 12 KiB allocated per host, most of it zeros (never touched,
   * so not resident: the peak RSS did not move).
   */
  private readonly syscallStats: Array<Float64Array | null>;
  /** Column per syscall number (-1: not made yet), and the number per column. */
  private readonly syscallColumn = new Int16Array(SYSCALL_SLOTS).fill(-1);
  private readonly columnNr: number[] = [];
  private slotSince = new Float64Array(64).fill(-1);
  private readonly events: ReportData['events'] = [];
  private eventsDropped = 0;
  private readonly problems: ReportData['problems'] = [];
  private problemsDropped = 0;
  private readonly problemCounts: Map<string, { warnings: number; errors: number }> = new Map();

  constructor(
    private readonly config: Config,
    private readonly kernel: Kernel,
    private readonly internet: Internet,
  ) {
    this.intervalNs = sampleIntervalNs(config.general.stopTimeNs);
    this.nextSampleNs = this.intervalNs;
    const n = config.hosts.length;
    this.hostNames = config.hosts.map((h) => h.name);
    const len = Math.ceil(config.general.stopTimeNs / this.intervalNs) + 1;
    this.sent = Array.from({ length: n }, () => new Float64Array(len));
    this.received = Array.from({ length: n }, () => new Float64Array(len));
    this.drops = Array.from({ length: n }, () => new Float64Array(len));
    this.lastIface = new Float64Array(n * 3);
    this.syscallStats = new Array<Float64Array | null>(n).fill(null);
    for (const s of internet.stacks) this.ifaces.push(s.iface as Interface);
  }

  /** Starts recording: the kernel's and network's hooks, the log's problems. Call before the run. */
  attach(logger: Logger): void {
    this.kernel.report = this;
    this.internet.pathCounters = this;
    logger.onProblem = (level, where, timeNs, msg) => this.problem(level, where, timeNs, msg);
  }

  /** The next sample's time: the scheduler ends its rounds there. */
  get nextSampleAtNs(): number {
    return this.nextSampleNs;
  }

  /** Between two events: takes the samples whose interval has ended. */
  tick(nowNs: number): void {
    while (nowNs >= this.nextSampleNs) this.sample();
  }

  // ------------------------------------------------------------ hooks

  syscall(hostId: number, slot: number, nr: number, blocked: boolean): void {
    if (slot >= this.slotSince.length) this.slotSince = grown(this.slotSince, slot + 1, -1);
    const now = this.kernel.sched.nowNs;
    if (blocked) {
      if (this.slotSince[slot] < 0) this.slotSince[slot] = now;
      return;
    }
    if (nr < 0 || nr >= SYSCALL_SLOTS) return;
    let col = this.syscallColumn[nr];
    if (col < 0) {
      col = this.syscallColumn[nr] = this.columnNr.length;
      this.columnNr.push(nr);
    }
    const at = col * 3;
    let stats = this.syscallStats[hostId];
    if (stats === null || stats.length <= at) stats = this.growSyscallStats(hostId, stats);
    stats[at]++;
    const since = this.slotSince[slot];
    if (since >= 0) {
      this.slotSince[slot] = -1;
      const took = now - since;
      stats[at + 1] += took;
      if (took > stats[at + 2]) stats[at + 2] = took;
    }
  }

  /** Room for every column so far (and a few more) in host h's syscall stats. */
  private growSyscallStats(h: number, old: Float64Array | null): Float64Array {
    const bigger = new Float64Array(Math.max(this.columnNr.length + 8, 16) * 3);
    if (old !== null) bigger.set(old);
    this.syscallStats[h] = bigger;
    return bigger;
  }

  signal(host: string, vpid: number, sig: number): void {
    this.event(host, 'signal', `${signalName(sig)} to pid ${vpid}`);
  }

  event(host: string | null, kind: string, label: string): void {
    // At the round's end, in the scheduler's order: which events MAX_EVENTS keeps must not depend on timing.
    this.kernel.sched.defer(this.addEvent, { host, kind, label });
  }

  private readonly addEvent = (e: { host: string | null; kind: string; label: string }): void => {
    if (this.events.length >= MAX_EVENTS) {
      this.eventsDropped++;
      return;
    }
    this.events.push({ t: this.kernel.sched.nowNs, host: e.host, kind: e.kind, label: e.label });
  };

  routed(src: number, dst: number, lost: boolean): void {
    const key = src * this.hostNames.length + dst;
    let s = this.paths.get(key);
    if (s === undefined) {
      s = { src, dst, carried: 0, lost: 0, seenCarried: 0, seenLost: 0, points: [], dirty: false };
      this.paths.set(key, s);
    }
    if (!s.dirty) {
      s.dirty = true;
      this.dirtyPaths.push(s);
    }
    if (lost) s.lost++;
    else s.carried++;
  }

  private problem(level: 'error' | 'warning', where: string | null, timeNs: number, msg: string): void {
    const key = where ?? '';
    let c = this.problemCounts.get(key);
    if (c === undefined) this.problemCounts.set(key, (c = { warnings: 0, errors: 0 }));
    if (level === 'error') c.errors++;
    else c.warnings++;
    if (this.problems.length >= MAX_PROBLEMS) {
      this.problemsDropped++;
      return;
    }
    this.problems.push({ t: timeNs, level, host: where, msg });
  }

  // ------------------------------------------------------------ sampling

  private sample(): void {
    const i = this.samples;
    const last = this.lastIface;
    for (let h = 0; h < this.ifaces.length; h++) {
      const f = this.ifaces[h];
      if (i < this.sent[h].length) {
        this.sent[h][i] = f.sentBytes - last[h * 3];
        this.received[h][i] = f.receivedBytes - last[h * 3 + 1];
        this.drops[h][i] = f.inboundDrops - last[h * 3 + 2];
      }
      last[h * 3] = f.sentBytes;
      last[h * 3 + 1] = f.receivedBytes;
      last[h * 3 + 2] = f.inboundDrops;
    }
    for (const s of this.dirtyPaths) {
      s.points.push(i, s.carried - s.seenCarried, s.lost - s.seenLost);
      s.seenCarried = s.carried;
      s.seenLost = s.lost;
      s.dirty = false;
    }
    this.dirtyPaths.length = 0;
    const t = this.nextSampleNs;
    for (const stack of this.internet.stacks) {
      const tcp = stack.tcp;
      if (tcp === null) continue;
      tcp.forEachConnection((e) => {
        // Closed connections linger (TIME_WAIT…) with their last values: they would draw flat lines.
        const st = e.conn.state;
        if (st === 'TIME_WAIT' || st === 'CLOSED' || st === 'LAST_ACK' || st === 'CLOSING') return;
        let c = this.conns.get(e);
        if (c === undefined) {
          if (this.conns.size >= MAX_CONNECTIONS) return;
          const label = `${ipText(e.localIp)}:${e.localPort} → ${ipText(e.remoteIp)}:${e.remotePort}`;
          c = { host: this.hostNames[stack.host.id], label, samples: [] };
          this.conns.set(e, c);
        }
        const srtt = e.conn.srttNs;
        if (srtt !== null) c.samples.push(t, srtt, e.conn.cwndBytes);
      });
    }
    this.samples++;
    this.nextSampleNs += this.intervalNs;
  }

  // ------------------------------------------------------------ the end

  /** Takes the last partial sample and puts everything together for the page. */
  finish(endNs: number, outcomes: ReadonlyArray<{ host: string; name: string; asExpected: boolean }>): ReportData {
    if (endNs > this.nextSampleNs - this.intervalNs) this.sample();
    const n = this.samples;
    const expected = new Map(outcomes.map((o) => [`${o.host}\u0000${o.name}`, o.asExpected]));
    const processes: ReportProcess[] = this.kernel.processes.map((p) => {
      const st = p.finalState();
      return {
        host: p.host.name,
        name: p.name,
        pid: p.vpid,
        startNs: p.startTimeNs,
        endNs: p.endTimeNs,
        state: formatFinalState(st),
        configured: p.config !== null,
        asExpected: expected.get(`${p.host.name}\u0000${p.name}`) ?? null,
      };
    });
    // Counted in one pass: a filter per host was quadratic (seconds at 10 000 hosts).
    const processesPerHost = new Uint32Array(this.hostNames.length);
    for (const p of this.kernel.processes) processesPerHost[p.host.id]++;
    const sum = (a: Float64Array) => a.subarray(0, n).reduce((x, y) => x + y, 0);
    const hosts = this.hostNames.map((name, h) => {
      const stats = this.syscallStats[h];
      const pc = this.problemCounts.get(name);
      return {
        name,
        sentBytes: sum(this.sent[h]),
        receivedBytes: sum(this.received[h]),
        drops: sum(this.drops[h]),
        syscalls: stats === null ? 0 : stats.reduce((x, y, i) => (i % 3 === 0 ? x + y : x), 0),
        warnings: pc?.warnings ?? 0,
        errors: pc?.errors ?? 0,
        processes: processesPerHost[h],
      };
    });
    const series = (a: Float64Array) => Array.from(a.subarray(0, n));
    const totals = (arrs: Float64Array[]) => {
      const out = new Array<number>(n).fill(0);
      for (const a of arrs) for (let i = 0; i < n; i++) out[i] += a[i];
      return out;
    };
    const busiest = hosts
      .map((h, i) => ({ i, bytes: h.sentBytes + h.receivedBytes + h.drops }))
      .filter((h) => h.bytes > 0)
      .sort((a, b) => b.bytes - a.bytes || a.i - b.i)
      .slice(0, MAX_HOST_SERIES);
    const hostSeries = busiest.map(({ i }) => ({
      name: this.hostNames[i],
      sent: series(this.sent[i]),
      received: series(this.received[i]),
      drops: series(this.drops[i]),
    }));
    const nodes = this.internet.network.hosts.map((h) => h.nodeId);
    // Dense series are built only for the paths the page lists; the totals add up every path's points.
    const carriedTotal = new Array<number>(n).fill(0);
    const lostTotal = new Array<number>(n).fill(0);
    const label = (s: PathStat): string =>
      `${this.hostNames[s.src]} → ${this.hostNames[s.dst]} (node ${nodes[s.src]} → ${nodes[s.dst]})`;
    const stats = [...this.paths.values()].map((s) => {
      for (let j = 0; j < s.points.length; j += 3) {
        if (s.points[j] >= n) continue;
        carriedTotal[s.points[j]] += s.points[j + 1];
        lostTotal[s.points[j]] += s.points[j + 2];
      }
      return { s, label: label(s) };
    });
    stats.sort((a, b) => b.s.carried + b.s.lost - (a.s.carried + a.s.lost) || (a.label < b.label ? -1 : 1));
    const links: ReportData['links'] = stats.slice(0, MAX_LINK_SERIES).map(({ s, label }) => {
      const carriedSeries = new Array<number>(n).fill(0);
      const lostSeries = new Array<number>(n).fill(0);
      for (let j = 0; j < s.points.length; j += 3) {
        if (s.points[j] >= n) continue;
        carriedSeries[s.points[j]] = s.points[j + 1];
        lostSeries[s.points[j]] = s.points[j + 2];
      }
      return { label, carried: s.carried, lost: s.lost, carriedSeries, lostSeries };
    });
    const total = {
      sent: totals(this.sent),
      received: totals(this.received),
      drops: totals(this.drops),
      carried: carriedTotal,
      lost: lostTotal,
    };
    const syscallTotals = new Float64Array(SYSCALL_SLOTS);
    const perHostSyscalls: ReportData['syscalls']['perHost'] = [];
    const slowest: ReportData['syscalls']['slowest'] = [];
    // Columns in syscall-number order, as the per-number arrays were read: ties keep that order.
    const columns = this.columnNr.map((nr, col) => ({ nr, col })).sort((a, b) => a.nr - b.nr);
    this.hostNames.forEach((host, h) => {
      const stats = this.syscallStats[h];
      if (stats === null) return;
      const top: Array<[string, number]> = [];
      for (const { nr, col } of columns) {
        const at = col * 3;
        const c = at < stats.length ? stats[at] : 0;
        if (c === 0) continue;
        syscallTotals[nr] += c;
        top.push([syscallName(nr), c]);
        const maxNs = stats[at + 2];
        if (maxNs > 0) slowest.push({ host, name: syscallName(nr), count: c, maxNs, totalNs: stats[at + 1] });
      }
      top.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      perHostSyscalls.push({ host, total: top.reduce((x, y) => x + y[1], 0), top: top.slice(0, 12) });
    });
    const frequent: Array<[string, number]> = [];
    syscallTotals.forEach((c, nr) => {
      if (c > 0) frequent.push([syscallName(nr), c]);
    });
    frequent.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    slowest.sort((a, b) => b.maxNs - a.maxNs || (a.host < b.host ? -1 : 1));
    const events = [...this.events];
    for (const p of processes) {
      if (p.endNs >= 0) events.push({ t: p.endNs, host: p.host, kind: 'exit', label: `${p.name} ${p.state}` });
    }
    events.sort((a, b) => a.t - b.t);
    return {
      version: 1,
      seed: this.config.general.seed,
      stopTimeNs: this.config.general.stopTimeNs,
      endNs,
      intervalNs: this.intervalNs,
      samples: n,
      hosts,
      hostSeries,
      total,
      linkCount: stats.length,
      processes,
      events,
      eventsDropped: this.eventsDropped,
      connections: [...this.conns.values()].filter((c) => c.samples.length > 0),
      links,
      syscalls: { frequent, perHost: perHostSyscalls, slowest: slowest.slice(0, 100) },
      problems: this.problems,
      problemsDropped: this.problemsDropped,
    };
  }
}

function ipText(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}
