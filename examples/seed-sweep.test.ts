// An example of testing a distributed program with umbra's TypeScript API:
// a UDP echo server and a client that expects all five replies, swept over
// eight seeds in parallel child processes. One seed carries a planted bug (the
// server starts after the client gave up), and the sweep names it, with its
// data directory. Run with: npx tsc -p . && node --test dist/examples/seed-sweep.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectProcess, fullMesh, scenario, simulate, sweepSeeds } from '../src/index';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const SERVER = `
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', 7000))
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(data.upper(), peer)
`;

const CLIENT = `
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
got = 0
for i in range(5):
    t0 = time.monotonic()
    s.sendto(b'ping %d' % i, ('server', 7000))
    try:
        data, _ = s.recvfrom(2048)
        got += 1
        print(data.decode(), 'after %.0f ms' % ((time.monotonic() - t0) * 1000))
    except (socket.timeout, ConnectionRefusedError):
        print('no reply to ping', i)
print('%d/5 replies' % got)
sys.exit(0 if got == 5 else 1)
`;

/** The seed whose scenario has the planted bug. */
const PLANTED_SEED = 6;

/** The scenario for one seed: typed, so a misspelt unit or signal fails to compile. */
const build = (seed: number) =>
  scenario({
    stopTime: '30 s',
    seed,
    network: fullMesh({ nodes: 2, bandwidth: '10 Mbit', latency: '20 ms', loss: 0.01 }),
    hosts: {
      server: {
        networkNodeId: 0,
        processes: [
          {
            path: 'python3',
            args: ['-c', SERVER],
            startTime: seed === PLANTED_SEED ? '20 s' : '0 s',
            expectedFinalState: 'running',
          },
        ],
      },
      client: { networkNodeId: 1, processes: [{ path: 'python3', args: ['-c', CLIENT], startTime: '1 s' }] },
    },
  });

test('simulate(): one run, with outputs, times and traffic per host', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'umbra-example-'));
  try {
    const r = simulate({ ...build(1), general: { stop_time: '30 s', seed: 1, data_directory: 'out' } }, { cwd: dir });
    const client = expectProcess(r, 'client', 'python3').exitedWith(0).stdoutMatches('5/5 replies').process;
    assert.equal(client.pid, 1000);
    assert.equal(client.startTimeNs, 1e9);
    assert.ok(client.endTimeNs !== null && client.endTimeNs > 1e9);
    const server = r.hosts.find((h) => h.name === 'server');
    assert.ok(server !== undefined && server.bytesReceived > 0 && server.bytesSent > 0);
    assert.ok(r.reportPath !== null && fs.existsSync(r.reportPath));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a sweep over 8 seeds reports the one planted failure, naming its seed and data directory', async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'umbra-sweep-'));
  try {
    const sweep = await sweepSeeds(
      build,
      [1, 2, 3, 4, 5, 6, 7, 8],
      (r) => {
        expectProcess(r, 'client', 'python3').exitedWith(0).stdoutMatches('5/5 replies');
      },
      { baseDir: base },
    );
    assert.equal(sweep.outcomes.length, 8);
    assert.deepEqual(
      sweep.failed.map((f) => f.seed),
      [PLANTED_SEED],
      sweep.summary,
    );
    const failure = sweep.failed[0];
    assert.equal(failure.dataDir, path.join(base, `seed-${PLANTED_SEED}`));
    assert.match(
      failure.error ?? '',
      new RegExp(
        `^seed ${PLANTED_SEED}, data directory .*seed-${PLANTED_SEED}: process client\\.python3\\.1000 ended as \\{exited: 1\\}`,
      ),
    );
    assert.match(failure.error ?? '', /0\/5 replies/);
    assert.match(sweep.summary, new RegExp(`^1 of 8 seeds failed: ${PLANTED_SEED}\\n`));
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});
