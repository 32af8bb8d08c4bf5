// Test harness: runs the real umbra CLI on a YAML config in a fresh temp
// directory and gives access to what the managed programs wrote.
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const UMBRA = path.join(REPO, 'bin', 'umbra.js');
export const PROGRAMS = path.join(REPO, 'native', 'out', 'programs');

export function program(name: string): string {
  return path.join(PROGRAMS, name);
}

export interface UmbraRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  dir: string;
  dataDir: string;
  /** Contents of hosts/<host>/<file>; file may be a prefix like 'curl.' to match one file ending in .stdout */
  output(host: string, file: string): string;
  files(host: string): string[];
}

export function tempDir(prefix = 'umbra-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Runs `umbra [args] config.yaml` with `yaml` written to a new temp dir (or `dir`). */
export function runUmbra(
  yaml: string,
  args: string[] = [],
  opts: { dir?: string; timeoutMs?: number; input?: string } = {},
): UmbraRun {
  const dir = opts.dir ?? tempDir();
  fs.writeFileSync(path.join(dir, 'config.yaml'), yaml);
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [UMBRA, ...args, 'config.yaml'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    input: opts.input,
    env: { ...process.env },
  });
  const dataDirArg = args.indexOf('-d') >= 0 ? args[args.indexOf('-d') + 1] : null;
  const dataDir = path.join(dir, dataDirArg ?? findDataDir(dir));
  return {
    status: r.status,
    signal: r.signal,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
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
    files(host: string): string[] {
      return fs.readdirSync(path.join(dataDir, 'hosts', host)).sort();
    },
  };
}

function findDataDir(dir: string): string {
  const yaml = fs.readFileSync(path.join(dir, 'config.yaml'), 'utf8');
  const m = /data_directory:\s*"?([^"\s,}]+)"?/.exec(yaml);
  return m ? m[1] : 'umbra.data';
}

/** A minimal Shadow config: one 1_gbit_switch network and the given hosts block. */
export function config(hostsYaml: string, general = 'stop_time: 1 min'): string {
  return `general:\n  data_directory: out.data\n  ${general.split('\n').join('\n  ')}\nnetwork:\n  graph:\n    type: 1_gbit_switch\nhosts:\n${hostsYaml}`;
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
