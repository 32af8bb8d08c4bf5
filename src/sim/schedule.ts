// Runs the fault schedule: each entry becomes an event in the simulation's
// queue at its time, logged when it happens, acting on the network (links,
// partitions, blocks) or on a host (crash, restart, clock jump, signal).
import type { LinkChange, ScheduleAction, ScheduleEntry } from '../config/schedule';
import { parseSignal, signalName } from '../config/signals';
import { ConfigError, type FinalState } from '../config/types';
import { parseBandwidth, parseTime, UnitSyntaxError } from '../config/units';
import type { Scheduler } from '../core/scheduler';
import { GLOBAL_OWNER } from '../core/event-queue';
import type { Internet } from '../net/internet';
import type { Network } from '../net/network';
import type { Logger } from '../output/log';
import type { ReportHooks } from '../report/hooks';

/** What the schedule needs from the simulation to act on hosts. */
export interface HostControl {
  /** Index of the host named `name` (names were validated with the config). */
  hostIndex(name: string): number;
  crash(hostIndex: number): void;
  restart(hostIndex: number): void;
  isDown(hostIndex: number): boolean;
  /** Jumps the host's realtime clocks by `offsetNs` (monotonic clocks keep going). */
  jumpClock(hostIndex: number, offsetNs: number): void;
  /** Sends `signal` to the host's running processes whose program name is `process` (null: all). */
  kill(hostIndex: number, signal: number, process: string | null): number;
}

/** The host of this event queue entry: schedule events sort with the network's (no host). */
const SCHEDULE_EVENT_HOST = 0;

export class FaultSchedule {
  constructor(
    private readonly sched: Scheduler,
    private readonly network: Network,
    private readonly internet: Internet,
    private readonly hosts: HostControl,
    private readonly log: Logger,
    /** The run report's timeline, when a report is being recorded (read at each event). */
    private readonly report: () => ReportHooks | null = () => null,
  ) {}

  /** Logs an action and puts it on the report's timeline, on its host or the whole run's. */
  private note(a: ScheduleAction, where: string): void {
    const text = `${where}: ${describeAction(a)}`;
    this.log.info(null, text);
    this.report()?.event('host' in a ? a.host : null, a.kind, text);
  }

  /** Puts every entry in the event queue at its time (entries are sorted; equal times keep their order). */
  scheduleAll(entries: readonly ScheduleEntry[]): void {
    for (const e of entries)
      this.sched.at(e.atNs, SCHEDULE_EVENT_HOST, () => this.apply(e.action, e.where), undefined, GLOBAL_OWNER);
  }

  /** A link action from the API: its edge must exist (the YAML ones were checked with the config). */
  applyChecked(a: ScheduleAction & { kind: 'link' }, where: string, what: string): void {
    if (this.network.findEdge(a.source, a.target) === undefined) {
      throw new ConfigError(`${what}: the network graph has no edge ${a.source} -> ${a.target}`);
    }
    this.apply(a, where);
  }

  /** The kill action, returning how many processes got the signal. */
  kill(host: string, signal: number, process: string | null, where: string): number {
    const a: ScheduleAction = { kind: 'kill', host, signal, process };
    this.note(a, where);
    const n = this.hosts.kill(this.hosts.hostIndex(host), signal, process);
    if (n === 0) this.log.warn(host, `${where}: no running process matched`);
    return n;
  }

  /** Carries out one action now; `where` names it in the log (`schedule[3]`, `api`). */
  apply(a: ScheduleAction, where: string): void {
    this.note(a, where);
    switch (a.kind) {
      case 'link': {
        const edge = this.network.findEdge(a.source, a.target);
        if (edge === undefined) throw new Error(`invariant: ${where} names a link the config check let through`);
        this.network.changeLink(edge, a.change);
        return;
      }
      case 'partition':
        this.internet.partition(a.groups.map((g) => g.map((name) => this.hosts.hostIndex(name))));
        return;
      case 'block':
        this.internet.block(
          a.from.map((name) => this.hosts.hostIndex(name)),
          a.to.map((name) => this.hosts.hostIndex(name)),
        );
        return;
      case 'heal':
        this.internet.heal();
        return;
      case 'host-down': {
        const h = this.hosts.hostIndex(a.host);
        if (this.hosts.isDown(h)) this.log.warn(a.host, `${where}: the host is already down`);
        else this.hosts.crash(h);
        return;
      }
      case 'host-up': {
        const h = this.hosts.hostIndex(a.host);
        if (!this.hosts.isDown(h)) this.log.warn(a.host, `${where}: the host is not down`);
        else this.hosts.restart(h);
        return;
      }
      case 'clock-offset':
        this.hosts.jumpClock(this.hosts.hostIndex(a.host), a.offsetNs);
        return;
      case 'kill':
        // Logged above; kill() is the same action for the API, which wants the count.
        if (this.hosts.kill(this.hosts.hostIndex(a.host), a.signal, a.process) === 0) {
          this.log.warn(a.host, `${where}: no running process matched`);
        }
        return;
    }
  }
}

