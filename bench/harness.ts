// Shared machinery for the benchmarks: run the real umbra CLI on a generated
// config (through the tests' helper, tests/helpers/umbra.ts) and time it from
// outside, run the same program natively, start a native server and learn its
// port, read the "key=value" lines the bench programs print, and format one
// result line.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  config,
  GraphSpec,
  HANG_TIMEOUT_MS,
  host,
  ProcessSpec,
  removeTempDir,
  runUmbra as runCli,
} from '../tests/helpers/umbra';

export { program, UMBRA } from '../tests/helpers/umbra';

export interface UmbraConfig {
  /** host name → its processes; every host sits on network node 0 (of a 1_gbit_switch unless `graph`). */
  hosts: Record<string, ProcessSpec[]>;
  /** Experimental keys, passed as the CLI's --<key-with-dashes> flags. */
  experimental?: Record<string, string | number | boolean>;
  stopTime?: string;
  /** Further lines of the general section (YAML). */
  general?: string;
  graph?: GraphSpec;
}

export function configYaml(c: UmbraConfig): string {
  const hosts = Object.entries(c.hosts).map(([name, procs]) => host(name, procs));
  const general = [`stop_time: ${c.stopTime ?? '2000 s'}`, ...(c.general ? [c.general] : [])].join('\n');
  return config(hosts.join(''), general, c.graph);
}

export interface UmbraResult {
  /** Wall time of the whole `node bin/umbra.js` run, start-up included. */
  wallNs: number;
  /** stdout of the one process of `prog` (file name) on `host`. */
  stdout(host: string, prog: string): string;
}

/** Runs the CLI on `c` in a fresh temp directory, removed before returning; throws unless it exits 0. */
export function runUmbra(c: UmbraConfig): UmbraResult {
  const yaml = configYaml(c);
  const flags = Object.entries(c.experimental ?? {}).flatMap(([k, v]) => [`--${k.replace(/_/g, '-')}`, String(v)]);
  const r = runCli(yaml, flags);
  try {
    if (r.status !== 0)
      throw new Error(`umbra run failed (exit ${String(r.status ?? r.signal)}):\n${yaml}${tail(r.stderr)}`);
    const outputs = new Map<string, string>();
    for (const h of fs.readdirSync(path.join(r.dataDir, 'hosts')))
      for (const f of r.files(h)) if (f.endsWith('.stdout')) outputs.set(`${h}/${f}`, r.output(h, f));
    return {
      wallNs: r.wallNs,
      stdout(h: string, prog: string): string {
        const hits = [...outputs.keys()].filter((k) => k.startsWith(`${h}/${prog}.`));
        if (hits.length !== 1) throw new Error(`expected one ${h}/${prog}.*.stdout, found ${hits.length}`);
        return outputs.get(hits[0]) ?? '';
      },
    };
  } finally {
    removeTempDir(r.dir);
  }
}

export interface NativeServer {
  child: ChildProcess;
  /** The port the server printed. */
  port: number;
  /** Resolves when the server has exited. */
  closed: Promise<void>;
  /** SIGKILL unless it has already exited. */
  kill(): void;
}

/**
 * Starts `prog args` natively and waits until its stdout matches `portPattern`
 * (group 1: the port); its stderr goes to ours unless `quiet`.
 */
export async function startNativeServer(
  prog: string,
  args: string[],
  portPattern: RegExp,
  opts: { cwd?: string; quiet?: boolean } = {},
): Promise<NativeServer> {
  const child = spawn(prog, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', opts.quiet ? 'ignore' : 'inherit'] });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let buf = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d: string) => {
        buf += d;
        const m = portPattern.exec(buf);
        if (m) resolve(Number(m[1]));
      });
      child.on('error', reject);
      child.on('close', () => reject(new Error(`native ${path.basename(prog)} exited before naming its port`)));
    });
    return { child, port, closed, kill };
  } catch (e) {
    kill();
    throw e;
  }
}

/** Runs a program natively (no shim) and returns its stdout; throws unless it exits 0. */
export function runNative(prog: string, args: string[], timeoutMs = HANG_TIMEOUT_MS): string {
  const r = spawnSync(prog, args, { encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) {
    const why = r.error ? r.error.message : `exit ${String(r.status ?? r.signal)}`;
    throw new Error(`native ${path.basename(prog)} ${args.join(' ')} failed (${why}):\n${tail(r.stderr ?? '')}`);
  }
  return r.stdout;
}

/** The number after `key=` in a bench program's output. */
export function field(text: string, key: string): number {
  const m = new RegExp(`(?:^|\\s)${key}=(-?\\d+)`).exec(text);
  if (!m) throw new Error(`no ${key}= in program output: ${JSON.stringify(text)}`);
  return Number(m[1]);
}

export interface PerOp {
  /** Wall nanoseconds per operation: (best large run − best small run) / (large − small). */
  perOpNs: number;
  /** Best wall time of the small run: CLI start-up, config, spawn, teardown. */
  startupNs: number;
  /** Best wall time of the large run. */
  largeNs: number;
  /** The last large run, for checks on what the program printed. */
  last: UmbraResult;
}

/**
 * Times an operation under umbra from outside: runs the config built for a
 * tiny count and for a large count, alternating, `reps` times each, and takes
 * the best of each so start-up cost cancels and noise (which only adds) shrinks.
 */
export function umbraPerOp(make: (n: number) => UmbraConfig, small: number, large: number, reps: number): PerOp {
  let bestSmall = Infinity;
  let bestLarge = Infinity;
  let last: UmbraResult | null = null;
  for (let i = 0; i < reps; i++) {
    bestSmall = Math.min(bestSmall, runUmbra(make(small)).wallNs);
    last = runUmbra(make(large));
    bestLarge = Math.min(bestLarge, last.wallNs);
  }
  if (!last) throw new Error('reps must be at least 1');
  return {
    perOpNs: Math.max(0, bestLarge - bestSmall) / (large - small),
    startupNs: bestSmall,
    largeNs: bestLarge,
    last,
  };
}

/** Best-of-`reps` nanoseconds per operation of a native run that reports `elapsed_ns` for `n` operations. */
export function nativePerOp(prog: string, args: string[], n: number, reps: number): number {
  let best = Infinity;
  for (let i = 0; i < reps; i++) best = Math.min(best, field(runNative(prog, args), 'elapsed_ns') / n);
  return best;
}

/** A number with about three significant digits (thousands grouped). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a === 0) return '0';
  return x.toPrecision(2);
}

export function fmtMs(ns: number): string {
  return `${Math.round(ns / 1e6)} ms`;
}

/** 20000000 → "20M", 50000 → "50,000". */
export function fmtCount(n: number): string {
  return n >= 1_000_000 && n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n.toLocaleString('en-US');
}

export function us(ns: number): string {
  return `${fmt(ns / 1000)} µs`;
}

export function ratio(x: number): string {
  return `${fmt(x)}x`;
}

export function verdict(target: string, met: boolean): string {
  return `(target ${target}: ${met ? 'met' : 'MISSED'})`;
}

/** Prints one measurement: the name in a fixed-width column, then the parts. */
export function report(name: string, ...parts: string[]): void {
  console.log(`${name.padEnd(20)} ${parts.join('  ')}`);
}

/** A secondary line under a measurement (method, sanity checks). */
export function note(text: string): void {
  console.log(`${''.padEnd(20)} · ${text}`);
}

function tail(text: string, lines = 20): string {
  return text.split('\n').slice(-lines).join('\n');
}
