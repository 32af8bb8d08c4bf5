// Shared machinery for the benchmarks: run the real umbra CLI on a generated
// config and time it from outside, run the same program natively, read the
// "key=value" lines the bench programs print, and format one result line.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');
export const UMBRA = path.join(REPO, 'bin', 'umbra.js');

/** Absolute path of a program built from tests/programs/<name>.c. */
export function program(name: string): string {
  const p = path.join(REPO, 'native', 'out', 'programs', name);
  if (!fs.existsSync(p)) throw new Error(`${p} is missing: run 'npm run build' (make -C native) first`);
  return p;
}

export interface ProcessSpec {
  path: string;
  args: string;
  startTime?: string;
}

export interface UmbraConfig {
  /** host name → its processes; every host sits on network node 0 of a 1_gbit_switch. */
  hosts: Record<string, ProcessSpec[]>;
  /** Extra keys of the `experimental` section, written as given. */
  experimental?: Record<string, string | number | boolean>;
  stopTime?: string;
}

export function configYaml(c: UmbraConfig): string {
  const lines = [
    `general: {stop_time: ${c.stopTime ?? '2000 s'}, data_directory: out.data}`,
    'network: {graph: {type: 1_gbit_switch}}',
  ];
  const exp = Object.entries(c.experimental ?? {});
  if (exp.length > 0) lines.push(`experimental: {${exp.map(([k, v]) => `${k}: ${String(v)}`).join(', ')}}`);
  lines.push('hosts:');
  for (const [host, procs] of Object.entries(c.hosts)) {
    lines.push(`  ${host}:`, '    network_node_id: 0', '    processes:');
    for (const p of procs) {
      const start = p.startTime ? `, start_time: ${p.startTime}` : '';
      lines.push(`    - {path: ${JSON.stringify(p.path)}, args: ${JSON.stringify(p.args)}${start}}`);
    }
  }
  return lines.join('\n') + '\n';
}

export interface UmbraResult {
  /** Wall time of the whole `node bin/umbra.js` run, start-up included. */
  wallNs: number;
  /** stdout of the one process of `prog` (file name) on `host`. */
  stdout(host: string, prog: string): string;
}

/** Runs the CLI on `c` in a fresh temp directory; throws unless it exits 0. */
export function runUmbra(c: UmbraConfig, timeoutMs = 120_000): UmbraResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'umbra-bench-'));
  try {
    fs.writeFileSync(path.join(dir, 'cfg.yaml'), configYaml(c));
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [UMBRA, 'cfg.yaml'], { cwd: dir, encoding: 'utf8', timeout: timeoutMs });
    const wallNs = Number(process.hrtime.bigint() - t0);
    if (r.status !== 0) {
      const why = r.error ? r.error.message : `exit ${String(r.status ?? r.signal)}`;
      throw new Error(`umbra run failed (${why}):\n${configYaml(c)}${tail(r.stderr ?? '')}`);
    }
    const outputs = new Map<string, string>();
    const hostsDir = path.join(dir, 'out.data', 'hosts');
    for (const host of fs.readdirSync(hostsDir)) {
      for (const f of fs.readdirSync(path.join(hostsDir, host))) {
        if (f.endsWith('.stdout')) outputs.set(`${host}/${f}`, fs.readFileSync(path.join(hostsDir, host, f), 'utf8'));
      }
    }
    return {
      wallNs,
      stdout(host: string, prog: string): string {
        const hits = [...outputs.keys()].filter((k) => k.startsWith(`${host}/${prog}.`));
        if (hits.length !== 1) throw new Error(`expected one ${host}/${prog}.*.stdout, found ${hits.length}`);
        return outputs.get(hits[0]) ?? '';
      },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a program natively (no shim) and returns its stdout; throws unless it exits 0. */
export function runNative(prog: string, args: string[], timeoutMs = 120_000): string {
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
