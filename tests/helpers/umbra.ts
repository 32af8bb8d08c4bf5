// Test harness shared by the integration tests, the slow tier and the
// benchmarks: builds Shadow configs (a 1_gbit_switch or a GML graph of N
// nodes), runs the real umbra CLI in a fresh temp directory that is removed
// when the test ends, and gives access to what the managed programs wrote.
//
// Nothing here bounds how long a run takes, except a safety net against
// hangs (HANG_TIMEOUT_MS) that a slow machine never comes near; the wall time
// a run reports is for the benchmarks, and no test may assert on it.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const UMBRA = path.join(REPO, 'bin', 'umbra.js');
export const PROGRAMS = path.join(REPO, 'native', 'out', 'programs');

/**
 * How long one umbra run may take before it counts as hung. Runs in the fast
 * tier take seconds on an idle machine; ten minutes is far beyond any slowness.
 */
export const HANG_TIMEOUT_MS = 10 * 60_000;
/** The same net for the slow tier, whose runs take up to a minute or two idle. */
export const SLOW_HANG_TIMEOUT_MS = 40 * 60_000;

/** A C test program built from tests/programs/<name>.c by `make -C native`. */
export function program(name: string): string {
  const p = path.join(PROGRAMS, name);
  if (!fs.existsSync(p)) throw new Error(`${p} is missing: run 'npm run build' (make -C native) first`);
  return p;
}

