// A simulated host: name, address, seeded RNG, its processes, the virtual
// pid counter (shared by processes and threads, from 1000) and its folder in
// the data directory.
import { Rng, hostSeed } from './rng';
import type { HostConfig } from '../config/types';
import type { Process } from './process';
import { FutexTable } from './futex-table';
import { RealtimeBase } from '../core/time';

export class Host {
  readonly rng: Rng;
  readonly processes: Process[] = [];
  private nextVid = 1000;
  /** Waiters on futexes in MAP_SHARED memory of this host's processes, keyed by mapped object and offset. */
  readonly sharedFutexes = new FutexTable();
  /** This host's realtime clocks (start date, scheduled jumps); mirrored into its shared-region block. */
  readonly realtime = new RealtimeBase();
  /** IPv6 address id (net/ip6.ts), 0 when the host has none; set with the network. */
  ip6 = 0;
  /** Its link-local IPv6 address id, 0 when it has none. */
  ip6Link = 0;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly ip: number,
    readonly config: HostConfig,
    readonly dir: string,
    masterSeed: number,
  ) {
    this.rng = new Rng(hostSeed(masterSeed, name));
  }

  allocVid(): number {
    return this.nextVid++;
  }

  get ipString(): string {
    const ip = this.ip;
    return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
  }
}
