// The shim's per-thread state without the program's thread pointer: threads
// from a raw clone() sharing one dummy TLS block, and the alternate signal
// stack kept per thread (sigaltstack) with delivery on it, compared with Linux.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { program, programOutput } from '../helpers/umbra';

test('raw clone() threads sharing a dummy TLS each talk to the simulator; they outlive the main thread', () => {
  const out = programOutput('raw_clone');
  assert.equal(
    out,
    [
      'main 0 tid-distinct=1 t=1.000',
      'main exits first',
      'A 0 tid-distinct=1 t=1.300',
      'B 0 tid-distinct=1 t=1.500',
      'A 1 tid-distinct=1 t=1.600',
      'A 2 tid-distinct=1 t=1.900',
      'B 1 tid-distinct=1 t=2.000',
      'B 2 tid-distinct=1 t=2.500',
      'B saw A end; all done',
      '',
    ].join('\n'),
  );
  assert.equal(programOutput('raw_clone'), out);
});

test('sigaltstack per thread, delivery on it, inheritance over fork and exec: as on Linux', () => {
  const native = spawnSync(program('altstack'), [], { encoding: 'utf8' });
  assert.equal(native.status, 0, native.stderr);
  assert.match(native.stdout, /SIGUSR1\(10\) handler on thread-alt/); // the comparison is not vacuous
  assert.equal(programOutput('altstack'), native.stdout);
});
