// The bundled examples run as the README says, and asyncio speaks UDP
// between two hosts on a GML graph with exact simulated timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO, runUmbra, tempDir, UMBRA } from '../helpers/umbra';

function runExample(name: string): { status: number | null; stderr: string; dir: string } {
  const dir = tempDir();
  const r = spawnSync(process.execPath, [UMBRA, path.join(REPO, 'examples', name)], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stderr: r.stderr, dir };
}

test('examples/clock.yaml: node programs print the simulated time on two hosts', () => {
  const r = runExample('clock.yaml');
  assert.equal(r.status, 0, r.stderr);
  const earth = fs.readFileSync(path.join(r.dir, 'umbra.data/hosts/earth/node.1000.stdout'), 'utf8');
  assert.match(earth, /^start 2000-01-01T00:00:00\.000Z\ntick 1 2000-01-01T00:10:00\.000Z\n/);
  assert.match(earth, /tick 6 2000-01-01T01:00:00\.000Z\n$/);
  const moon = fs.readFileSync(path.join(r.dir, 'umbra.data/hosts/moon/node.1000.stdout'), 'utf8');
  assert.equal(
    moon,
    'moon 1 2000-01-01T00:45:00.000Z 900000 ms since start\nmoon 2 2000-01-01T01:00:00.000Z 1800000 ms since start\nmoon 3 2000-01-01T01:15:00.000Z 2700000 ms since start\n',
  );
});

test('examples/coreutils.yaml: date, sleep and python3', () => {
  const r = runExample('coreutils.yaml');
  assert.equal(r.status, 0, r.stderr);
  const host = path.join(r.dir, 'umbra.data/hosts/box');
  assert.equal(fs.readFileSync(path.join(host, 'date.1000.stdout'), 'utf8'), '2000-01-01T00:00:00\n');
  const later = fs
    .readdirSync(host)
    .filter((f) => f.startsWith('date.') && f.endsWith('.stdout') && f !== 'date.1000.stdout');
  assert.equal(fs.readFileSync(path.join(host, later[0]), 'utf8'), '2000-01-01T01:00:01\n');
  const py = fs.readdirSync(host).find((f) => f.startsWith('python3') && f.endsWith('.stdout')) as string;
  assert.equal(fs.readFileSync(path.join(host, py), 'utf8'), 'slept 5.0 at Sat Jan  1 00:00:15 2000\n');
});

test('python asyncio UDP server and client on two hosts, 25 ms apart', () => {
  const dir = tempDir();
  for (const f of ['udp_echo_server.py', 'udp_echo_client.py'])
    fs.copyFileSync(path.join(REPO, 'tests/programs/python', f), path.join(dir, f));
  const r = runUmbra(
    `general: {stop_time: 30 s, data_directory: out.data}
network:
  graph:
    type: gml
    inline: |
      graph [
        node [ id 0 host_bandwidth_down "100 Mbit" host_bandwidth_up "100 Mbit" ]
        edge [ source 0 target 0 latency "25 ms" ]
      ]
hosts:
  server:
    network_node_id: 0
    processes:
    - {path: python3, args: ../../../udp_echo_server.py, expected_final_state: running}
  client:
    network_node_id: 0
    processes:
    - {path: python3, args: ../../../udp_echo_client.py, start_time: 1s}
`,
    [],
    { dir },
  );
  assert.equal(r.status, 0, r.stderr);
  const lines = r.output('client', 'python3').trim().split('\n');
  assert.equal(lines.length, 3);
  lines.forEach((l, i) => assert.match(l, new RegExp(`^reply HELLO ${i} from 11\\.0\\.0\\.2 at `)));
  assert.equal(lines[0], 'reply HELLO 0 from 11.0.0.2 at 1.05');
});
