// Real programs under simulated time: clocks, sleeps, determinism of random
// bytes and ids, stop time, crashes, and clear errors for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, leftoverManagedProcesses, program, runUmbra, tempDir, UMBRA } from '../helpers/umbra';

const EPOCH = 946684800;

test('sleep 3600 takes an hour of simulated time; date agrees', () => {
  const r = runUmbra(
    config(
      `  box:
    network_node_id: 0
    processes:
    - {path: date, args: "+%s", start_time: 5s}
    - {path: sleep, args: "3600", start_time: 6s}
    - {path: date, args: "+%s", start_time: 3606s}
`,
      'stop_time: 2h',
    ),
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.output('box', 'date.1000.stdout'), `${EPOCH + 5}\n`);
  assert.equal(r.output('box', 'date.1002.stdout'), `${EPOCH + 3606}\n`);
  assert.deepEqual(r.files('box'), [
    'date.1000.stderr',
    'date.1000.stdout',
    'date.1002.stderr',
    'date.1002.stdout',
    'sleep.1001.stderr',
    'sleep.1001.stdout',
  ]);
  assert.match(r.stderr, /Simulated 02:00:00/);
});

test('python time.time() around time.sleep(5) differs by exactly 5.0', () => {
  const r = runUmbra(
    config(`  box:
    network_node_id: 0
    processes:
    - path: python3
      args: ["-c", "import time; a = time.time(); time.sleep(5); b = time.time(); print(b - a, a)"]
`),
  );
  assert.equal(r.status, 0, r.stderr + r.output('box', 'python3'));
  assert.equal(r.output('box', 'python3'), `5.0 ${EPOCH}.0\n`);
});

const identityHosts = `  alpha:
    network_node_id: 0
    processes:
    - {path: ${program('identity')}, start_time: 2s}
  beta:
    network_node_id: 0
    processes:
    - {path: ${program('identity')}, start_time: 2s}
`;

test('same seed: byte-identical output; other seed or other host: other random bytes', () => {
  const a = runUmbra(config(identityHosts, 'stop_time: 10s\nseed: 7'));
  const b = runUmbra(config(identityHosts, 'stop_time: 10s\nseed: 7'));
  const c = runUmbra(config(identityHosts, 'stop_time: 10s\nseed: 8'));
  for (const r of [a, b, c]) assert.equal(r.status, 0, r.stderr);
  const outA = a.output('alpha', 'identity.1000.stdout');
  assert.equal(outA, b.output('alpha', 'identity.1000.stdout'));
  assert.equal(a.output('beta', 'identity.1000.stdout'), b.output('beta', 'identity.1000.stdout'));
  assert.equal(a.stdout, b.stdout, 'the simulator log is deterministic too');
  const lines = (s: string) =>
    Object.fromEntries(
      s
        .trim()
        .split('\n')
        .map((l) => [l.split(' ')[0], l]),
    );
  const la = lines(outA);
  const lc = lines(c.output('alpha', 'identity.1000.stdout'));
  const lbeta = lines(a.output('beta', 'identity.1000.stdout'));
  for (const key of ['getrandom', 'urandom', 'at_random']) {
    assert.notEqual(la[key], lc[key], `${key} changes with the seed`);
    assert.notEqual(la[key], lbeta[key], `${key} differs between hosts`);
  }
  assert.equal(la.pid, 'pid 1000 ppid 1 tid 1000');
  assert.equal(la.uname, 'uname Linux alpha x86_64 gethostname alpha');
  assert.equal(lbeta.uname, 'uname Linux beta x86_64 gethostname beta');
  assert.equal(la.realtime, `realtime ${EPOCH + 2}.000000000`);
  // Monotonic clocks count from a boot one second before the simulation starts.
  assert.equal(la.monotonic, 'monotonic 3.000000000');
  assert.equal(la['boottime-syscall'], 'boottime-syscall 3.000000000');
  assert.equal(la.gettimeofday, `gettimeofday ${EPOCH + 2}.000000 time ${EPOCH + 2}`);
});

test('a process still running at stop time is ended and reported as running', () => {
  const r = runUmbra(
    config(
      `  box:
    network_node_id: 0
    processes:
    - {path: sleep, args: "7200", expected_final_state: running}
    - {path: sleep, args: "7200"}
`,
      'stop_time: 1h',
    ),
  );
  assert.equal(r.status, 1);
  assert.match(r.stderr, /ok {3}box\.sleep\.1000: running/);
  assert.match(r.stderr, /FAIL box\.sleep\.1001: running \(expected \{exited: 0\}\)/);
  assert.match(r.stderr, /1 managed processes in unexpected final state/);
  assert.deepEqual(leftoverManagedProcesses(r.dir), []);
});

