// Bulk TCP over a long fat path with tests/programs/tcp_bulk: a server on
// node 0 of a two-node GML graph sends BYTES to a client on node 1, 40 ms
// away (80 ms round trip), every host limited to 100 Mbit each way.
import assert from 'node:assert/strict';
import { config, host, program } from './umbra';

export const BOTTLENECK_BPS = 100e6;

export interface Download {
  bytes: number;
  /** Loss probability on the path between the two nodes. */
  loss: number;
  stop: string;
  seed?: number;
}

export function downloadConfig(d: Download): string {
  return config(
    host('server', [{ path: program('tcp_bulk'), args: `server 8080 ${d.bytes}` }], 0) +
      host('client', [{ path: program('tcp_bulk'), args: 'client server 8080', start_time: '1s' }], 1),
    `stop_time: ${d.stop}\nseed: ${d.seed ?? 1}`,
    { nodes: 2, bandwidth: '100 Mbit', latency: '40 ms', loss: d.loss },
  );
}

export interface BulkResult {
  connectNs: number;
  doneNs: number;
  /** Payload bit/s over the second half of the transfer (after slow start). */
  rateBps: number;
}

/** Parses the client's output and checks that every byte arrived, in order and intact. */
export function parseDownload(out: string, bytes: number): BulkResult {
  const m =
    /^connected after (\d+) ns\nreceived (\d+) bytes, checksum [0-9a-f]+, pattern (\w+)\ndone (\d+) ns after connect\nrate over the second half: (\d+) bit\/s\n$/.exec(
      out,
    );
  assert.ok(m, out);
  assert.equal(Number(m[2]), bytes, 'every byte arrived');
  assert.equal(m[3], 'ok', 'in order and intact');
  return { connectNs: Number(m[1]), doneNs: Number(m[4]), rateBps: Number(m[5]) };
}

/** Checks a lossless download: one round trip to connect, then the bottleneck filled but not beaten. */
export function assertFillsBottleneck(res: BulkResult): void {
  assert.equal(res.connectNs, 80_000_000, 'the handshake takes one round trip');
  assert.ok(res.rateBps >= 0.85 * BOTTLENECK_BPS, `${res.rateBps} bit/s over the second half`);
  // Payload cannot beat the wire: 1448 of every 1500 bytes (timestamps on), 96.5 Mbit/s.
  assert.ok(res.rateBps <= BOTTLENECK_BPS * (1448 / 1500) * 1.001, `${res.rateBps} bit/s is faster than the link`);
}