/** Absolute path of a program in PATH or sbin; fails with a clear message when it is not installed. */
export function which(name: string): string {
  const r = spawnSync('sh', ['-c', `PATH="$PATH:/usr/sbin:/sbin" command -v ${name}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  if (r.status !== 0 || p === '')
    throw new Error(`${name} is not installed (apt-get install -y nginx-light iperf3 redis-server redis-tools)`);
  return p;
}

// ---------------------------------------------------------------- temp dirs

const pending = new Set<string>();
let exitHookInstalled = false;

/** Removes a directory made by tempDir() now (it would otherwise go when the test ends). */
export function removeTempDir(dir: string): void {
  pending.delete(dir);
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * Removes `dir` (recursively) when the current test ends, passed or failed;
 * at process exit when not inside node:test (benchmarks, a test file run
 * with plain `node`), and at exit anyway for anything a hook missed.
 */
export function removeWhenDone(dir: string): void {
  pending.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const d of [...pending]) removeTempDir(d);
    });
  }
  // Inside a test, node:test attaches the hook to that test (at a file's top
  // level, to the file). Outside the test runner it would start one: skip.
  if (process.env.NODE_TEST_CONTEXT !== undefined) after(() => removeTempDir(dir));
}

/** A new directory under the system temp dir, removed when the test ends (see removeWhenDone). */
export function tempDir(prefix = 'umbra-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  removeWhenDone(dir);
  return dir;
}

// ------------------------------------------------------------------ configs

/** A GML graph of `nodes` nodes: every host gets `bandwidth` each way; all node pairs are `latency` apart. */
export interface GraphSpec {
  /** Number of nodes, ids 0 … nodes-1 (default 1). */
  nodes?: number;
  /** Each host's upstream and downstream bandwidth, e.g. '100 Mbit'. */
  bandwidth: string;
  /** Latency of the edge between two distinct nodes; with one node, of its self-loop. */
  latency: string;
  /** Loss probability on edges between distinct nodes (default 0); self-loops never lose. */
  loss?: number;
  /** Latency of each node's self-loop (hosts on the same node) when there are several nodes (default '1 ms'). */
  selfLatency?: string;
}

/** GML text for `g`: one node line per node, a self-loop per node, an edge per pair of nodes. */
export function gmlGraph(g: GraphSpec): string {
  const n = g.nodes ?? 1;
  const self = n === 1 ? g.latency : (g.selfLatency ?? '1 ms');
  const lines = ['graph [', '  directed 0'];
  for (let i = 0; i < n; i++)
    lines.push(`  node [ id ${i} host_bandwidth_up "${g.bandwidth}" host_bandwidth_down "${g.bandwidth}" ]`);
  for (let i = 0; i < n; i++) lines.push(`  edge [ source ${i} target ${i} latency "${self}" packet_loss 0.0 ]`);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++)
      lines.push(`  edge [ source ${i} target ${j} latency "${g.latency}" packet_loss ${(g.loss ?? 0).toFixed(4)} ]`);
  lines.push(']');
  return lines.join('\n') + '\n';
}

const indent = (text: string, by: string): string =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => by + l)
    .join('\n');

/**
 * A Shadow config: `general` lines (YAML, data_directory is always out.data),
 * a 1_gbit_switch or the GML graph `graph`, and the hosts block `hostsYaml`
 * (indented by two spaces, as `host()` makes it).
 */
export function config(hostsYaml: string, general = 'stop_time: 1 min', graph?: GraphSpec): string {
  const network = graph
    ? `network:\n  graph:\n    type: gml\n    inline: |\n${indent(gmlGraph(graph), '      ')}\n`
    : 'network:\n  graph:\n    type: 1_gbit_switch\n';
  return `general:\n  data_directory: out.data\n${indent(general, '  ')}\n${network}hosts:\n${hostsYaml}`;
}

/** One process of a host, written as a YAML flow map; strings are quoted for YAML. */
export interface ProcessSpec {
  path: string;
  args?: string | string[];
  start_time?: string;
  shutdown_time?: string;
  expected_final_state?: string;
}

function processLine(p: ProcessSpec | string): string {
  if (typeof p === 'string') return `    - ${p.trim()}\n`;
  const parts = [`path: ${JSON.stringify(p.path)}`];
  if (p.args !== undefined) parts.push(`args: ${JSON.stringify(p.args)}`);
  for (const k of ['start_time', 'shutdown_time', 'expected_final_state'] as const)
    if (p[k] !== undefined) parts.push(`${k}: ${p[k]}`);
  return `    - {${parts.join(', ')}}\n`;
}

/**
 * A host block for config(): `processes` are ProcessSpecs or YAML flow maps
 * ('{path: sleep, args: "5"}'), or one string of process lines ('    - …')
 * taken as it is. `options` are extra host keys as YAML lines (e.g. 'ip_addr: 10.0.0.9').
 */
export function host(name: string, processes: (ProcessSpec | string)[] | string, node = 0, options = ''): string {
  const procs = typeof processes === 'string' ? processes : processes.map(processLine).join('');
  const extra = options === '' ? '' : indent(options, '    ') + '\n';
  return `  ${name}:\n    network_node_id: ${node}\n${extra}    processes:${procs === '' ? ' []' : ''}\n${procs}`;
}

// ------------------------------------------------------------------ running

/** How one configured process ended, from the CLI's end-of-run summary. */
export interface Outcome {
  name: string;
  ok: boolean;
  actual: string;
  expected?: string;
}

export interface UmbraRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time of the whole CLI run. Only the benchmarks look at it: no test may. */
  wallNs: number;
  dir: string;
  dataDir: string;
  /** Contents of hosts/<host>/<file>; file may be a prefix like 'curl.' to match one file ending in .stdout */
  output(host: string, file: string): string;
  /** The stdout of every process whose file name starts with `prefix` (e.g. 'curl.') on `host`, in pid order. */
  outputs(host: string, prefix: string): string[];
  files(host: string): string[];
  /** The configured processes' final states, as the CLI summarised them on stderr. */
  outcomes(): Outcome[];
}

export interface RunOptions {
  /** Run in this directory (made with tempDir()) instead of a new temp dir. */
  dir?: string;
  /** Hang net (default HANG_TIMEOUT_MS); a run that takes longer fails the test as hung. */
  timeoutMs?: number;
  input?: string;
  /** Name of the config file to write (default config.yaml). */
  configName?: string;
  /** Run umbra under these ids (root only): for programs that refuse to run as root (PostgreSQL). */
  asUser?: { uid: number; gid: number };
  /** Arguments before the flags, e.g. a subcommand ('check-determinism'). */
  argsFirst?: string[];
}

/** Runs `umbra [args] config.yaml` with `yaml` written to a new temp dir (or opts.dir). */
export function runUmbra(yaml: string, args: string[] = [], opts: RunOptions = {}): UmbraRun {
  const dir = opts.dir ?? tempDir();
  const name = opts.configName ?? 'config.yaml';
  fs.writeFileSync(path.join(dir, name), yaml);
  return runUmbraFile(path.join(dir, name), args, { ...opts, dir });
}

/** Runs `umbra [args] FILE` in a new temp dir (or opts.dir), e.g. on one of examples/. */
export function runUmbraFile(file: string, args: string[] = [], opts: RunOptions = {}): UmbraRun {
  const dir = opts.dir ?? tempDir();
  const timeout = opts.timeoutMs ?? HANG_TIMEOUT_MS;
  const configArg = path.dirname(file) === dir ? path.basename(file) : file;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [UMBRA, ...(opts.argsFirst ?? []), ...args, configArg], {
    cwd: dir,
    encoding: 'utf8',
    timeout,
    killSignal: 'SIGTERM',
    maxBuffer: 256 * 1024 * 1024,
    input: opts.input,
    env: { ...process.env },
    ...(opts.asUser ?? {}),
  });
  const wallNs = Number(process.hrtime.bigint() - t0);
  if (r.error) {
    const hung = (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
    const why = hung ? `did not finish within ${timeout / 60_000} min of wall time: hung` : r.error.message;
    throw new Error(`umbra ${[...args, configArg].join(' ')} ${why}\n${tail(r.stderr ?? '')}`);
  }
  const leftover = reapLeftovers(dir);
  if (leftover.length > 0)
    throw new Error(`umbra exited (${r.status ?? r.signal}) but left managed processes running: ${leftover.join(' ')}`);
  const dataDirArg = args.indexOf('-d') >= 0 ? args[args.indexOf('-d') + 1] : null;
  const dataDir = path.resolve(dir, dataDirArg ?? findDataDir(file));
  const stderr = r.stderr ?? '';
  return {
    status: r.status,
    signal: r.signal,
    stdout: r.stdout ?? '',
    stderr,
    wallNs,
    dir,
    dataDir,
    output(host: string, file: string): string {
      const hostDir = path.join(dataDir, 'hosts', host);
      if (fs.existsSync(path.join(hostDir, file))) return fs.readFileSync(path.join(hostDir, file), 'utf8');
      const matches = fs.readdirSync(hostDir).filter((f) => f.startsWith(file) && f.endsWith('.stdout'));
      if (matches.length !== 1)
        throw new Error(`expected one ${file}*.stdout in ${hostDir}, found: ${matches.join(', ')}`);
      return fs.readFileSync(path.join(hostDir, matches[0]), 'utf8');
    },
    outputs(host: string, prefix: string): string[] {
      const pid = (f: string): number => Number(/\.(\d+)\.stdout$/.exec(f)?.[1]);
      return this.files(host)
        .filter((f) => f.startsWith(prefix) && f.endsWith('.stdout'))
        .sort((a, b) => pid(a) - pid(b))
        .map((f) => this.output(host, f));
    },
    files(host: string): string[] {
      return fs.readdirSync(path.join(dataDir, 'hosts', host)).sort();
    },
    outcomes(): Outcome[] {
      return [...stderr.matchAll(/^\*\*\s+(ok|FAIL)\s+(\S+): (.*?)(?: \(expected (.*)\))?$/gm)].map((m) => ({
        name: m[2],
        ok: m[1] === 'ok',
        actual: m[3],
        ...(m[4] === undefined ? {} : { expected: m[4] }),
      }));
    },
  };
}

/** Runs tests/programs/<name> (with `args`) alone on host 'box' of a 1_gbit_switch. */
export function runProgram(
  name: string,
  args?: string,
  general = 'stop_time: 1 min',
  cliArgs: string[] = [],
): UmbraRun {
  return runUmbra(config(host('box', [{ path: program(name), args }]), general), cliArgs);
}

/** Writes `source` as `file` into a new temp dir and runs `interpreter` on it alone on host 'box'. */
export function runScript(interpreter: string, file: string, source: string, general = 'stop_time: 1 min'): UmbraRun {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, file), source);
  return runUmbra(config(host('box', [{ path: interpreter, args: [path.join(dir, file)] }]), general), [], { dir });
}

/**
 * The stdout of tests/programs/<name> run alone (see runProgram), once checked
 * that every process ended as expected and no syscall went unsupported.
 */
export function programOutput(name: string, args?: string, general?: string): string {
  const r = runProgram(name, args, general);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.doesNotMatch(r.stdout + r.stderr, /unsupported syscall/);
  return r.output('box', `${name}.1000.stdout`);
}

function findDataDir(file: string): string {
  const yaml = fs.readFileSync(file, 'utf8');
  const m = /data_directory:\s*"?([^"\s,}]+)"?/.exec(yaml);
  return m ? m[1] : 'umbra.data';
}

function tail(text: string, lines = 30): string {
  return text.split('\n').slice(-lines).join('\n');
}

/**
 * Native processes that still have the shim mapped and run inside `dir`
 * (tests run in parallel, so only a test's own directory says what is its own).
 */
export function leftoverManagedProcesses(dir: string): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (!fs.readlinkSync(`/proc/${e}/cwd`).startsWith(dir)) continue;
      if (fs.readFileSync(`/proc/${e}/maps`, 'utf8').includes('libumbra_shim')) out.push(Number(e));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/**
 * After umbra exited: managed processes of this run that are still alive get
 * a grace period to finish dying (they are being torn down, not hung), then
 * SIGKILL so that a product bug does not leave them behind; returns their pids.
 */
function reapLeftovers(dir: string): number[] {
  let left = leftoverManagedProcesses(dir);
  for (let i = 0; i < 300 && left.length > 0; i++) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    left = leftoverManagedProcesses(dir);
  }
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return left;
}
