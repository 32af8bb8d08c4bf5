// Slow tier: the condvar ring of tests/integration/threads.test.ts at full
// length, 100 000 rounds (400 000 hand-offs between four threads), run twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, host, program, runUmbra, SLOW_HANG_TIMEOUT_MS } from '../helpers/umbra';
import { condvarRingOutput } from '../helpers/threads';

test('mutex/condvar ring of 4 threads for 100 000 rounds: joined, same output twice', () => {
  const yaml = config(host('box', [{ path: program('condvar_ring'), args: '100000' }]));
  const a = runUmbra(yaml, [], { timeoutMs: SLOW_HANG_TIMEOUT_MS });
  const b = runUmbra(yaml, [], { timeoutMs: SLOW_HANG_TIMEOUT_MS });
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  const out = a.output('box', 'condvar_ring');
  assert.equal(out, condvarRingOutput(100_000));
  assert.equal(out, b.output('box', 'condvar_ring'));
});
