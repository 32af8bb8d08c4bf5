// Slow tier: real Go programs, dynamically linked (cgo), under the default
// configuration: a garbage-collection storm of 1000 goroutines (same output
// twice), Debian's nats-server with a publishing and a subscribing client, and
// a 3-node etcd cluster that elects a leader, serves etcdctl from a fourth
// host, and keeps answering after a member is killed; and syscall.Exec from a
// busy Go program, dynamic and static, keeping its pid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, runUmbra, SLOW_HANG_TIMEOUT_MS, which } from '../helpers/umbra';
import { buildGo } from '../helpers/go';

const slow = { timeoutMs: SLOW_HANG_TIMEOUT_MS };

test('Go: 1000 goroutines run the collector hundreds of times; same output twice', () => {
  const bin = buildGo('gcstress');
  const yaml = config(host('box', [{ path: bin }]), 'stop_time: 10 min');
  const a = runUmbra(yaml, [], slow);
  const b = runUmbra(yaml, [], slow);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  const out = a.output('box', 'gcstress');
  assert.match(out, /^worker 0 sum [0-9a-f]{16}\n/);
  assert.match(out, /\ncollector ran at least 100 times\n$/);
  assert.equal(out, b.output('box', 'gcstress'));
});

test('nats-server relays 10 messages from a Go publisher to a Go subscriber', () => {
  const client = buildGo('natsclient');
  const yaml = config(
    host('nats', [{ path: which('nats-server'), args: '-a 0.0.0.0 -p 4222', expected_final_state: 'running' }]) +
      host('sub', [{ path: client, args: 'sub nats:4222 news 10', start_time: '2 s' }]) +
      host('pub', [{ path: client, args: 'pub nats:4222 news 10', start_time: '4 s' }]),
    'stop_time: 30 s',
  );
  const r = runUmbra(yaml, [], slow);
  assert.equal(r.status, 0, r.stderr);
  const received = Array.from({ length: 10 }, (_, i) => `received on news: message ${i + 1}\n`).join('');
  assert.equal(r.output('sub', 'natsclient'), `subscribed\n${received}`);
  assert.equal(r.output('pub', 'natsclient'), 'published 10\n');
});

test('etcd: 3 members elect a leader, etcdctl put/get from a fourth host, still answering with one killed', () => {
  const etcd = which('etcd');
  const etcdctl = which('etcdctl');
  const ip = (i: number): string => `11.0.0.${i}`;
  const cluster = [1, 2, 3].map((i) => `n${i}=http://${ip(i)}:2380`).join(',');
  // Debian's etcd seeds its election timeouts from the clock: members started
  // at the same instant would draw the same timeouts and split every vote.
  const starts = ['0 s', '300 ms', '700 ms'];
  const member = (i: number): string => {
    const args =
      `--name n${i} --data-dir n${i}.etcd --listen-client-urls http://${ip(i)}:2379 ` +
      `--advertise-client-urls http://${ip(i)}:2379 --listen-peer-urls http://${ip(i)}:2380 ` +
      `--initial-advertise-peer-urls http://${ip(i)}:2380 --initial-cluster ${cluster} ` +
      '--initial-cluster-state new --initial-cluster-token umbra';
    // n2 is killed at 15 s (SIGTERM); the others run to the end.
    const end = i === 2 ? { shutdown_time: '15 s', expected_final_state: '{signaled: SIGTERM}' } : {};
    return host(
      `n${i}`,
      [{ path: etcd, args, start_time: starts[i - 1], expected_final_state: 'running', ...end }],
      0,
      `ip_addr: ${ip(i)}`,
    );
  };
  const all = [1, 2, 3].map((i) => `http://${ip(i)}:2379`).join(',');
  const survivors = [1, 3].map((i) => `http://${ip(i)}:2379`).join(',');
  const ctl = (endpoints: string, cmd: string, at: string) => ({
    path: etcdctl,
    args: `--endpoints ${endpoints} ${cmd}`,
    start_time: at,
  });
  const client = host(
    'client',
    [
      ctl(all, 'put greeting hello', '8 s'),
      ctl(all, 'get greeting', '10 s'),
      ctl(survivors, 'put after-kill still-here', '20 s'),
      ctl(survivors, 'get greeting', '22 s'),
      ctl(survivors, 'get after-kill', '23 s'),
    ],
    0,
    `ip_addr: ${ip(9)}`,
  );
  const r = runUmbra(config(member(1) + member(2) + member(3) + client, 'stop_time: 30 s'), [], slow);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.outputs('client', 'etcdctl'), [
    'OK\n',
    'greeting\nhello\n',
    'OK\n',
    'greeting\nhello\n',
    'after-kill\nstill-here\n',
  ]);
  // Every member saw the same leader elected.
  const log = (i: number): string =>
    fs.readFileSync(path.join(r.dataDir, 'hosts', `n${i}`, 'etcd.1000.stderr'), 'utf8');
  const leaders = [1, 2, 3].map((i) => /elected leader ([0-9a-f]+) at term (\d+)/.exec(log(i))?.[1]);
  assert.ok(leaders[0] !== undefined, log(1));
  assert.deepEqual(leaders, [leaders[0], leaders[0], leaders[0]]);
});

test('Go syscall.Exec with busy goroutines replaces the program in place, dynamic (cgo) and static', () => {
  for (const cgo of [true, false]) {
    const bin = buildGo('goexec', { cgo });
    const r = runUmbra(config(host('box', [{ path: bin }]), 'stop_time: 10 s'), [], slow);
    assert.equal(r.status, 0, r.stderr);
    // The shell that replaced it has the Go program's pid, its argument and the added variable.
    assert.equal(
      r.output('box', 'goexec'),
      'before exec pid=1000\nafter exec pid=1000 arg=one var=carried\n',
      cgo ? 'cgo build' : 'static build',
    );
  }
});
