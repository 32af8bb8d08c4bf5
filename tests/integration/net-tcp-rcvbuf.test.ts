// Receive-buffer autotuning under umbra on loopback, where simulated time
// does not move while the data flows: a reader that keeps up sees SO_RCVBUF
// grow as on Linux (there, natively, from 131072 to about 2 MB within the
// first MiB of 64 KiB reads), never past tcp_rmem[2]; SO_RCVBUF set by the
// program stops it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, host, program, runUmbra } from '../helpers/umbra';

function values(out: string, key: string): number[] {
  return [...out.matchAll(new RegExp(`${key}=(\\d+)`, 'g'))].map((m) => Number(m[1]));
}

test('SO_RCVBUF grows on loopback at one instant when the application reads fast', () => {
  const yaml = config(
    host('box', [{ path: program('tcp_rcvbuf'), args: `${32 * 1024 * 1024} 65536` }]),
    'stop_time: 30s',
  );
  const r = runUmbra(yaml);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const out = r.output('box', 'tcp_rcvbuf.1000.stdout');
  const bufs = values(out, 'rcvbuf');
  assert.match(out, /^end bytes=33554432 /m);
  assert.equal(bufs[0], 174760, 'the configured socket_recv_buffer to start with');
  assert.ok(bufs[1] > 1_000_000, `after the first MiB: ${bufs[1]}\n${out}`);
  for (let i = 2; i < bufs.length; i++) assert.ok(bufs[i] >= bufs[i - 1] && bufs[i] <= 6 * 1024 * 1024, out);
});

test('with socket_recv_autotune off the buffer stays as configured', () => {
  const yaml = config(
    host('box', [{ path: program('tcp_rcvbuf'), args: `${4 * 1024 * 1024} 65536` }]),
    'stop_time: 30s',
  );
  const r = runUmbra(yaml, ['--socket-recv-autotune', 'false']);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const bufs = values(r.output('box', 'tcp_rcvbuf.1000.stdout'), 'rcvbuf');
  assert.ok(bufs.length >= 3 && bufs.every((b) => b === bufs[0]), String(bufs));
});
