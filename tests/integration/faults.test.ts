// The fault schedule with real programs: a link that goes down and comes back
// under a TCP transfer, a partition and its heal, a one-way block, a host crash
// and restart, realtime clock jumps and the start date, and config errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, program, runUmbra } from '../helpers/umbra';

const SEC = 1_000_000_000;

/** One TCP segment of a pcap file: when, which direction (by source port), its sequence number and payload size. */
interface TcpRecord {
  timeNs: number;
  srcPort: number;
  dstPort: number;
  seq: number;
  payloadBytes: number;
  flags: number;
}

function readTcpPcap(file: string): TcpRecord[] {
  const b = fs.readFileSync(file);
  const out: TcpRecord[] = [];
  for (let off = 24; off < b.length;) {
    const timeNs = b.readUInt32LE(off) * SEC + b.readUInt32LE(off + 4) * 1000;
    const incl = b.readUInt32LE(off + 8);
    const ip = b.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    if (ip[9] !== 6) continue;
    const ihl = (ip[0] & 15) * 4;
    const tcp = ip.subarray(ihl);
    const doff = (tcp[12] >> 4) * 4;
    out.push({
      timeNs,
      srcPort: tcp.readUInt16BE(0),
      dstPort: tcp.readUInt16BE(2),
      seq: tcp.readUInt32BE(4),
      payloadBytes: ip.readUInt16BE(2) - ihl - doff,
      flags: tcp[13],
    });
  }
  return out;
}

const SYN = 0x02;
const ACK = 0x10;

/** Two nodes 20 ms apart, 10 Mbit per host. */
function twoNodeGraph(): { nodes: number; bandwidth: string; latency: string } {
  return { nodes: 2, bandwidth: '10 Mbit', latency: '20 ms' };
}

test('a link down for 10 s under a TCP download: every byte arrives intact, the pcap shows retransmissions', () => {
  const bytes = 8 * 1024 * 1024;
  const yaml =
    config(
      host(
        'server',
        [{ path: program('tcp_bulk'), args: `server 8080 ${bytes}` }],
        0,
        'host_options: {pcap_enabled: true}',
      ) + host('client', [{ path: program('tcp_bulk'), args: 'client server 8080', start_time: '1s' }], 1),
      'stop_time: 60 s',
      twoNodeGraph(),
    ) +
    'schedule:\n' +
    '- {at: 3 s, link: {source: 0, target: 1, up: false}}\n' +
    '- {at: 13 s, link: {source: 1, target: 0, up: true}}\n';
  const r = runUmbra(yaml);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /schedule\[0\]: link 0 -> 1: down/);
  assert.match(r.stdout, /00:00:13\.000000000 .*schedule\[1\]: link 1 -> 0: up/);
  const out = r.output('client', 'tcp_bulk.');
  assert.match(out, new RegExp(`received ${bytes} bytes, checksum [0-9a-f]+, pattern ok`));
  const doneNs = Number(/done (\d+) ns after connect/.exec(out)?.[1]);
  // 8 MiB at 10 Mbit takes about 7 s; the outage adds its 10 s (and the backoff after it).
  assert.ok(doneNs > 17 * SEC, `done after ${doneNs} ns`);

  const data = readTcpPcap(path.join(r.dataDir, 'hosts', 'server', 'eth0.pcap')).filter(
    (p) => p.srcPort === 8080 && p.payloadBytes > 0,
  );
  const seen = new Set<number>();
  const resent: TcpRecord[] = [];
  for (const p of data) {
    if (seen.has(p.seq)) resent.push(p);
    seen.add(p.seq);
  }
  const during = resent.filter((p) => p.timeNs > 3 * SEC && p.timeNs < 13 * SEC);
  assert.ok(during.length >= 3, `retransmissions during the outage: ${during.length}`);
  // Backed off: retransmission timeouts grow, so they are spread out, not back to back.
  const gaps = during.slice(1).map((p, i) => p.timeNs - during[i].timeNs);
  assert.ok(
    gaps.some((g) => g >= SEC),
    `gaps between retransmissions: ${gaps.join(', ')}`,
  );
  assert.ok(
    data.some((p) => p.timeNs > 13 * SEC),
    'data flows again after the link is back',
  );
});

