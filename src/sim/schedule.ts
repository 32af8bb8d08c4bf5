// Runs the fault schedule: each entry becomes an event in the simulation's
// queue at its time, logged when it happens, acting on the network (links,
// partitions, blocks) or on a host (crash, restart, clock jump, signal).
import type { ScheduleAction, ScheduleEntry } from '../config/schedule';
import { signalName } from '../config/signals';
import type { Scheduler } from '../core/scheduler';
import type { Internet } from '../net/internet';
import type { Network } from '../net/network';
import type { Logger } from '../output/log';

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
  ) {}

  /** Puts every entry in the event queue at its time (entries are sorted; equal times keep their order). */
  scheduleAll(entries: readonly ScheduleEntry[]): void {
    for (const e of entries) this.sched.at(e.atNs, SCHEDULE_EVENT_HOST, () => this.apply(e.action, e.where));
  }

  /** Carries out one action now; `where` names it in the log (`schedule[3]`, `api`). */
  apply(a: ScheduleAction, where: string): void {
    this.log.info(null, `${where}: ${describeAction(a)}`);
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
      case 'kill': {
        const n = this.hosts.kill(this.hosts.hostIndex(a.host), a.signal, a.process);
        if (n === 0) this.log.warn(a.host, `${where}: no running process matched`);
        return;
      }
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
