// The shim's per-thread state without the program's thread pointer: threads
// from a raw clone() sharing one dummy TLS block; the alternate signal stack
// kept per thread (sigaltstack) with delivery on it, compared with Linux; and
// signals delivered to a thread stopped by native preemption with its real
// registers (a C handler moving them, Go's asynchronous preemption).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { config, host, program, programOutput, runProgram, runUmbra } from '../helpers/umbra';
import { buildGo } from '../helpers/go';

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

test('native preemption: a signal to a spinning thread carries its real registers; the handler moves it', () => {
  const r = runProgram('preempt_context', undefined, 'stop_time: 1 min', [
    '--native-preemption-enabled',
    'true',
    '--native-preemption-native-interval',
    '2ms',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.output('box', 'preempt_context'),
    'interrupted in the loop: 1\nstack pointer of the spinning thread: 1\n' +
      'spinner left the loop through the rewritten context: 1\n',
  );
});

test('Go, GOMAXPROCS=1: a goroutine spinning without calls is preempted (SIGURG) and the ticker runs', () => {
  const bin = buildGo('preempt');
  const r = runUmbra(config(host('box', [{ path: bin }])), [
    '--native-preemption-enabled',
    'true',
    '--native-preemption-native-interval',
    '2ms',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const ticks = [1, 2, 3, 4, 5].map((i) => `tick ${i} after at least ${i}00ms: true\n`).join('');
  assert.equal(r.output('box', 'preempt'), `${ticks}spinner was preempted\n`);
});

test('pkey_alloc: the new key rights survive the return from the shim handler (PKRU), as on Linux', () => {
  const native = spawnSync(program('pkeys'), [], { encoding: 'utf8' });
  assert.equal(native.status, 0, native.stderr);
  assert.equal(programOutput('pkeys'), native.stdout);
});

test("the shim's signal frames stay off the program's stack, also after handlers left by siglongjmp", () => {
  const native = spawnSync(program('shim_frames'), [], { encoding: 'utf8' });
  assert.equal(native.status, 0, native.stderr);
  assert.match(native.stdout, /a handler's frame is seen by the probe: 1/); // the probe sees frames
  assert.equal(programOutput('shim_frames'), native.stdout);
});
