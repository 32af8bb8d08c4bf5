// getrandom served in the shim and /dev/urandom served by the simulator: the
// answers Linux defines (errnos, short counts at a hole) match a native run,
// and every draw of a host comes from its one seeded stream in simulated order,
// whichever side serves it (AT_RANDOM at spawn, the shim's getrandom, a read
// of /dev/urandom, a fork child's getrandom).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { config, host, program, runUmbra } from '../helpers/umbra';
import { Rng, hostSeed } from '../../src/host/rng';

test('getrandom and /dev/urandom: same results and errnos as Linux', () => {
  const native = execFileSync(program('random_bytes'), ['linux'], { encoding: 'utf8' });
  const r = runUmbra(config(host('box', [{ path: program('random_bytes'), args: 'linux' }]), 'stop_time: 10s'));
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.doesNotMatch(r.stdout + r.stderr, /unsupported syscall/);
  assert.equal(r.output('box', 'random_bytes.1000.stdout'), native);
  assert.match(native, /getrandom\(10 bytes before a hole, 100, 0\) = 10\n/, 'the native run checks what it says');
});

/** The next `n` bytes of `rng`, drawn as the simulator and the shim draw them (whole words). */
function draw(rng: Rng, n: number): string {
  const b = Buffer.alloc(n);
  rng.fill(b, 0, n);
  return b.toString('hex');
}

/** What `random_bytes stream` prints when its host's stream stands at `rng`. */
function expectedStream(rng: Rng): string {
  return [
    `at_random ${draw(rng, 16)}`, // drawn by the simulator at spawn
    `getrandom5 ${draw(rng, 5)}`, // the shim: a 5-byte draw uses two words, as the simulator's did
    `urandom16 ${draw(rng, 16)}`, // the simulator
    `getrandom16 ${draw(rng, 16)}`,
    `child16 ${draw(rng, 16)}`, // the parent waits for it
    `parent16 ${draw(rng, 16)}`,
    '',
  ].join('\n');
}

test("getrandom in the shim and the simulator's draws form one stream per host, in simulated order", () => {
  const stream = { path: program('random_bytes'), args: 'stream' };
  const yaml = config(
    host('alpha', [
      { ...stream, start_time: '1s' },
      { ...stream, start_time: '3s' },
    ]) + host('beta', [{ ...stream, start_time: '2s' }]),
    'stop_time: 10s\nseed: 42',
  );
  const r = runUmbra(yaml);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const alpha = new Rng(hostSeed(42, 'alpha'));
  // The fork child writes to the same stdout; it is 1001, so the second configured process is 1002.
  assert.equal(r.output('alpha', 'random_bytes.1000.stdout'), expectedStream(alpha));
  assert.equal(r.output('alpha', 'random_bytes.1002.stdout'), expectedStream(alpha), 'the stream goes on');
  assert.equal(r.output('beta', 'random_bytes.1000.stdout'), expectedStream(new Rng(hostSeed(42, 'beta'))));
});

test('getrandom makes no round trip to the simulator; a read of /dev/urandom does', () => {
  const r = runUmbra(config(host('box', [{ path: program('random_bytes'), args: 'stream' }]), 'stop_time: 10s'), [
    '--strace-logging-mode',
    'deterministic',
  ]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const trace = r.output('box', 'random_bytes.1000.strace');
  assert.doesNotMatch(trace, /getrandom/, 'the simulator traces every call it serves');
  assert.match(trace, /\] read\(3, ptr, 16\) = 16$/m);
  // clone has five arguments; the ended child keeps its virtual id until it is reaped.
  assert.match(trace, /\] clone\(0x1200011, NULL, NULL, ptr, NULL\) = 1001$/m);
  assert.match(trace, /\] wait4\(1001, ptr, 0x0, NULL\) = 1001$/m);
});
