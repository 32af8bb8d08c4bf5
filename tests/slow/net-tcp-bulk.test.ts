// Slow tier: the 100 MiB versions of tests/integration/net-tcp-bulk.test.ts.
// A long download spends most of its time past slow start, so the rate and
// the loss recovery are measured over many more round trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runUmbra, SLOW_HANG_TIMEOUT_MS } from '../helpers/umbra';
import { assertFillsBottleneck, BOTTLENECK_BPS, downloadConfig, parseDownload } from '../helpers/bulk';

const BYTES = 100 * 1024 * 1024;
const opts = { timeoutMs: SLOW_HANG_TIMEOUT_MS };

test('100 MiB over 80 ms RTT and 100 Mbit: after slow start the download runs at >= 85% of the bottleneck', () => {
  const r = runUmbra(downloadConfig({ bytes: BYTES, loss: 0, stop: '60s' }), [], opts);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assertFillsBottleneck(parseDownload(r.output('client', 'tcp_bulk.1000.stdout'), BYTES));
  assert.equal(r.output('server', 'tcp_bulk.1000.stdout'), `served ${BYTES} bytes\n`);
});

test('100 MiB with 1% loss completes; two runs with the same seed finish at the same nanosecond', () => {
  const run = (): number => {
    const r = runUmbra(downloadConfig({ bytes: BYTES, loss: 0.01, stop: '900s', seed: 7 }), [], opts);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    return parseDownload(r.output('client', 'tcp_bulk.1000.stdout'), BYTES).doneNs;
  };
  const a = run();
  assert.equal(run(), a, 'same seed, same completion time');
  const lossless = ((BYTES * 8) / BOTTLENECK_BPS) * 1e9;
  assert.ok(a > lossless, `loss made it slower than a lossless run (${a} ns)`);
});