const reqLoop = (mode: 'reconnect' | 'keep', opts = ''): string =>
  host(
    'client',
    [{ path: program('req_loop'), args: `client server 80 30 1000 2000 ${mode}`, start_time: '1s' }],
    0,
    opts,
  ) + host('server', [{ path: program('req_loop'), args: 'server 80', expected_final_state: 'running' }], 0, opts);

/** The client's lines as [time ms, event]. */
function clientEvents(out: string): Array<[number, string]> {
  return out
    .trim()
    .split('\n')
    .map((l) => {
      const m = /^(\d+) (.*)$/.exec(l);
      assert.ok(m, l);
      return [Number(m[1]), m[2]];
    });
}

test('a partition makes requests time out; after heal the client reconnects and gets replies', () => {
  const yaml =
    config(reqLoop('reconnect'), 'stop_time: 40 s') +
    'schedule:\n- {at: 5 s, partition: [[client], [server]]}\n- {at: 15 s, heal: true}\n';
  const r = runUmbra(yaml);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const ev = clientEvents(r.output('client', 'req_loop.'));
  const during = ev.filter(([t]) => t > 5000 && t < 15000).map(([, e]) => e);
  assert.ok(during.length > 0 && during.every((e) => /timeout/.test(e)), during.join('; '));
  assert.ok(
    ev.every(([t, e]) => !(t > 5000 && t < 15000 && /^reply/.test(e))),
    'no reply crosses the partition',
  );
  const after = ev.filter(([t]) => t >= 15000).map(([, e]) => e);
  assert.equal(after[0], 'connected');
  assert.equal(after.filter((e) => /^reply/.test(e)).length, after.filter((e) => /^reply|timeout/.test(e)).length);
  assert.ok(after.filter((e) => /^reply/.test(e)).length >= 20);
  // The client's FIN from during the partition reaches the server only after the heal.
  const server = clientEvents(r.output('server', 'req_loop.'));
  const ended = server.find(([, e]) => e === 'connection ended: EOF');
  assert.ok(ended !== undefined && ended[0] > 15000, JSON.stringify(server));
});

test('a one-way block: the client SYNs reach the server, whose SYN-ACKs never arrive', () => {
  const yaml =
    config(reqLoop('reconnect', 'host_options: {pcap_enabled: true}'), 'stop_time: 40 s') +
    'schedule:\n- {at: 5 s, block: {from: [server], to: [client]}}\n- {at: 15 s, heal: true}\n';
  const r = runUmbra(yaml);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const ev = clientEvents(r.output('client', 'req_loop.'));
  assert.ok(ev.some(([t, e]) => t > 5000 && t < 15000 && e === 'connect timeout'));
  // The other way works: the client's FIN (closing after its timeout) reaches the server at once.
  const server = clientEvents(r.output('server', 'req_loop.'));
  const ended = server.find(([, e]) => e === 'connection ended: EOF');
  assert.ok(ended !== undefined && ended[0] > 5000 && ended[0] < 15000, JSON.stringify(server));

  const window = (p: TcpRecord): boolean => p.timeNs > 7.5 * SEC && p.timeNs < 15 * SEC;
  const synAck = (p: TcpRecord): boolean => (p.flags & (SYN | ACK)) === (SYN | ACK);
  const isSyn = (p: TcpRecord): boolean => (p.flags & (SYN | ACK)) === SYN;
  const serverPcap = readTcpPcap(path.join(r.dataDir, 'hosts', 'server', 'eth0.pcap')).filter(window);
  const clientPcap = readTcpPcap(path.join(r.dataDir, 'hosts', 'client', 'eth0.pcap')).filter(window);
  assert.ok(serverPcap.filter(isSyn).length >= 2, 'SYNs arrive at the server');
  assert.ok(serverPcap.filter(synAck).length >= 2, 'the server answers them');
  assert.equal(clientPcap.filter(synAck).length, 0, 'no SYN-ACK reaches the client');
  assert.ok(clientPcap.filter(isSyn).length >= 2, 'the client keeps sending SYNs');
});

