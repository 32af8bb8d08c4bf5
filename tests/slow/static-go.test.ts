// Slow tier: a static Go program (no cgo: the runtime makes its threads with raw clone, sets %fs
// itself and calls the vDSO it finds in the auxiliary vector) runs through umbra's loader: a
// net/http server on one host, a client with 20 concurrent requests on another, a ticker, a
// goroutine spinning under GOMAXPROCS=1 that only asynchronous preemption (SIGURG) interrupts, and
// heavy garbage collection; the same output in two runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { config, host, runUmbra, SLOW_HANG_TIMEOUT_MS } from '../helpers/umbra';
import { buildGo } from '../helpers/go';

test('static Go: net/http with 20 concurrent clients, a ticker, a preempted spinner, GC; same output twice', () => {
  const bin = buildGo('staticweb', { cgo: false });
  assert.match(execFileSync('file', [bin]).toString(), /statically linked/);
  const yaml = config(
    host('server', [{ path: bin, args: 'serve 0.0.0.0:8080', expected_final_state: 'running' }]) +
      host('client', [{ path: bin, args: 'fetch server:8080', start_time: '1 s' }]),
    'stop_time: 30 s',
  );
  const args = ['--native-preemption-enabled', 'true', '--native-preemption-native-interval', '2ms'];
  const a = runUmbra(yaml, args, { timeoutMs: SLOW_HANG_TIMEOUT_MS });
  const b = runUmbra(yaml, args, { timeoutMs: SLOW_HANG_TIMEOUT_MS });
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  const out = a.output('client', 'staticweb.1000.stdout');
  const ticks = [1, 2, 3].map((i) => `tick ${i} after at least ${i * 50}ms: true\n`).join('');
  assert.ok(out.startsWith(ticks), out);
  for (let i = 0; i < 20; i++) assert.match(out, new RegExp(`\\nrequest ${i}: 200 ${1000 + 100 * i}:[0-9a-f]{16}\\n`));
  assert.match(out, /\nlocal [0-9a-f]{16}, collector ran at least 20 times: true\nspinner was preempted\n$/);
  assert.equal(a.output('server', 'staticweb.1000.stdout'), 'serving\n');
  assert.equal(out, b.output('client', 'staticweb.1000.stdout'));
});
