// Bulk TCP over a long fat path: a 16 MiB download across 80 ms of round
// trip and a 100 Mbit bottleneck fills the link after slow start, and with
// 1% loss it still completes, identically for the same seed. The 100 MiB
// versions of both are in tests/slow/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runUmbra } from '../helpers/umbra';
import { assertFillsBottleneck, BOTTLENECK_BPS, downloadConfig, parseDownload } from '../helpers/bulk';

const BYTES = 16 * 1024 * 1024;

test('16 MiB over 80 ms RTT and 100 Mbit: after slow start the download runs at >= 85% of the bottleneck', () => {
  const r = runUmbra(downloadConfig({ bytes: BYTES, loss: 0, stop: '60s' }));
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assertFillsBottleneck(parseDownload(r.output('client', 'tcp_bulk.1000.stdout'), BYTES));
  assert.equal(r.output('server', 'tcp_bulk.1000.stdout'), `served ${BYTES} bytes\n`);
});

test('16 MiB with 1% loss completes; two runs with the same seed finish at the same nanosecond', () => {
  const run = (): number => {
    const r = runUmbra(downloadConfig({ bytes: BYTES, loss: 0.01, stop: '900s', seed: 7 }));
    assert.equal(r.status, 0, r.stderr + r.stdout);
    return parseDownload(r.output('client', 'tcp_bulk.1000.stdout'), BYTES).doneNs;
  };
  const a = run();
  assert.equal(run(), a, 'same seed, same completion time');
  const lossless = ((BYTES * 8) / BOTTLENECK_BPS) * 1e9;
  assert.ok(a > 2 * lossless, `loss made it slower than a lossless run (${a} ns)`);
});
