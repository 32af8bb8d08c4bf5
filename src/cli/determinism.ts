// `umbra check-determinism CONFIG`: runs the configuration twice, as two child
// umbra processes (at once when the machine has two cores), each in its own
// data directory of the same path length (so addresses on the managed stacks
// match), with deterministic syscall traces and packet captures on; then
// compares them (determinism-compare.ts) and reports the first divergence. The
// first run has parallelism 1, the second the parallelism the user runs with.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../config/load';
import type { CliOverrides } from '../config/schema';
import { ConfigError } from '../config/types';
import { effectiveParallelism } from '../core/scheduler';
import { formatSimTime } from '../core/time';
import { createDataDirectory } from '../output/data-dir';
import { compareDataDirs, type FileDifference } from './determinism-compare';

/** What one child run left behind. */
interface ChildRun {
  dataDir: string;
  status: number;
  stderr: string;
}

/** Files the two runs may differ in without the simulation being at fault. */
const IGNORED = new Set(['processed-config.yaml', 'report.html']);

export interface DeterminismInput {
  /** The user's command line without the check-determinism marker. */
  argv: string[];
  configPath: string;
  overrides: CliOverrides;
  cwd: string;
  write: (line: string) => void;
  /** Where the child processes are registered, so a stop signal can end them. */
  children: Set<ChildProcess>;
}

/** Runs the check; resolves to the exit status (0 deterministic, 1 not, 2 bad input, 3 a run failed). */
export async function checkDeterminism(input: DeterminismInput): Promise<number> {
  const say = (line: string) => input.write(`** ${line}`);
  let stdinText: string | undefined;
  let baseDir: string;
  let parallelism: number;
  try {
    let text: string;
    if (input.configPath === '-') text = stdinText = fs.readFileSync(0, 'utf8');
    else {
      try {
        text = fs.readFileSync(input.configPath, 'utf8');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'no such file' : (code ?? String(e));
        throw new ConfigError(`${input.configPath}: cannot read the configuration file (${why})`);
      }
    }
    const config = loadConfig({ text, fileName: input.configPath }, input.overrides, {
      cwd: input.cwd,
      env: process.env,
    });
    baseDir = path.resolve(input.cwd, config.general.dataDirectory);
    parallelism = effectiveParallelism(config.general.parallelism, config.hosts.length);
    createDataDirectory(baseDir, config.general.dataDirectory);
  } catch (e) {
    if (e instanceof ConfigError) {
      input.write(`umbra: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const concurrent = os.availableParallelism() >= 2;
  const dirs = [path.join(baseDir, 'run-1'), path.join(baseDir, 'run-2')];
  // The second run at the parallelism the user runs with: hosts running at once must change nothing either.
  const levels = [1, parallelism];
  const how = parallelism > 1 ? ` (at parallelism 1 and ${parallelism})` : '';
  say(
    `Checking determinism: running the simulation twice${concurrent ? ' concurrently' : ''}${how}, in ${dirs[0]} and ${dirs[1]}`,
  );
  const start = (i: number) => runChild(input, dirs[i], path.join(baseDir, `run-${i + 1}`), levels[i], stdinText);
  const runs = concurrent ? await Promise.all([start(0), start(1)]) : [await start(0), await start(1)];
  for (const [i, r] of runs.entries()) {
    if (r.status >= 2) {
      say(`run ${i + 1} failed with exit status ${r.status}; its messages:`);
      input.write(r.stderr.trimEnd());
      return 3;
    }
  }
  const diffs = compareDataDirs(dirs[0], dirs[1], IGNORED);
  const states = [outcomeLines(runs[0].stderr), outcomeLines(runs[1].stderr)];
  const stateDiffs: string[] = [];
  for (let i = 0; i < Math.max(states[0].length, states[1].length); i++)
    if (states[0][i] !== states[1][i])
      stateDiffs.push(`run 1: ${states[0][i] ?? '(none)'}; run 2: ${states[1][i] ?? '(none)'}`);
  if (runs[0].status !== runs[1].status)
    stateDiffs.push(`umbra's exit status: run 1 ${runs[0].status}, run 2 ${runs[1].status}`);
  if (diffs.length === 0 && stateDiffs.length === 0) {
    say(
      `Deterministic: ${states[0].length} configured process${states[0].length === 1 ? '' : 'es'} ended alike, ` +
        `and every output, syscall trace and packet capture is identical in both runs`,
    );
    return 0;
  }
  say('NOT deterministic: the two runs differ');
  const first = diffs[0];
  if (first !== undefined && Number.isFinite(first.timeNs)) describeFirst(first, say);
  if (diffs.length > 0) {
    say(`Files that differ (${diffs.length}), earliest first:`);
    for (const d of diffs) say(`  ${d.file}: ${d.detail}${whenText(d)}`);
  }
  if (stateDiffs.length > 0) {
    say('Exit states that differ:');
    for (const s of stateDiffs) say(`  ${s}`);
  }
  say(`Both runs are kept in ${baseDir}`);
  return 1;
}

function whenText(d: FileDifference): string {
  return Number.isFinite(d.timeNs) ? ` (at ${formatSimTime(d.timeNs)})` : '';
}

function describeFirst(d: FileDifference, say: (line: string) => void): void {
  say(`First divergence at simulated time ${formatSimTime(d.timeNs)}:`);
  if (d.syscall !== undefined) {
    const s = d.syscall;
    say(`  host ${s.host}, process ${s.process}, thread ${s.tid}: syscall ${s.line} of ${d.file}`);
    say(`    run 1: ${s.run1}`);
    say(`    run 2: ${s.run2}`);
  } else if (d.packet !== undefined) {
    const p = d.packet;
    say(`  host ${p.host}, interface ${p.iface}: packet ${p.index} of ${d.file}`);
    say(`    run 1: ${p.run1}`);
    say(`    run 2: ${p.run2}`);
  }
}

/** The per-process lines of the end-of-run summary ("ok  name: exited 0"). */
function outcomeLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => /^\*\* {3}(ok |FAIL) /u.test(l))
    .map((l) => l.slice(5).trim());
}

function runChild(
  input: DeterminismInput,
  dataDir: string,
  logBase: string,
  parallelism: number,
  stdin?: string,
): Promise<ChildRun> {
  const umbraJs = path.resolve(__dirname, '..', '..', '..', 'bin', 'umbra.js');
  const argv = [
    umbraJs,
    ...input.argv,
    '--data-directory',
    dataDir,
    '--strace-logging-mode',
    'deterministic',
    '--pcap-enabled',
    'true',
    '--progress',
    'false',
    '--report',
    'false',
    '--parallelism',
    String(parallelism),
  ];
  return new Promise((resolve, reject) => {
    const log = fs.openSync(`${logBase}.log`, 'w');
    const child = spawn(process.execPath, argv, {
      cwd: input.cwd,
      stdio: [stdin === undefined ? 'ignore' : 'pipe', log, 'pipe'],
    });
    input.children.add(child);
    if (stdin !== undefined) child.stdin?.end(stdin);
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      input.children.delete(child);
      fs.closeSync(log);
      fs.writeFileSync(`${logBase}.stderr`, stderr);
      resolve({ dataDir, status: code ?? (signal !== null ? 3 : 3), stderr });
    });
  });
}