/** One line for the log. */
export function describeAction(a: ScheduleAction): string {
  switch (a.kind) {
    case 'link': {
      const c = a.change;
      const parts: string[] = [];
      if (c.up !== undefined) parts.push(c.up ? 'up' : 'down');
      if (c.latencyNs !== undefined) parts.push(`latency ${c.latencyNs} ns`);
      if (c.jitterNs !== undefined) parts.push(`jitter ${c.jitterNs} ns`);
      if (c.loss !== undefined) parts.push(`packet_loss ${c.loss}`);
      if (c.bandwidthBitsPerSec !== undefined) parts.push(`bandwidth ${c.bandwidthBitsPerSec} bit/s`);
      return `link ${a.source} -> ${a.target}: ${parts.join(', ')}`;
    }
    case 'partition':
      return `partition ${a.groups.map((g) => `[${g.join(', ')}]`).join(' | ')}`;
    case 'block':
      return `block [${a.from.join(', ')}] -> [${a.to.join(', ')}]`;
    case 'heal':
      return 'heal: every partition and block removed';
    case 'host-down':
      return `host ${a.host} down (crash)`;
    case 'host-up':
      return `host ${a.host} up (restart)`;
    case 'clock-offset':
      return `host ${a.host} realtime clock ${a.offsetNs >= 0 ? '+' : ''}${a.offsetNs} ns`;
    case 'kill':
      return `host ${a.host}: ${signalName(a.signal)} to ${a.process === null ? 'every process' : `'${a.process}'`}`;
  }
}

// ---------------------------------------------------------------------------
// The TypeScript API's handle on a running simulation (entries with `run`)

/**
 * A link change as the API takes it: times and bandwidths as unit strings
 * ('200 ms', '1 Mbit') or numbers (ns, bit/s).
 */
export interface LinkSettings {
  latency?: string | number;
  jitter?: string | number;
  packet_loss?: number;
  bandwidth?: string | number;
  up?: boolean;
}

/** One process as the schedule's functions see it. */
export interface ProcessView {
  host: string;
  /** `host.program.pid`, as in the output file names. */
  name: string;
  pid: number;
  running: boolean;
  /** How it ended; null while it runs. */
  exit: FinalState | null;
  /** Its stdout file (hosts/<host>/<program>.<pid>.stdout); null for a forked one (it shares its parent's). */
  stdoutPath: string | null;
}

/** Actions on one host. */
export interface HostHandle {
  /** Crash: every process killed, its connections vanish without FIN or RST, packets to it dropped. */
  down(): void;
  /** Restart: its configured processes start again (new pids, new output files). */
  up(): void;
  /** Jumps its realtime clocks by `offset` ('2 s', '-500 ms', or ns); monotonic clocks keep going. */
  clockOffset(offset: string | number): void;
  /** Sends `signal` ('SIGTERM' or a number) to its running processes named `process` (all when omitted); the count. */
  kill(signal: string | number, process?: string): number;
}

/** What a schedule function gets: the same actions as the YAML schedule, and the state of the run. */
export interface FaultControl {
  /** Simulated ns since the start. */
  readonly nowNs: number;
  /** The data directory (absolute). */
  readonly dataDir: string;
  link(source: number, target: number, settings: LinkSettings): void;
  /** Hosts in different groups exchange no packets. */
  partition(...groups: string[][]): void;
  /** Packets from `from` to `to` are dropped; the other way still flows. */
  block(from: string[], to: string[]): void;
  /** Removes every partition and block. */
  heal(): void;
  host(name: string): HostHandle;
  kill(host: string, signal: string | number, process?: string): number;
  /** Every process so far (configured ones and their children), in start order. */
  processes(): ProcessView[];
  /** Runs `fn` again after `delay` of simulated time ('1 s' or ns): lets a function wait for a condition. */
  after(delay: string | number, fn: (ctl: FaultControl) => void): void;
}

/** The parts of the simulation the control reads. */
export interface ControlTarget {
  readonly sched: Scheduler;
  readonly dataDir: string;
  readonly hostNames: readonly string[];
  processes(): ProcessView[];
}