test('crashes are reported with their signal and the other processes go on', () => {
  const r = runUmbra(
    config(`  box:
    network_node_id: 0
    processes:
    - {path: ${program('crash')}, args: segv, expected_final_state: {signaled: SIGSEGV}}
    - {path: ${program('crash')}, args: abort, expected_final_state: {signaled: SIGABRT}}
    - {path: ${program('crash')}, args: exit 3, expected_final_state: {exited: 3}}
    - {path: date, args: "+%s", start_time: 2s}
`),
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /box\.crash\.1000: \{signaled: SIGSEGV\}/);
  assert.match(r.stderr, /box\.crash\.1001: \{signaled: SIGABRT\}/);
  assert.equal(r.output('box', 'date.1003.stdout'), `${EPOCH + 2}\n`);
});

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  test(`umbra killed with ${sig} leaves no managed process behind`, async () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'config.yaml'),
      config(
        `  box:
    network_node_id: 0
    processes:
    - {path: ${program('spin')}}
    - {path: sleep, args: "100000"}
`,
        'stop_time: 24h',
      ),
    );
    const child = spawn(process.execPath, [UMBRA, 'config.yaml'], { cwd: dir, stdio: 'ignore' });
    const out = path.join(dir, 'out.data', 'hosts', 'box', 'spin.1000.stdout');
    // Polls are a hang net (5 min), not a time limit: a loaded machine may be slow to start the run.
    for (let i = 0; i < 6000 && !(fs.existsSync(out) && fs.readFileSync(out, 'utf8').includes('spinning')); i++) {
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.ok(fs.readFileSync(out, 'utf8').includes('spinning'));
    const ended = new Promise((res) => child.on('exit', res));
    child.kill(sig);
    await ended;
    for (let i = 0; i < 3000 && leftoverManagedProcesses(dir).length > 0; i++)
      await new Promise((res) => setTimeout(res, 20));
    assert.deepEqual(leftoverManagedProcesses(dir), []);
  });
}

function badInput(yaml: string, pattern: RegExp): void {
  const r = runUmbra(yaml);
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.ok(!fs.existsSync(path.join(r.dir, 'out.data')), 'nothing started, nothing written');
}

test('bad input: unknown key, wrong type, negative time, missing program, not YAML', () => {
  badInput(
    config(`  box:\n    network_node_id: 0\n    processes: []\n`).replace('stop_time', 'stop_tme'),
    /general.*stop_tme/,
  );
  badInput(
    config(`  box:\n    network_node_id: 0\n    processes:\n    - {path: date, start_time: 1.5}\n`),
    /start_time/,
  );
  badInput(
    config(`  box:\n    network_node_id: 0\n    processes:\n    - {path: date, start_time: "-1 s"}\n`),
    /start_time/,
  );
  badInput(
    config(`  box:\n    network_node_id: 0\n    processes:\n    - {path: no-such-program-xyz}\n`),
    /no-such-program-xyz/,
  );
  badInput('general: [unclosed\n  : : :', /config\.yaml/);
});

test('bad command line: one line naming the flag, exit 2', () => {
  const r = runUmbra(config(`  box:\n    network_node_id: 0\n    processes: []\n`), ['--progress', 'maybe']);
  assert.equal(r.status, 2);
  assert.match(r.stderr.split('\n')[0], /--progress/);
});

test('--help and --version exit 0', () => {
  const h = runUmbra(config(`  box:\n    network_node_id: 0\n    processes: []\n`), ['--help']);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /--stop-time/);
  const v = runUmbra(config(`  box:\n    network_node_id: 0\n    processes: []\n`), ['--version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /umbra \d+\.\d+\.\d+/);
});

test('--show-config prints the effective configuration and runs nothing; - reads the config from stdin', () => {
  const yaml = config(`  box:\n    network_node_id: 0\n    processes:\n    - {path: date}\n`);
  const r = runUmbra(yaml, ['--show-config', '--stop-time', '5 min']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /stop_time: 5 min/);
  assert.ok(!fs.existsSync(path.join(r.dir, 'out.data')));
  const dir = tempDir();
  const s = spawnSync(process.execPath, [UMBRA, '-'], {
    cwd: dir,
    input: yaml,
    encoding: 'utf8',
    timeout: 600_000, // a hang net, not a time limit
  });
  assert.equal(s.status, 0, s.stderr);
  assert.equal(
    fs.readFileSync(path.join(dir, 'out.data/hosts/box/date.1000.stdout'), 'utf8'),
    'Sat Jan  1 00:00:00 UTC 2000\n',
  );
});

test('strace_logging_mode writes a deterministic per-process syscall trace', () => {
  const yaml = config(identityHosts, 'stop_time: 10s');
  const a = runUmbra(yaml, ['--strace-logging-mode', 'deterministic']);
  const b = runUmbra(yaml, ['--strace-logging-mode', 'deterministic']);
  assert.equal(a.status, 0, a.stderr);
  const trace = a.output('alpha', 'identity.1000.strace');
  // Only the arguments each call has, addresses hidden; getrandom is answered in the shim (no
  // round trip, so not in the trace), /dev/urandom by the simulator.
  assert.match(trace, /^00:00:02\.000000000 \[tid 1000\] read\(3, ptr, 16\) = 16$/m);
  assert.match(trace, /\] uname\(ptr\) = 0$/m);
  assert.match(trace, /\] exit_group\(0\) = \?$/m);
  assert.equal(trace, b.output('alpha', 'identity.1000.strace'));
  // The standard mode shows the addresses, still only the real arguments.
  const c = runUmbra(yaml, ['--strace-logging-mode', 'standard']);
  assert.match(c.output('alpha', 'identity.1000.strace'), /\] uname\(0x[0-9a-f]+\) = 0$/m);
});
