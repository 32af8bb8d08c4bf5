// The progress line on stderr: simulated time, percent of stop time, wall
// time and speed-up. Redrawn in place on a terminal, a plain line otherwise.
import { STDERR } from './sink';
import { NS_PER_SEC } from '../core/time';

function hms(ns: number, withMs: boolean): string {
  const totalMs = Math.floor(ns / 1_000_000);
  const s = Math.floor(totalMs / 1000);
  const base = `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  return withMs ? `${base}.${String(totalMs % 1000).padStart(3, '0')}` : base;
}

export class Progress {
  private lastDrawWallNs = 0;
  private drawn = false;

  constructor(
    private readonly stopTimeNs: number,
    private readonly isTty: boolean,
    private readonly wallNow: () => number,
    private readonly startWallNs: number,
    private readonly failed: () => number,
  ) {}

  private get intervalNs(): number {
    return this.isTty ? 1 * NS_PER_SEC : 60 * NS_PER_SEC;
  }

  text(simNs: number): string {
    const wall = this.wallNow() - this.startWallNs;
    const pct = Math.round((100 * simNs) / this.stopTimeNs);
    const speed = wall > 0 ? simNs / wall : 0;
    return `${pct}% — simulated: ${hms(simNs, true)}/${hms(this.stopTimeNs, false)}, realtime: ${hms(wall, false)}, speed-up: ${speed.toFixed(1)}x, processes failed: ${this.failed()}`;
  }

  tick(simNs: number): void {
    const now = this.wallNow();
    if (now - this.lastDrawWallNs < this.intervalNs) return;
    this.lastDrawWallNs = now;
    this.draw(simNs);
  }

  draw(simNs: number): void {
    if (this.isTty) {
      STDERR.write(`\r\x1b[2K${this.text(simNs)}`);
      this.drawn = true;
    } else {
      STDERR.write(`Progress: ${this.text(simNs)}\n`);
    }
  }

  finish(simNs: number): void {
    this.draw(simNs);
    if (this.isTty && this.drawn) STDERR.write('\n');
  }
}
