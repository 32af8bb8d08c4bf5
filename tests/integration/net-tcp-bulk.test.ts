// Bulk TCP over a long fat path: a 100 MiB download across 80 ms of round
// trip and a 100 Mbit bottleneck fills the link after slow start, and with
// 1% loss it still completes, identically for the same seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { program, runUmbra } from '../helpers/umbra';

const BYTES = 100 * 1024 * 1024;

/** Two GML nodes 40 ms apart, 100 Mbit per host each way; server on one, client on the other. */
function download(loss: string, stop: string, seed = 1): string {
  return `general:
  data_directory: out.data
  stop_time: ${stop}
  seed: ${seed}
network:
  graph:
    type: gml
    inline: |
      graph [
        directed 0
        node [ id 0 host_bandwidth_up "100 Mbit" host_bandwidth_down "100 Mbit" ]
        node [ id 1 host_bandwidth_up "100 Mbit" host_bandwidth_down "100 Mbit" ]
        edge [ source 0 target 1 latency "40 ms" packet_loss ${loss} ]
        edge [ source 0 target 0 latency "1 ms" packet_loss 0.0 ]
        edge [ source 1 target 1 latency "1 ms" packet_loss 0.0 ]
      ]
hosts:
  server:
    network_node_id: 0
    processes:
    - {path: ${program('tcp_bulk')}, args: server 8080 ${BYTES}}
  client:
    network_node_id: 1
    processes:
    - {path: ${program('tcp_bulk')}, args: client server 8080, start_time: 1s}
`;
}

interface Result {
  connectNs: number;
  doneNs: number;
  rateBps: number;
}

function parse(out: string): Result {
  const m =
    /^connected after (\d+) ns\nreceived (\d+) bytes, checksum [0-9a-f]+, pattern (\w+)\ndone (\d+) ns after connect\nrate after 50 MiB: (\d+) bit\/s\n$/.exec(
      out,
    );
  assert.ok(m, out);
  assert.equal(Number(m[2]), BYTES, 'every byte arrived');
  assert.equal(m[3], 'ok', 'in order and intact');
  return { connectNs: Number(m[1]), doneNs: Number(m[4]), rateBps: Number(m[5]) };
}

test('100 MiB over 80 ms RTT and 100 Mbit: after slow start the download runs at >= 85% of the bottleneck', () => {
  const r = runUmbra(download('0.0', '60s'));
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const res = parse(r.output('client', 'tcp_bulk.1000.stdout'));
  assert.equal(res.connectNs, 80_000_000, 'the handshake takes one round trip');
  assert.ok(res.rateBps >= 0.85 * 100e6, `${res.rateBps} bit/s over the second half`);
  // Payload cannot beat the wire: 1448 of every 1500 bytes (timestamps on), 96.5 Mbit/s.
  assert.ok(res.rateBps <= 100e6 * (1448 / 1500) * 1.001, `${res.rateBps} bit/s is faster than the link`);
  assert.equal(r.output('server', 'tcp_bulk.1000.stdout'), `served ${BYTES} bytes\n`);
});

test('100 MiB with 1% loss completes; two runs with the same seed finish at the same nanosecond', () => {
  const run = (): Result => {
    const r = runUmbra(download('0.01', '900s', 7), [], { timeoutMs: 300_000 });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    return parse(r.output('client', 'tcp_bulk.1000.stdout'));
  };
  const a = run();
  const b = run();
  assert.equal(a.doneNs, b.doneNs, 'same seed, same completion time');
  assert.ok(a.doneNs > 9e9, 'loss made it slower than the lossless run');
});
