// Configurations built from code: the typed specs become the Shadow-format
// object loadConfig accepts; mistakes in units, signals and states do not compile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fullMesh, gmlText, loadConfig, scenario } from '../../src/index';

test('a scenario becomes a configuration loadConfig accepts, with every key in place', () => {
  const obj = scenario({
    stopTime: '10 s',
    seed: 7,
    report: false,
    network: fullMesh({ nodes: 2, bandwidth: '10 Mbit', latency: '20 ms', loss: 0.01 }),
    hosts: {
      server: {
        networkNodeId: 0,
        pcap: true,
        processes: [{ path: 'sleep', args: '100', expectedFinalState: 'running' }],
      },
      client: {
        networkNodeId: 1,
        processes: [
          { path: 'sleep', args: ['1'], startTime: '2s', environment: { A: 'b' } },
          {
            path: 'sleep',
            args: '9',
            shutdownTime: 3,
            shutdownSignal: 'SIGINT',
            expectedFinalState: { signaled: 'SIGINT' },
          },
        ],
      },
    },
  });
  const cfg = loadConfig({ text: JSON.stringify(obj), fileName: 'x' }, {}, { cwd: '/', env: process.env });
  assert.equal(cfg.general.stopTimeNs, 10e9);
  assert.equal(cfg.general.seed, 7);
  assert.equal(cfg.general.report, false);
  assert.equal(cfg.hosts.length, 2);
  const byName = (n: string) => cfg.hosts.find((h) => h.name === n) ?? assert.fail(n);
  const server = byName('server');
  const client = byName('client');
  assert.equal(server.options.pcapEnabled, true);
  assert.deepEqual(server.processes[0].expectedFinalState, { kind: 'running' });
  assert.equal(client.processes[0].startTimeNs, 2e9);
  assert.ok(client.processes[0].environment.some(([k, v]) => k === 'A' && v === 'b'));
  assert.equal(client.processes[1].shutdownTimeNs, 3e9);
  assert.deepEqual(client.processes[1].expectedFinalState, { kind: 'signaled', signal: 2 });
});

test('GML from nodes and edges: float losses, one self-loop per node', () => {
  const text = gmlText([{ id: 0, bandwidth: '1 Gbit' }], [{ source: 0, target: 0, latency: '1 ms' }]);
  assert.match(text, /node \[ id 0 host_bandwidth_up "1 Gbit" host_bandwidth_down "1 Gbit" \]/);
  assert.match(text, /edge \[ source 0 target 0 latency "1 ms" packet_loss 0\.0 \]/);
});

test('mistakes are compile-time errors', () => {
  // Each line below fails to type-check if the types stop catching it (tsc reports an unused @ts-expect-error).
  // @ts-expect-error a unit that does not exist
  scenario({ stopTime: '10 parsecs', hosts: {} });
  // @ts-expect-error a signal that does not exist
  scenario({ stopTime: 1, hosts: { a: { processes: [{ path: 'x', shutdownSignal: 'SIGFOO' }] } } });
  // @ts-expect-error an exit state given as a bare number
  scenario({ stopTime: 1, hosts: { a: { processes: [{ path: 'x', expectedFinalState: 0 }] } } });
  // @ts-expect-error bandwidth in bytes
  fullMesh({ nodes: 1, bandwidth: '10 MB', latency: '1 ms' });
});
