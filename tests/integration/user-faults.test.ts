// Mistakes and accidents on the user's side, through the real command line: a
// data directory that cannot be made, a full disk, standard output closed
// early, SIGINT/SIGTERM, oversized arguments, a graph with repeated parts.
// None may give a stack trace, a hang or a silently lost result.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';

import { UMBRA, config, leftoverManagedProcesses, program, runUmbra } from '../helpers/umbra';

type TestContext = { after: (fn: () => void) => void; skip: (message?: string) => void };

/** A fresh directory, removed (after unmounting anything mounted below it) when the test ends. */
/** A temp dir of this test's own: its cleanup unmounts the file systems mounted in it first, then removes it. */
function ownDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'umbra-faults-'));
  t.after(() => {
    for (const m of mountsUnder(dir)) spawnSync('umount', ['-l', m]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

function mountsUnder(dir: string): string[] {
  return fs
    .readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(dir + '/'))
    .reverse();
}

/** Mounts a tmpfs of `options` at dir/name; false where mounting is not allowed (not root, no CAP_SYS_ADMIN). */
function tmpfs(dir: string, name: string, options: string): string | null {
  const at = path.join(dir, name);
  fs.mkdirSync(at);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', at], { stdio: 'ignore' });
  return r.status === 0 ? at : null;
}

const SLEEP_HOST = `  box:\n    network_node_id: 0\n    processes:\n    - {path: sleep, args: "5"}\n`;

function noStackTrace(stderr: string): void {
  assert.doesNotMatch(stderr, /internal error|\n\s+at .*:\d+:\d+/, `no stack trace: ${stderr}`);
}

/** Exit status 2 with exactly one line on stderr, `expected` or matching it, and nothing run. */
function refused(r: ReturnType<typeof runUmbra>, expected: RegExp | string): void {
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  if (typeof expected === 'string') assert.equal(lines[0], expected);
  else assert.match(lines[0], expected);
  assert.equal(r.stdout, '', 'no process ran, nothing was logged');
}

test('data directory under a regular file, in /proc, or existing: one line, exit 2', (t) => {
  const dir = ownDir(t);
  fs.writeFileSync(path.join(dir, 'afile'), 'not a directory\n');
  const yaml = config(SLEEP_HOST);
  refused(
    runUmbra(yaml, ['-d', 'afile/out'], { dir }),
    `umbra: general.data_directory: cannot create '${dir}/afile/out': ` +
      `'${dir}/afile' is not a directory (it is a regular file)`,
  );
  refused(
    runUmbra(yaml, ['-d', '/proc/umbra-faults.data'], { dir }),
    "umbra: general.data_directory: cannot create '/proc/umbra-faults.data': " +
      "'/proc' does not allow new directories (ENOENT)",
  );
  refused(
    runUmbra(yaml, ['-d', 'no/such/out'], { dir }),
    new RegExp(`^umbra: general\\.data_directory: cannot create '${dir}/no/such/out': '${dir}/no' does not exist$`),
  );
  fs.mkdirSync(path.join(dir, 'out.data'));
  refused(
    runUmbra(yaml, [], { dir }),
    /^umbra: general\.data_directory: 'out\.data' already exists; remove it or choose another with -d$/,
  );
  assert.deepEqual(fs.readdirSync(path.join(dir, 'out.data')), [], 'an existing directory is left alone');
});

test('data directory on a read-only or full file system: one line, exit 2, nothing left behind', (t) => {
  const dir = ownDir(t);
  const ro = tmpfs(dir, 'ro', 'ro,size=64k');
  if (ro === null) {
    t.skip('cannot mount a tmpfs here (needs root); /proc and a path under a file cover the rest');
    return;
  }
  refused(
    runUmbra(config(SLEEP_HOST), ['-d', `${ro}/out`], { dir }),
    new RegExp(`^umbra: general\\.data_directory: cannot create '${ro}/out': '${ro}' is on a read-only file system`),
  );
  const full = tmpfs(dir, 'full', 'size=64k');
  assert.ok(full !== null);
  spawnSync('dd', ['if=/dev/zero', `of=${full}/filler`, 'bs=4096', 'count=64'], { stdio: 'ignore' });
  refused(
    runUmbra(config(SLEEP_HOST), ['-d', `${full}/out`], { dir }),
    new RegExp(
      `^umbra: general\\.data_directory: cannot write '${full}/out/processed-config\\.yaml': ` +
        'no space left on the device \\(ENOSPC\\)$',
    ),
  );
  assert.deepEqual(fs.readdirSync(full), ['filler'], 'the half-made data directory is removed');
});

test('a disk that fills up during the run: the run ends normally and the summary names what was lost', (t) => {
  const dir = ownDir(t);
  const disk = tmpfs(dir, 'disk', 'size=64k');
  if (disk === null) {
    t.skip('cannot mount a tmpfs here (needs root); the unit tests cover full devices through /dev/full');
    return;
  }
  // dd fills the disk from its host directory, so sim-stats.json finds no room at the end.
  const r = runUmbra(
    config(`  box:
    network_node_id: 0
    processes:
    - {path: dd, args: "if=/dev/zero of=fill bs=4k count=100", expected_final_state: {exited: 1}}
    - {path: sleep, args: "3"}
`),
    ['-d', `${disk}/out`],
    { dir },
  );
  assert.equal(r.status, 1, r.stderr);
  noStackTrace(r.stderr);
  assert.match(r.stderr, /ok {3}box\.dd\.1000: \{exited: 1\}/);
  assert.match(r.stderr, /ok {3}box\.sleep\.1001: \{exited: 0\}/);
  assert.ok(
    r.stderr.includes(`** Could not write ${disk}/out/sim-stats.json: no space left on the device (ENOSPC)\n`),
    r.stderr,
  );
  // report.html finds no room either.
  assert.ok(
    r.stderr.includes(`** Could not write ${disk}/out/report.html: no space left on the device (ENOSPC)\n`),
    r.stderr,
  );
  assert.match(r.stderr, /\*\* umbra did not complete successfully: 2 output files could not be written\n/);
  assert.equal(fs.existsSync(`${disk}/out/sim-stats.json`), false, 'no truncated sim-stats.json');
  assert.equal(fs.existsSync(`${disk}/out/report.html`), false, 'no truncated report.html');
  assert.deepEqual(leftoverManagedProcesses(dir), []);
});

// Enough log lines at trace level to fill any pipe buffer many times over.
const CHATTY_HOST = `  box:
    network_node_id: 0
    processes:
    - {path: python3, args: [-c, "import time\\nfor i in range(5000): time.sleep(0.0001)"]}
`;

test('standard output closed after the first line: the run finishes with its normal status', async (t) => {
  const dir = ownDir(t);
  fs.writeFileSync(path.join(dir, 'config.yaml'), config(CHATTY_HOST, 'stop_time: 10 s'));
  const child = spawn(process.execPath, [UMBRA, '-l', 'trace', 'config.yaml'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  // `umbra config.yaml | head -1`: read one line, then close the pipe.
  const firstLine = await new Promise<string>((resolve) => {
    let seen = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      seen += chunk;
      if (seen.includes('\n')) {
        child.stdout.destroy();
        resolve(seen.slice(0, seen.indexOf('\n')));
      }
    });
  });
  const status = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  assert.match(firstLine, /^00:00:00\.000000000 \[/);
  assert.equal(status, 0, stderr);
  noStackTrace(stderr);
  assert.match(stderr, /\*\* The log could not be written to standard output: the reader closed the pipe \(EPIPE\); /);
  assert.match(stderr, /\(EPIPE\); \d+ lines were dropped\n/);
  assert.match(stderr, /ok {3}box\.python3[.\w]*: \{exited: 0\}/);
  assert.match(stderr, /\*\* umbra completed successfully/);
  assert.ok(fs.existsSync(path.join(dir, 'out.data', 'sim-stats.json')));
});

test('standard output or standard error on a full device (/dev/full): the run is unaffected', (t) => {
  const dir = ownDir(t);
  fs.writeFileSync(path.join(dir, 'config.yaml'), config(SLEEP_HOST));
  const full = fs.openSync('/dev/full', 'w');
  t.after(() => fs.closeSync(full));

  const logLost = spawnSync(process.execPath, [UMBRA, 'config.yaml'], {
    cwd: dir,
    stdio: ['ignore', full, 'pipe'],
    encoding: 'utf8',
  });
  assert.equal(logLost.status, 0, logLost.stderr);
  noStackTrace(logLost.stderr);
  assert.ok(
    logLost.stderr.includes(
      '** The log could not be written to standard output: no space left on the device (ENOSPC); 1 line was dropped\n',
    ),
    logLost.stderr,
  );

  fs.rmSync(path.join(dir, 'out.data'), { recursive: true });
  const summaryLost = spawnSync(process.execPath, [UMBRA, 'config.yaml'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', full],
    encoding: 'utf8',
  });
  assert.equal(summaryLost.status, 0);
  assert.match(summaryLost.stdout, /box\.sleep\.1000: exited with status 0/);
  assert.ok(fs.existsSync(path.join(dir, 'out.data', 'sim-stats.json')));
});

/** Starts umbra on `yaml` in `dir` and resolves once `ready()` says the simulation is under way. */
async function startLongRun(
  dir: string,
  yaml: string,
  ready: () => boolean,
): Promise<{ stderr: () => string; exit: Promise<number | null>; kill: (s: NodeJS.Signals) => void }> {
  fs.writeFileSync(path.join(dir, 'config.yaml'), yaml);
  const child = spawn(process.execPath, [UMBRA, 'config.yaml'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let i = 0; i < 600 && !ready(); i++) await new Promise((res) => setTimeout(res, 50));
  assert.ok(ready(), `the simulation did not get going: ${stderr}`);
  return { stderr: () => stderr, exit, kill: (s) => child.kill(s) };
}

function hostOutput(dir: string, prefix: string): string {
  const host = path.join(dir, 'out.data', 'hosts', 'box');
  if (!fs.existsSync(host)) return '';
  const file = fs.readdirSync(host).find((f) => f.startsWith(prefix) && f.endsWith('.stdout'));
  return file === undefined ? '' : fs.readFileSync(path.join(host, file), 'utf8');
}

interface SimStats {
  interrupted?: { signal: string; sim_time_ns: number; sim_time: string };
  syscalls: Record<string, number>;
}

async function noneLeft(dir: string): Promise<void> {
  for (let i = 0; i < 50 && leftoverManagedProcesses(dir).length > 0; i++) {
    await new Promise((res) => setTimeout(res, 20));
  }
  assert.deepEqual(leftoverManagedProcesses(dir), []);
}

test('SIGINT stops a long run: exit 1, sim-stats.json says where, nothing left running', async (t) => {
  const dir = ownDir(t);
  // A two-hour run that keeps the simulator busy in wall time: a loop of 100 µs sleeps.
  const run = await startLongRun(
    dir,
    config(
      `  box:
    network_node_id: 0
    processes:
    - {path: sleep, args: "3600"}
    - path: python3
      args: [-c, "import time\\nprint('started', flush=True)\\nwhile True: time.sleep(0.0001)"]
      expected_final_state: running
`,
      'stop_time: 2 h',
    ),
    () => hostOutput(dir, 'python3').includes('started'),
  );
  run.kill('SIGINT');
  const status = await run.exit;
  const stderr = run.stderr();
  assert.equal(status, 1, stderr);
  noStackTrace(stderr);
  const stats = JSON.parse(fs.readFileSync(path.join(dir, 'out.data', 'sim-stats.json'), 'utf8')) as SimStats;
  assert.ok(stats.interrupted, 'the record says the run was interrupted');
  assert.equal(stats.interrupted.signal, 'SIGINT');
  assert.ok(stats.interrupted.sim_time_ns > 0 && stats.interrupted.sim_time_ns < 3600e9, JSON.stringify(stats));
  assert.match(stats.interrupted.sim_time, /^00:\d\d:\d\d\.\d{9}$/);
  assert.ok((stats.syscalls['clock_nanosleep'] ?? 0) > 0, 'the counts so far are kept');
  assert.ok(stderr.includes(`** Interrupted by SIGINT at simulated time ${stats.interrupted.sim_time} after `), stderr);
  assert.match(stderr, /FAIL box\.sleep\.1000: running \(expected \{exited: 0\}\)/);
  assert.match(stderr, /\*\* umbra did not complete successfully: interrupted by SIGINT; 1 managed process/);
  await noneLeft(dir);
});

test('SIGTERM while a program spins without syscalls: stopped within seconds, with the record', async (t) => {
  const dir = ownDir(t);
  const run = await startLongRun(
    dir,
    config(`  box:\n    network_node_id: 0\n    processes:\n    - {path: ${program('spin')}}\n`, 'stop_time: 24 h'),
    () => hostOutput(dir, 'spin').includes('spinning'),
  );
  run.kill('SIGTERM');
  // Ending at all is the point: the spinning program is killed after a grace period (a hang fails the test).
  const status = await run.exit;
  assert.equal(status, 1, run.stderr());
  noStackTrace(run.stderr());
  const stats = JSON.parse(fs.readFileSync(path.join(dir, 'out.data', 'sim-stats.json'), 'utf8')) as SimStats;
  assert.equal(stats.interrupted?.signal, 'SIGTERM');
  assert.match(run.stderr(), /\*\* Interrupted by SIGTERM at simulated time /);
  await noneLeft(dir);
});

test('a 10 MB argument is refused at load with the key named, before anything runs', (t) => {
  const dir = ownDir(t);
  const r = runUmbra(
    config(
      `  web:\n    network_node_id: 0\n    processes:\n    - {path: echo, args: ${'x'.repeat(10 * 1024 * 1024)}}\n`,
    ),
    [],
    { dir },
  );
  refused(
    r,
    'umbra: config.yaml: hosts.web.processes[0].args: 10485760 bytes; ' +
      'Linux accepts at most 131072 bytes per argument (MAX_ARG_STRLEN) and about 2 MiB in all',
  );
  assert.equal(fs.existsSync(path.join(dir, 'out.data')), false);
});

test('a graph file with an edge given twice is refused naming the file and the edge', (t) => {
  const dir = ownDir(t);
  fs.writeFileSync(
    path.join(dir, 'topo.gml'),
    'graph [\n  node [ id 3 host_bandwidth_up "1 Gbit" host_bandwidth_down "1 Gbit" ]\n  node [ id 7 ]\n' +
      '  edge [ source 3 target 3 latency "1 ms" ]\n  edge [ source 3 target 7 latency "1 ms" ]\n' +
      '  edge [ source 7 target 3 latency "2 ms" ]\n]\n',
  );
  const yaml = config(SLEEP_HOST).replace('type: 1_gbit_switch', 'type: gml\n    file: {path: topo.gml}');
  refused(
    runUmbra(yaml.replace('network_node_id: 0', 'network_node_id: 3'), [], { dir }),
    new RegExp(
      `^umbra: network graph \\(${dir}/topo\\.gml\\): edge 3 -> 7 appears twice ` +
        '\\(line 5, and line 6 as edge 7 -> 3; the graph is undirected\\)$',
    ),
  );
});
