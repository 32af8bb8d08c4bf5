// TCP with real programs: the documentation's python http.server + curl
// example, socket semantics that match a native Linux run line by line, a
// connect that times out after Linux's SYN retries, SO_LINGER, and a node
// http server with fetch clients. (redis-benchmark is in tests/slow/.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, program, programOutput, runUmbra, tempDir } from '../helpers/umbra';

test('python3 -m http.server and three curl clients: every client gets the directory listing', () => {
  const curl = [{ path: 'curl', args: '-s server', start_time: '5s' }];
  const r = runUmbra(
    config(
      host('server', [
        { path: 'python3', args: '-m http.server 80', start_time: '3s', expected_final_state: 'running' },
      ]) +
        host('client1', curl) +
        host('client2', curl) +
        host('client3', curl),
      'stop_time: 10s\nmodel_unblocked_syscall_latency: true',
    ),
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  for (const c of ['client1', 'client2', 'client3']) {
    const out = r.output(c, 'curl.1000.stdout');
    assert.match(out, /<title>Directory listing for \/<\/title>/, `${c}: ${out}`);
    assert.match(out, /<\/html>\s*$/, `${c} got the whole page`);
  }
  const log = fs.readFileSync(
    path.join(r.dataDir, 'hosts', 'server', r.files('server').find((f) => f.endsWith('.stderr')) ?? ''),
    'utf8',
  );
  for (const ip of ['11.0.0.1', '11.0.0.2', '11.0.0.3'])
    assert.match(log, new RegExp(`${ip.replace(/\./g, '\\.')} .*"GET / HTTP/1\\.1" 200`));
});

// Captured from a native run of the same program (Linux 6.x, loopback).
const NATIVE_SEMANTICS = `unbound name: 0.0.0.0:0 len 16
getpeername unconnected: -1 ENOTCONN
fresh: poll 1 [OUT HUP]
SO_TYPE 1 SO_ACCEPTCONN 0 SO_ERROR 0
TCP_NODELAY 0 TCP_CORK 0 TCP_MAXSEG 536 TCP_KEEPIDLE 7200 TCP_KEEPINTVL 75 TCP_KEEPCNT 9 TCP_SYNCNT 6
send unconnected: -1 EPIPE
recv unconnected: -1 ENOTCONN
set TCP_NODELAY: 0
TCP_NODELAY now 1
set TCP_KEEPIDLE 10: 0
set TCP_KEEPIDLE 0: -1 EINVAL
TCP_KEEPIDLE now 10
set TCP_MAXSEG 50: -1 EINVAL
set TCP_INFO: -1 ENOPROTOOPT
TCP_CONGESTION len 16
set TCP_CONGESTION reno: 0
TCP_CONGESTION reno
set TCP_CONGESTION bogus: -1 ENOENT
SO_SNDBUF 131072 SO_RCVBUF 131072
tcp_info unconnected: state 7 len full
connect closed port: -1 ECONNREFUSED
SO_ERROR after refused 0
nonblocking connect closed port: -1 EINPROGRESS
refused: poll 1 [IN OUT ERR HUP RDHUP]
SO_ERROR ECONNREFUSED then 0
listener SO_ACCEPTCONN 1
idle listener: poll 0 [none]
accept empty: -1 EAGAIN
recv on listener: -1 ENOTCONN
nonblocking connect: -1 EINPROGRESS
connect wait: [OUT]
SO_ERROR 0
connect again: 0
connect third: -1 EISCONN
listener with a connection: poll 1 [IN]
accept4: ok, addrlen 16, peer 127.0.0.1, nonblock 1, cloexec 1
names match: 1, server port matches: 1
connected client: poll 1 [OUT]
SO_ACCEPTCONN on accepted 0
listen on connected: -1 EINVAL
bind connected: -1 EINVAL
tcp_info: state 1 ca_state 0 retrans 0 unacked 0 options ts,sack,wscale
recv nothing yet: -1 EAGAIN
send hello: 5
FIONREAD 5
peek 3: 3
peeked 'hel'
recv 100: 5
got 'hello'
recv dontwait: -1 EAGAIN
recv zero length: -1 EAGAIN
writev: 6
readv 6: 'ab' 'cdef'
recv waitall 6: 6
got '123456'
SIOCOUTQ 0 SIOCOUTQNSD 0 (after the peer acknowledged)
ioctl FIONREAD on listener: -1 EINVAL
recv with SO_RCVTIMEO: -1 EAGAIN
waited at least 200 ms: 1
read with SO_RCVTIMEO: -1 EAGAIN
waited at least 200 ms: 1
sendfile from position: 5
file position now 7
sendfile at offset: 10
offset now 20, position still 7
received 15 '23456abcdefghij'
shutdown bad how: -1 EINVAL
shutdown WR: 0
server after client FIN: poll 1 [IN OUT RDHUP]
server reads EOF: 0
server sends after FIN: 4
client still reads: 4
got 'back'
client send after SHUT_WR: -1 EPIPE
client write after SHUT_WR: -1 EPIPE
SIGPIPE count 1
server shutdown RDWR: 0
client after both FINs: poll 1 [IN OUT HUP RDHUP]
client reads EOF: 0
client after reset: poll 1 [IN OUT ERR HUP RDHUP]
recv after reset: -1 ECONNRESET
recv again: 0
send after reset: -1 EPIPE
getpeername after reset: -1 ENOTCONN
set SO_LINGER {1,0}: 0
SO_LINGER {1,0} len 8
recv after abortive close: -1 ECONNRESET
after MSG_MORE: FIONREAD 0
after the next send: FIONREAD 2
corked: FIONREAD 0
uncorked: FIONREAD 3
send 64 MiB with SO_SNDTIMEO: partial, waited at least 100 ms: 1
write 64 MiB with SO_SNDTIMEO: partial, waited at least 100 ms: 1
bind TIME_WAIT port without SO_REUSEADDR: -1 EADDRINUSE
bind TIME_WAIT port with SO_REUSEADDR: 0
listen: 0
bind a listening port with SO_REUSEADDR: -1 EADDRINUSE
two SO_REUSEADDR binds: 0
first listens: 0
second listens: -1 EADDRINUSE
SO_REUSEPORT bind: 0
SO_REUSEPORT listen 1: 0
SO_REUSEPORT listen 2: 0
done
`;

test('TCP socket semantics on loopback match Linux line by line (connect, readiness, EOF, resets, SIGPIPE, options, MSG_MORE, timeouts, sendfile)', () => {
  assert.equal(programOutput('tcp_semantics'), NATIVE_SEMANTICS);
});

test('connect() to an address nobody answers fails with ETIMEDOUT after 127 s of SYN retries, like Linux', () => {
  const r = runUmbra(
    config(
      `  server:
    network_node_id: 0
    processes:
    - {path: ${program('tcp_bulk')}, args: server 8080 1000, expected_final_state: running}
  client:
    network_node_id: 0
    processes:
    - {path: ${program('tcp_bulk')}, args: client 11.0.0.99 8080, start_time: 1s, expected_final_state: {exited: 3}}
    - {path: ${program('tcp_bulk')}, args: client server 8081, start_time: 1s, expected_final_state: {exited: 3}}
`,
      'stop_time: 200s',
    ),
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  // SYN at 0 s, retransmitted at 1, 3, 7, 15, 31, 63 s; Linux gives up 64 s after the last one.
  assert.equal(r.output('client', 'tcp_bulk.1000.stdout'), 'connect: ETIMEDOUT after 127000000000 ns\n');
  // A closed port on a live host answers with a reset: refused after one round trip.
  assert.equal(r.output('client', 'tcp_bulk.1001.stdout'), 'connect: ECONNREFUSED after 2000000 ns\n');
});

test('a connection to a host behind a 100%-loss edge fails with ETIMEDOUT after the SYN retries', () => {
  const r = runUmbra(
    config(
      host('server', [{ path: program('tcp_bulk'), args: 'server 8080 1000', expected_final_state: 'running' }], 1) +
        host('client', [
          {
            path: program('tcp_bulk'),
            args: 'client server 8080',
            start_time: '1s',
            expected_final_state: '{exited: 3}',
          },
        ]),
      'stop_time: 200 s',
      { nodes: 2, bandwidth: '100 Mbit', latency: '10 ms', loss: 1 },
    ),
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.output('client', 'tcp_bulk.1000.stdout'), 'connect: ETIMEDOUT after 127000000000 ns\n');
});

test('SO_LINGER with a timeout: close() waits until the peer acknowledged everything; without it close() returns at once', () => {
  const dir = tempDir();
  fs.writeFileSync(
    path.join(dir, 'linger.py'),
    `import socket, struct, sys, time
port = int(sys.argv[2])
if sys.argv[1] == 'server':
    l = socket.socket(); l.bind(('0.0.0.0', port)); l.listen(1)
    c, _ = l.accept(); n = 0
    while True:
        b = c.recv(65536)
        if not b: break
        n += len(b)
    print('server got', n, flush=True)
else:
    s = socket.create_connection(('server', port))
    if sys.argv[3] != 'off':
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, int(sys.argv[3])))
    s.sendall(b'x' * 1000000)
    t0 = time.monotonic(); s.close(); t1 = time.monotonic()
    print('close took %.3f s' % (t1 - t0), flush=True)
`,
  );
  const linger = (args: string, start?: string) => ({
    path: 'python3',
    args: `${dir}/linger.py ${args}`,
    start_time: start,
  });
  const r = runUmbra(
    config(
      host('server', [linger('server 9000'), linger('server 9001', '10s')]) +
        host('client', [linger('client 9000 5', '1s'), linger('client 9001 off', '11s')]),
      'stop_time: 30s',
      { bandwidth: '10 Mbit', latency: '20 ms' },
    ),
    [],
    { dir },
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const took = r.outputs('client', 'python3.').map((o) => Number(/^close took ([0-9.]+) s\n$/.exec(o)?.[1] ?? NaN));
  // 1 MB at 10 Mbit takes 0.8 s; sendall returns once the rest fits in the send buffer.
  assert.ok(took[0] > 0.2 && took[0] < 1, `lingering close took ${took[0]} s`);
  assert.equal(took[1], 0, 'a plain close does not wait');
  assert.deepEqual(r.outputs('server', 'python3.'), ['server got 1000000\n', 'server got 1000000\n']);
});

test('a node http server and node fetch clients (three hosts and loopback): payload checksums match', () => {
  const dir = tempDir();
  fs.writeFileSync(
    path.join(dir, 'server.js'),
    `const http = require('http');
const crypto = require('crypto');
// A deterministic 2 MiB body per path, its digest in a header.
function body(n) {
  const b = Buffer.alloc(2 * 1024 * 1024);
  for (let i = 0; i < b.length; i++) b[i] = (i * 7 + n) & 255;
  return b;
}
http.createServer((req, res) => {
  const b = body(Number(req.url.slice(1)) || 0);
  res.writeHead(200, { 'x-sha256': crypto.createHash('sha256').update(b).digest('hex') });
  res.end(b);
}).listen(80, () => console.log('listening'));
`,
  );
  fs.writeFileSync(
    path.join(dir, 'client.js'),
    `const crypto = require('crypto');
(async () => {
  const r = await fetch('http://' + process.argv[2] + '/' + process.argv[3]);
  const b = Buffer.from(await r.arrayBuffer());
  const ok = crypto.createHash('sha256').update(b).digest('hex') === r.headers.get('x-sha256') && b.length === 2097152;
  console.log('status ' + r.status + ' bytes ' + b.length + ' sha256 ' + (ok ? 'match' : 'MISMATCH'));
  process.exit(ok ? 0 : 1);
})().catch((e) => { console.error(e); process.exit(2); });
`,
  );
  const node = process.execPath;
  let hosts = `  server:
    network_node_id: 0
    processes:
    - {path: ${node}, args: ${dir}/server.js, expected_final_state: running}
    - {path: ${node}, args: ${dir}/client.js 127.0.0.1 9, start_time: 3s}
`;
  for (let i = 1; i <= 3; i++) {
    hosts += `  client${i}:
    network_node_id: 0
    processes:
    - {path: ${node}, args: ${dir}/client.js server ${i}, start_time: 3s}
`;
  }
  const r = runUmbra(config(hosts, 'stop_time: 30s\nmodel_unblocked_syscall_latency: true'), [], { dir });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  for (const h of ['client1', 'client2', 'client3'])
    assert.equal(r.output(h, 'node.1000.stdout'), 'status 200 bytes 2097152 sha256 match\n');
  const local =
    r.files('server').find((f) => f.startsWith('node.') && f.endsWith('.stdout') && f !== 'node.1000.stdout') ?? '';
  assert.equal(r.output('server', local), 'status 200 bytes 2097152 sha256 match\n');
});