test('a host crash leaves the peer half-open until the restarted host answers with a RST; new pid, new file', () => {
  const yaml =
    config(reqLoop('keep'), 'stop_time: 40 s') +
    'schedule:\n- {at: 5500 ms, host: {name: server, down: true}}\n- {at: 12 s, host: {name: server, down: false}}\n';
  const r = runUmbra(yaml);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /server\.req_loop\.1000: killed by SIGKILL/);
  const ev = clientEvents(r.output('client', 'req_loop.'));
  const down = ev.filter(([t]) => t > 5500 && t < 12000).map(([, e]) => e);
  assert.ok(down.length >= 2 && down.every((e) => /^timeout/.test(e)), down.join('; '));
  const reset = ev.find(([, e]) => /failed: ECONNRESET/.test(e));
  assert.ok(reset !== undefined && reset[0] > 12000, JSON.stringify(ev));
  assert.ok(ev.filter(([t, e]) => t > reset[0] && /^reply/.test(e)).length >= 15);
  // No FIN or RST left the crashed host: the old process's connection never ended on its side.
  const [first, second] = r.outputs('server', 'req_loop.');
  assert.deepEqual(
    clientEvents(first).map(([, e]) => e),
    ['listening', 'accepted'],
  );
  assert.match(second, /^12000 listening\n/);
  assert.deepEqual(
    r.files('server').filter((f) => f.endsWith('.stdout')),
    ['req_loop.1000.stdout', 'req_loop.1001.stdout'],
  );
});

test('clock_offset jumps one host realtime clocks (vDSO, syscall, gettimeofday, time) but not monotonic ones', () => {
  const yaml =
    config(
      host('alpha', [{ path: program('clock_jump'), args: '4' }]) +
        host('beta', [{ path: program('clock_jump'), args: '4' }]),
      'stop_time: 10 s\nstart_date: 2026-01-01T00:00:00Z',
    ) +
    'schedule:\n- {at: 1500 ms, host: {name: beta, clock_offset: -2 s}}\n- {at: 2500 ms, host: {name: beta, clock_offset: 90 min}}\n';
  const r = runUmbra(yaml);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const rows = (h: string): number[][] => {
    const lines = r.output(h, 'clock_jump.').trim().split('\n');
    // An absolute CLOCK_REALTIME deadline is read against the host's own (moved) clock.
    assert.equal(lines.pop(), 'absolute sleep 0 took 1500000000', h);
    return lines.map((l) => [...l.matchAll(/ (-?\d+)/g)].map((m) => Number(m[1])));
  };
  const start = 1_767_225_600; // 2026-01-01T00:00:00Z
  const expect = (h: string, offsetsSec: number[]): void => {
    rows(h).forEach(([rt, raw, tod, time, mono, monoRaw], i) => {
      const sec = start + i + offsetsSec[i];
      // Realtime readings above 2^53 ns are compared in whole seconds.
      assert.equal(Math.round(rt / SEC), sec, `${h} round ${i} realtime`);
      assert.equal(Math.round(raw / SEC), sec, `${h} round ${i} raw syscall`);
      assert.equal(Math.floor(tod / 1e6), sec, `${h} round ${i} gettimeofday`);
      assert.equal(time, sec, `${h} round ${i} time`);
      assert.equal(mono, (i + 1) * SEC, `${h} round ${i} monotonic`);
      assert.equal(monoRaw, (i + 1) * SEC, `${h} round ${i} monotonic syscall`);
    });
  };
  expect('alpha', [0, 0, 0, 0]);
  expect('beta', [0, 0, -2, -2 + 5400]);
  const processed = fs.readFileSync(path.join(r.dataDir, 'processed-config.yaml'), 'utf8');
  assert.match(processed, /start_date: 2026-01-01T00:00:00Z/);
  assert.match(processed, /- \{at: 1500 ms, host: \{name: beta, clock_offset: "-2 sec"\}\}/);
});

test("/proc/stat's btime follows the start date and a host's clock jump, as Linux's boot time does", () => {
  const btime = { path: '/bin/sh', args: ['-c', 'grep ^btime /proc/stat'] };
  const yaml =
    config(
      host('alpha', [{ ...btime, start_time: '5 s' }]) + host('beta', [{ ...btime, start_time: '5 s' }]),
      'stop_time: 10 s\nstart_date: 2026-01-01T00:00:00Z',
    ) + 'schedule:\n- {at: 2 s, host: {name: beta, clock_offset: 10 s}}\n';
  const r = runUmbra(yaml);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  // Boot is monotonic zero, one second before simulated time 0 (2026-01-01T00:00:00Z = 1767225600).
  assert.equal(r.output('alpha', 'dash.'), 'btime 1767225599\n');
  assert.equal(r.output('beta', 'dash.'), 'btime 1767225609\n');
});

