// The link model on GML edges, measured with 10 000 UDP datagrams per link:
// jitter spreads latency uniformly (and reorders), Gilbert–Elliott loss comes
// in bursts of the configured mean length, duplication and reordering happen
// at their probabilities; the same seed gives the same packets, another seed
// different ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { host, program, runUmbra } from '../helpers/umbra';

const MS = 1_000_000;
const COUNT = 10_000;

function yaml(seed: number): string {
  const u = program('udp_stats');
  const send = (to: string): string => `send ${to} 9000 ${COUNT} 500`;
  return `general: {stop_time: 30 s, data_directory: out.data, seed: ${seed}}
network:
  graph:
    type: gml
    inline: |
      graph [
        directed 0
        node [ id 0 host_bandwidth_up "1 Gbit" host_bandwidth_down "1 Gbit" ]
        node [ id 1 host_bandwidth_up "1 Gbit" host_bandwidth_down "1 Gbit" ]
        node [ id 2 host_bandwidth_up "1 Gbit" host_bandwidth_down "1 Gbit" ]
        edge [ source 0 target 0 latency "1 ms" ]
        edge [ source 1 target 1 latency "1 ms" ]
        edge [ source 2 target 2 latency "1 ms" ]
        edge [ source 0 target 1 latency "20 ms" jitter "5 ms" ]
        edge [ source 0 target 2 latency "20 ms" loss_enter_bad 0.02 loss_leave_bad 0.25 packet_duplicate 0.01 packet_reorder 0.02 ]
        edge [ source 1 target 2 latency "50 ms" ]
      ]
hosts:
${host('jrx', [{ path: u, args: 'recv 9000 1000' }], 1)}${host('grx', [{ path: u, args: 'recv 9000 1000' }], 2)}${host(
    'tx',
    [
      { path: u, args: send('jrx'), start_time: '1s' },
      { path: u, args: send('grx'), start_time: '1s' },
    ],
    0,
  )}`;
}

interface Arrival {
  seq: number;
  delayNs: number;
}

function arrivals(out: string): Arrival[] {
  return out
    .trim()
    .split('\n')
    .map((l) => {
      const [seq, delay] = l.split(' ').map(Number);
      return { seq, delayNs: delay };
    });
}

/** Packets that arrive after one with a higher sequence number. */
function reordered(a: Arrival[]): number {
  let max = -1;
  let n = 0;
  for (const { seq } of a) {
    if (seq < max) n++;
    else max = seq;
  }
  return n;
}

test('jitter, Gilbert–Elliott loss, duplication and reordering over 10 000 datagrams; same seed, same packets', () => {
  const run = (seed: number): { jitter: string; ge: string } => {
    const r = runUmbra(yaml(seed));
    assert.equal(r.status, 0, r.stderr + r.stdout);
    return { jitter: r.output('jrx', 'udp_stats.'), ge: r.output('grx', 'udp_stats.') };
  };
  const first = run(3);

  // Jitter: every datagram arrives (nothing else on that link), latency uniform in 20 ms ± 5 ms.
  const j = arrivals(first.jitter);
  assert.equal(j.length, COUNT);
  assert.equal(new Set(j.map((a) => a.seq)).size, COUNT);
  const delays = j.map((a) => a.delayNs);
  const mean = delays.reduce((s, d) => s + d, 0) / COUNT;
  const sd = Math.sqrt(delays.reduce((s, d) => s + (d - mean) ** 2, 0) / COUNT);
  // The fixed part beyond the link (serialisation of a 40-byte frame at 1 Gbit) is well under 0.1 ms.
  assert.ok(Math.abs(mean - 20 * MS) < 0.2 * MS, `mean delay ${mean} ns`);
  assert.ok(Math.abs(sd - (5 * MS) / Math.sqrt(3)) < 0.1 * MS, `standard deviation ${sd} ns (uniform: 2.887 ms)`);
  assert.ok(Math.min(...delays) >= 15 * MS, `min ${Math.min(...delays)}`);
  assert.ok(Math.max(...delays) <= 25.1 * MS, `max ${Math.max(...delays)}`);
  // A spread of 10 ms over datagrams 0.5 ms apart reorders most of them.
  assert.ok(reordered(j) > COUNT / 4, `${reordered(j)} reordered`);

  // Gilbert–Elliott: bad with probability 0.02 / (0.02 + 0.25) = 7.4 %, bursts of mean length 1 / 0.25 = 4.
  const g = arrivals(first.ge);
  const seqs = new Set(g.map((a) => a.seq));
  const lost = COUNT - seqs.size;
  assert.ok(Math.abs(lost / COUNT - 0.074) < 0.015, `loss ${lost / COUNT}`);
  const bursts: number[] = [];
  let run0 = 0;
  for (let s = 0; s < COUNT; s++) {
    if (!seqs.has(s)) run0++;
    else if (run0 > 0) {
      bursts.push(run0);
      run0 = 0;
    }
  }
  const meanBurst = bursts.reduce((s, b) => s + b, 0) / bursts.length;
  assert.ok(Math.abs(meanBurst - 4) < 0.8, `mean loss burst ${meanBurst} packets`);
  const duplicates = g.length - seqs.size;
  assert.ok(Math.abs(duplicates - 0.01 * seqs.size) < 45, `${duplicates} duplicates`);
  // Held back one extra latency (20 ms = 40 datagrams), so each one is overtaken.
  const late = reordered(g);
  assert.ok(Math.abs(late - 0.02 * seqs.size) < 60, `${late} reordered`);
  const odd = g.filter((a) => !(a.delayNs < 20.1 * MS || (a.delayNs >= 40 * MS && a.delayNs < 40.1 * MS)));
  assert.deepEqual(odd, [], 'on time or one latency late');

  const again = run(3);
  assert.equal(again.jitter, first.jitter, 'same seed: the same delays');
  assert.equal(again.ge, first.ge, 'same seed: the same losses, duplicates and reorderings');
  const other = run(4);
  assert.notEqual(other.jitter, first.jitter);
  assert.notEqual(other.ge, first.ge);
});
