// The bundled examples run as the README says, and asyncio speaks UDP
// between two hosts on a GML graph with exact simulated timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, REPO, runUmbra, runUmbraFile, tempDir } from '../helpers/umbra';

const runExample = (name: string) => runUmbraFile(path.join(REPO, 'examples', name));

test('examples/clock.yaml: node programs print the simulated time on two hosts', () => {
  const r = runExample('clock.yaml');
  assert.equal(r.status, 0, r.stderr);
  const earth = r.output('earth', 'node.1000.stdout');
  assert.match(earth, /^start 2000-01-01T00:00:00\.000Z\ntick 1 2000-01-01T00:10:00\.000Z\n/);
  assert.match(earth, /tick 6 2000-01-01T01:00:00\.000Z\n$/);
  const moon = r.output('moon', 'node.1000.stdout');
  assert.equal(
    moon,
    'moon 1 2000-01-01T00:45:00.000Z 900000 ms since start\nmoon 2 2000-01-01T01:00:00.000Z 1800000 ms since start\nmoon 3 2000-01-01T01:15:00.000Z 2700000 ms since start\n',
  );
});

test('examples/coreutils.yaml: date, sleep and python3', () => {
  const r = runExample('coreutils.yaml');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.outputs('box', 'date.'), ['2000-01-01T00:00:00\n', '2000-01-01T01:00:01\n']);
  assert.equal(r.output('box', 'python3'), 'slept 5.0 at Sat Jan  1 00:00:15 2000\n');
});

test('python asyncio UDP server and client on two hosts, 25 ms apart', () => {
  const dir = tempDir();
  for (const f of ['udp_echo_server.py', 'udp_echo_client.py'])
    fs.copyFileSync(path.join(REPO, 'tests/programs/python', f), path.join(dir, f));
  const r = runUmbra(
    config(
      host('server', [{ path: 'python3', args: '../../../udp_echo_server.py', expected_final_state: 'running' }]) +
        host('client', [{ path: 'python3', args: '../../../udp_echo_client.py', start_time: '1s' }]),
      'stop_time: 30 s',
      { bandwidth: '100 Mbit', latency: '25 ms' },
    ),
    [],
    { dir },
  );
  assert.equal(r.status, 0, r.stderr);
  const lines = r.output('client', 'python3').trim().split('\n');
  assert.equal(lines.length, 3);
  lines.forEach((l, i) => assert.match(l, new RegExp(`^reply HELLO ${i} from 11\\.0\\.0\\.2 at `)));
  assert.equal(lines[0], 'reply HELLO 0 from 11.0.0.2 at 1.05');
});
