// Determinism leaks: host randomness and host time that reach a managed program
// other than through syscalls (AT_RANDOM before the loader runs; clock-bearing
// /proc files). Same seed, same bytes; another seed, other bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, program, runUmbra } from '../helpers/umbra';

const PY = "import os, random; print(os.urandom(8).hex(), hash('abc'), random.random(), id(object()))";

const auxConfig = (seed: number) =>
  config(
    `  box:\n    network_node_id: 0\n    processes:\n` +
      `    - {path: ${program('det_leaks')}}\n` +
      `    - {path: ${program('det_leaks')}, start_time: 1 s}\n` +
      `    - {path: bash, args: [-c, "exec ${program('det_leaks')}"], start_time: 2 s}\n` +
      `    - {path: python3, args: [-c, "${PY}"], start_time: 3 s}\n`,
    `stop_time: 10 s\nseed: ${seed}`,
  );

function outputs(seed: number): string[] {
  const r = runUmbra(auxConfig(seed));
  assert.equal(r.status, 0, r.stderr);
  return r
    .files('box')
    .filter((f) => f.endsWith('.stdout'))
    .map((f) => `${f}: ${r.output('box', f)}`);
}

test('AT_RANDOM, stack canary and pointer guard follow the seed, set before the first instruction', () => {
  const a = outputs(1);
  const b = outputs(1);
  const c = outputs(2);
  assert.deepEqual(a, b);
  const aux = a.filter((line) => line.includes('at_random='));
  assert.equal(aux.length, 3, a.join(''));
  for (const line of aux) assert.match(line, /guard_set=1 canary_rule=1\n$/, line);
  // Each image (including the one made by execve) draws its own bytes.
  assert.equal(new Set(aux.map((l) => l.split(' ')[1])).size, 3);
  for (let i = 0; i < a.length; i++) assert.notEqual(a[i], c[i], a[i]);
});

const PY_PROC =
  "import time; time.sleep(5); print(open('/proc/uptime').read().strip(), open('/proc/self/stat').read().split()[21])";

const procConfig = config(
  `  box:\n    network_node_id: 0\n    processes:\n` +
    `    - {path: ${program('det_leaks')}, args: [proc], start_time: 2 s}\n` +
    `    - {path: python3, args: [-c, "${PY_PROC}"], start_time: 3500 ms}\n`,
  'stop_time: 20 s',
);

test('/proc/uptime, /proc/<pid>/stat, /proc/stat and /proc/loadavg come from simulated time', () => {
  const a = runUmbra(procConfig);
  assert.equal(a.status, 0, a.stderr);
  const lines = a.output('box', 'det_leaks').split('\n');
  assert.equal(lines[0], '/proc/uptime: 3.00 3.00');
  assert.equal(lines[1], '/proc/uptime: 8.00 8.00'); // after sleep(5)
  const stat = lines[2].split(' ');
  assert.deepEqual(stat.slice(0, 5), ['/proc/self/stat:', '1000', '(det_leaks)', 'R', '1']);
  assert.equal(stat[22], '300'); // starttime: start_time 2 s + 1 s since boot, in 100 Hz ticks
  assert.equal(lines[3], lines[2].replace('/proc/self/stat', '/proc/1000/stat'));
  assert.match(lines[4], /^\/proc\/loadavg: 0\.00 0\.00 0\.00 \d+\/\d+ \d+$/);
  // started at 3.5 s, read after sleeping 5 s: 9.5 s since boot; starttime 4.5 s since boot.
  assert.equal(a.output('box', 'python3'), '9.50 9.50 450\n');
  const b = runUmbra(procConfig);
  for (const f of a.files('box')) assert.equal(a.output('box', f), b.output('box', f), f);
});