function apiTime(value: string | number, what: string, allowNegative = false): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || (value < 0 && !allowNegative)) {
      throw new ConfigError(
        `${what}: expected whole nanoseconds${allowNegative ? '' : ' (not negative)'}, got ${value}`,
      );
    }
    return value;
  }
  const negative = allowNegative && value.trimStart().startsWith('-');
  try {
    const ns = parseTime(negative ? value.trimStart().slice(1) : value).base;
    return negative ? -ns : ns;
  } catch (err) {
    if (err instanceof UnitSyntaxError) throw new ConfigError(`${what}: '${value}' is not a time: ${err.reason}`);
    throw err;
  }
}

function apiBandwidth(value: string | number, what: string): number {
  let bits = value;
  if (typeof value === 'string') {
    try {
      bits = parseBandwidth(value).base;
    } catch (err) {
      if (err instanceof UnitSyntaxError)
        throw new ConfigError(`${what}: '${value}' is not a bandwidth: ${err.reason}`);
      throw err;
    }
  }
  if (typeof bits !== 'number' || !Number.isSafeInteger(bits) || bits <= 0) {
    throw new ConfigError(`${what}: expected a bandwidth above zero, got ${String(value)}`);
  }
  return bits;
}

/** Parses an API entry's `at` ('10 s' or ns). */
export function apiAtNs(at: string | number, what: string): number {
  return apiTime(at, what);
}

export function makeControl(target: ControlTarget, faults: FaultSchedule): FaultControl {
  const where = 'api';
  const known = (name: string, what: string): string => {
    if (!target.hostNames.includes(name)) throw new ConfigError(`${what}: no host named '${name}'`);
    return name;
  };
  const signal = (sig: string | number, what: string): number => {
    const n = parseSignal(sig);
    if (n === null) throw new ConfigError(`${what}: '${sig}' is not a signal name like SIGTERM or a number 1-31`);
    return n;
  };
  const ctl: FaultControl = {
    get nowNs() {
      return target.sched.nowNs;
    },
    dataDir: target.dataDir,
    link(source, target_, s) {
      const what = `ctl.link(${source}, ${target_})`;
      const change: LinkChange = {};
      if (s.latency !== undefined) change.latencyNs = apiTime(s.latency, `${what}.latency`);
      if (change.latencyNs === 0) throw new ConfigError(`${what}.latency: must not be zero`);
      if (s.jitter !== undefined) change.jitterNs = apiTime(s.jitter, `${what}.jitter`);
      if (s.packet_loss !== undefined) {
        if (!(s.packet_loss >= 0 && s.packet_loss <= 1)) {
          throw new ConfigError(`${what}.packet_loss: expected a probability in [0, 1], got ${s.packet_loss}`);
        }
        change.loss = s.packet_loss;
      }
      if (s.bandwidth !== undefined) change.bandwidthBitsPerSec = apiBandwidth(s.bandwidth, `${what}.bandwidth`);
      if (s.up !== undefined) change.up = s.up;
      faults.applyChecked({ kind: 'link', source, target: target_, change }, where, what);
    },
    partition(...groups) {
      const names = groups.flat();
      groups.forEach((g) => g.forEach((n) => known(n, 'ctl.partition')));
      const twice = names.find((n, i) => names.indexOf(n) !== i);
      if (twice !== undefined) throw new ConfigError(`ctl.partition: host '${twice}' is in two groups`);
      faults.apply({ kind: 'partition', groups: groups.map((g) => [...g]) }, where);
    },
    block(from, to) {
      [...from, ...to].forEach((n) => known(n, 'ctl.block'));
      faults.apply({ kind: 'block', from: [...from], to: [...to] }, where);
    },
    heal() {
      faults.apply({ kind: 'heal' }, where);
    },
    host(name) {
      const h = known(name, `ctl.host('${name}')`);
      return {
        down: () => faults.apply({ kind: 'host-down', host: h }, where),
        up: () => faults.apply({ kind: 'host-up', host: h }, where),
        clockOffset: (offset) =>
          faults.apply(
            { kind: 'clock-offset', host: h, offsetNs: apiTime(offset, `ctl.host('${h}').clockOffset`, true) },
            where,
          ),
        kill: (sig, process) => ctl.kill(h, sig, process),
      };
    },
    kill(host, sig, process) {
      const h = known(host, 'ctl.kill');
      const n = signal(sig, 'ctl.kill');
      return faults.kill(h, n, process ?? null, where);
    },
    processes: () => target.processes(),
    after(delay, fn) {
      const ns = apiTime(delay, 'ctl.after');
      target.sched.at(target.sched.nowNs + ns, SCHEDULE_EVENT_HOST, () => fn(ctl), undefined, GLOBAL_OWNER);
    },
  };
  return ctl;
}