test('schedule mistakes exit 2 with one line naming the entry', () => {
  const base = config(reqLoop('reconnect'), 'stop_time: 40 s', twoNodeGraph());
  for (const [entry, message] of [
    ['{at: 5 s, link: {source: 0, target: 1, latency: 7 parsecs}}', /schedule\[0\]\.link\.latency: expected a time/],
    ['{at: 5 s, link: {source: 0, target: 5, up: false}}', /schedule\[0\]\.link: .* has no edge 0 -> 5/],
    ['{at: 50 s, heal: true}', /schedule\[0\]\.at: 50 sec is not before general\.stop_time/],
    ['{at: 5 s, host: {name: gamma, down: true}}', /schedule\[0\]\.host\.name: no host named 'gamma'/],
    [
      '{at: 5 s, link: {source: 0, target: 1, packet_loss: 1.5}}',
      /schedule\[0\]\.link\.packet_loss: expected a probability/,
    ],
  ] as const) {
    const r = runUmbra(base + `schedule:\n- ${entry}\n`);
    assert.equal(r.status, 2, r.stderr + r.stdout);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  const random = runUmbra(base + 'schedule_random: {seed: 1, mean_duration: 1 s, hosts: [client, nobody]}\n');
  assert.equal(random.status, 2);
  assert.match(random.stderr, /schedule_random\.hosts\[1\]: no host named 'nobody'/);
});

test('kill: a signal to the processes of one name on a host, the others keep running', () => {
  const yaml =
    config(
      host('server', [
        { path: program('req_loop'), args: 'server 80', expected_final_state: '{signaled: SIGTERM}' },
        { path: program('sleeper'), args: '1000 30', expected_final_state: 'running' },
      ]),
      'stop_time: 10 s',
    ) +
    'schedule:\n- {at: 3 s, host: {name: server, kill: SIGTERM, process: req_loop}}\n' +
    '- {at: 4 s, host: {name: server, kill: SIGUSR1, process: nothing-by-this-name}}\n';
  const r = runUmbra(yaml);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /00:00:03\.000000000 .*schedule\[0\]: host server: SIGTERM to 'req_loop'/);
  assert.match(r.stdout, /server\.req_loop\.1000: killed by SIGTERM/);
  assert.match(r.stdout + r.stderr, /schedule\[1\]: no running process matched/);
});

test('schedule_random: drawn from its seed into processed-config.yaml; same seed, same run; another seed differs', () => {
  const run = (seed: number): { schedule: string; client: string } => {
    const yaml =
      config(reqLoop('reconnect'), 'stop_time: 40 s') +
      `schedule_random: {seed: ${seed}, partitions_per_hour: 300, host_crashes_per_hour: 200, ` +
      'mean_duration: 4 s, hosts: [client, server]}\n';
    const r = runUmbra(yaml);
    // A client restarted late has not finished its requests at stop time (exit status 1), which is fine here.
    assert.ok(r.status === 0 || r.status === 1, r.stderr + r.stdout);
    assert.match(r.stdout, /schedule_random\[0\]: /, 'drawn events are logged as they happen');
    const processed = fs.readFileSync(path.join(r.dataDir, 'processed-config.yaml'), 'utf8');
    assert.doesNotMatch(processed, /schedule_random/, 'the drawn events replace the recipe');
    const schedule = processed.slice(processed.indexOf('\nschedule:\n'));
    return { schedule, client: r.outputs('client', 'req_loop.').join('---\n') };
  };
  const a = run(7);
  assert.match(a.schedule, /partition: \[\[/);
  assert.match(a.schedule, /down: true/);
  const b = run(7);
  assert.equal(b.schedule, a.schedule);
  assert.equal(b.client, a.client);
  const c = run(8);
  assert.notEqual(c.schedule, a.schedule);
  assert.notEqual(c.client, a.client);
});
