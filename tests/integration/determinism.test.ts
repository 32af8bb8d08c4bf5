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
