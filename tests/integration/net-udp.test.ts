// UDP between simulated hosts, end to end with real C programs: exact
// latency, seeded loss, bandwidth, an epoll server with 20 clients on 20
// hosts, and socket semantics that match a native Linux run line by line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, program, programOutput, runScript, runUmbra, tempDir } from '../helpers/umbra';

/** Two GML nodes `latency` apart (self-loops 1 ms), each host allowed `bandwidth` each way. */
function twoNodes(latency: string, loss: number, bandwidth: string, hosts: string, general = 'stop_time: 30s'): string {
  return config(hosts, general, { nodes: 2, latency, loss, bandwidth });
}

test('UDP ping-pong across a 50 ms link: every round trip takes exactly 100 ms of simulated time', () => {
  const r = runUmbra(
    twoNodes(
      '50 ms',
      0,
      '100 Mbit',
      host('server', [{ path: program('udp_pingpong'), args: 'server 9000 3' }]) +
        host('client', [{ path: program('udp_pingpong'), args: 'client server 9000 3', start_time: '1s' }], 1),
    ),
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(
    r.output('client', 'udp_pingpong.1000.stdout'),
    `client: server is 11.0.0.2
client: 'ping 0' back from 11.0.0.2:9000 after 100000000 ns
client: 'ping 1' back from 11.0.0.2:9000 after 100000000 ns
client: 'ping 2' back from 11.0.0.2:9000 after 100000000 ns
`,
  );
  assert.equal(
    r.output('server', 'udp_pingpong.1000.stdout'),
    `server: 'ping 0' from 11.0.0.1 (addrlen 16)
server: 'ping 1' from 11.0.0.1 (addrlen 16)
server: 'ping 2' from 11.0.0.1 (addrlen 16)
`,
  );
});

/** A udp_tool sink on node 0 and a source on node 1 that sends `source` arguments from 1 s on. */
const sinkAndSource = (source: string): string =>
  host('server', [{ path: program('udp_tool'), args: 'sink 9000 2000' }]) +
  host('client', [{ path: program('udp_tool'), args: `source server 9000 ${source}`, start_time: '1s' }], 1);
const lossyHosts = sinkAndSource('20000 100 10000');

test('packet_loss 0.5: about half of 200 datagrams arrive; the same seed gives byte-identical output', () => {
  const run = (seed: number): string => {
    const r = runUmbra(twoNodes('50 ms', 0.5, '10 Mbit', lossyHosts, `stop_time: 30s\nseed: ${seed}`));
    assert.equal(r.status, 0, r.stderr + r.stdout);
    return r.output('server', 'udp_tool.1000.stdout');
  };
  const a = run(7);
  const b = run(7);
  assert.equal(a, b, 'same seed, same bytes');
  const m = /^received (\d+) datagrams, (\d+) bytes\n/.exec(a);
  assert.ok(m, a);
  const got = Number(m[1]);
  assert.ok(got >= 70 && got <= 130, `${got} of 200 arrived`);
  assert.equal(Number(m[2]), got * 100);
  // Each arrival is one 50 ms path after a send at 1 s + 10 ms * seq.
  const map = /map ([x.]+)/.exec(a)?.[1] ?? '';
  const first = map.indexOf('x');
  assert.match(a, new RegExp(`first at ${1_050_000_000 + first * 10_000_000} ns`));
  assert.notEqual(run(8), a, 'another seed loses other datagrams');
});

test('1 MiB of UDP over 10 Mbit arrives at the rate the bandwidth allows (within one packet time)', () => {
  const r = runUmbra(twoNodes('10 ms', 0, '10 Mbit', sinkAndSource('1048576 1472 0')));
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const out = r.output('server', 'udp_tool.1000.stdout');
  const m = /^received 713 datagrams, 1048576 bytes\nfirst at (\d+) ns, last at (\d+) ns\n/.exec(out);
  assert.ok(m, out);
  const first = Number(m[1]),
    last = Number(m[2]);
  assert.equal(first, 1_010_000_000, 'the first datagram pays only the 10 ms latency');
  // Wire bytes: 712 full frames (1472 + 8 UDP + 20 IP = 1500) and one of 512 + 28.
  const rate = 10_000_000 / 8;
  const afterFirst = 711 * 1500 + 540;
  const ideal = (afterFirst / rate) * 1e9;
  const oneFrame = (1500 / rate) * 1e9;
  assert.ok(Math.abs(last - first - ideal) <= oneFrame, `took ${last - first} ns, bandwidth says ${ideal}`);
  // The sender was held back by its send buffer (131072 bytes), not dropped.
  assert.match(
    r.output('client', 'udp_tool.1000.stdout'),
    /^start at 1000000000 ns\nsent 713 datagrams, 1048576 bytes, done at \d+ ns\n$/,
  );
});

test('an epoll server on two UDP ports answers 20 clients on 20 hosts; each round trip is 2 ms', () => {
  let hosts = host('server', [{ path: program('udp_epoll_server'), args: '9000 9001 100' }]);
  for (let i = 0; i < 20; i++) {
    const args = `client server ${9000 + (i % 2)} 5`;
    hosts += host(`client${String(i).padStart(2, '0')}`, [
      { path: program('udp_pingpong'), args, start_time: `${1000 + i} ms` },
    ]);
  }
  const r = runUmbra(config(hosts, 'stop_time: 30s'));
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const server = r.output('server', 'udp_epoll_server.1000.stdout');
  let expected = '';
  for (let i = 1; i <= 20; i++) expected += `11.0.0.${i}: 5 requests\n`;
  assert.equal(server.slice(0, expected.length), expected);
  assert.match(server.slice(expected.length), /^handled 100 requests from 20 clients, \d+ epoll_wait wakeups\n$/);
  for (let i = 0; i < 20; i++) {
    const out = r.output(`client${String(i).padStart(2, '0')}`, 'udp_pingpong.1000.stdout');
    const lines = out.trim().split('\n');
    assert.equal(lines.length, 6, out);
    for (let p = 0; p < 5; p++) {
      assert.equal(lines[p + 1], `client: 'ping ${p}' back from 11.0.0.21:${9000 + (i % 2)} after 2000000 ns`);
    }
  }
});

test('UDP socket semantics on loopback match Linux line by line (bind rules, options, peek, timeouts, ECONNREFUSED, mmsg)', () => {
  // Captured from a native run of the same program on Linux 6.x.
  assert.equal(
    programOutput('udp_semantics'),
    `unbound name: 0.0.0.0:0 len 16
bind 127.0.0.1:0: 0
ephemeral port nonzero: 1
bind again: -1 EINVAL
bind same port: -1 EADDRINUSE
bind same port on 0.0.0.0: -1 EADDRINUSE
bind foreign address: -1 EADDRNOTAVAIL
bind short addrlen: -1 EINVAL
SO_REUSEADDR on both: 0
SO_REUSEPORT on one only: -1 EADDRINUSE
SO_TYPE 2 SO_DOMAIN 2 SO_PROTOCOL 17 SO_ERROR 0 SO_ACCEPTCONN 0
SO_SNDBUF 10000 -> 20000, SO_RCVBUF 5000 -> 10000
SO_SNDBUF 1 -> 4608, SO_RCVBUF 1 -> 2304
SO_RCVBUF 1 GiB clamped: 1
SO_REUSEADDR 0 SO_KEEPALIVE 1 SO_BROADCAST 1
IP_TOS set: 0
IP_TOS 16 IP_TTL 64
IP_RECVERR set: 0
unknown SOL_SOCKET option: -1 ENOPROTOOPT
get unknown SOL_SOCKET option: -1 ENOPROTOOPT
set SO_TYPE: -1 ENOPROTOOPT
SO_REUSEADDR short optlen: -1 EINVAL
SO_RCVTIMEO set: 0
SO_RCVTIMEO about 250 ms: 1 len 16
SO_RCVTIMEO bad usec: -1 EDOM
recv with 250 ms timeout: -1 EAGAIN
waited at least 250 ms: 1
recv MSG_DONTWAIT: -1 EAGAIN
sendto: 11
sender autobound: 1
FIONREAD 11
recv MSG_PEEK: 5
recv MSG_TRUNC into 5 bytes: 11
recvmsg: 7 'hel' 'lo w' flags MSG_TRUNC namelen 16 from-loopback 1 controllen 0
FIONREAD empty 0
sendmsg 3 iovecs: 8
recvfrom: 8
one datagram: 'abcdefgh'
zero-length datagram: 0
recv zero-length: 0
sendmmsg: 3
msg_len 3 5 8
recvmmsg MSG_WAITFORONE: 3
msg_len 3 5 8
sendto 65507: 65507
sendto 65508: -1 EMSGSIZE
recv 65507: 65507
send without address: -1 EDESTADDRREQ
write unconnected: -1 EDESTADDRREQ
getpeername unconnected: -1 ENOTCONN
connect: 0
peer is a: 1
local address after connect: 127.0.0.1
write connected: 9
read: 9
stranger sends to connected socket: 2
connected socket ignores it: -1 EAGAIN
connect AF_UNSPEC: 0
getpeername after disconnect: -1 ENOTCONN
shutdown unconnected: -1 ENOTCONN
connect to closed port: 0
send to closed port: 7
recv after unreachable: -1 ECONNREFUSED
recv again: -1 EAGAIN
send to closed port: 7
SO_ERROR ECONNREFUSED
SO_ERROR cleared 0
SOCK_NONBLOCK 1 SOCK_CLOEXEC 1
nonblocking recv: -1 EAGAIN
S_ISSOCK 1
socket bad type: -1 EINVAL
socket bad flags: -1 EINVAL
socket UDP protocol 17: 0
socket DGRAM protocol TCP: -1 EPROTONOSUPPORT
sendto on a pipe: -1 ENOTSOCK
recv on bad fd: -1 EBADF
getsockname NULL: -1 EFAULT
listen on UDP: -1 EOPNOTSUPP
accept on UDP: -1 EOPNOTSUPP
socketpair AF_INET: -1 EOPNOTSUPP
`,
  );
});

test('datagrams to an address no host owns vanish (warned once); a name nobody has fails with EAI_NONAME', () => {
  const r = runUmbra(
    config(`  box:
    network_node_id: 0
    processes:
    - {path: ${program('udp_tool')}, args: sendname 10.1.2.3 9000}
    - {path: ${program('udp_tool')}, args: sendname 10.1.2.3 9001, start_time: 1s}
    - {path: ${program('udp_tool')}, args: sendname no-such-host 9000, start_time: 2s, expected_final_state: {exited: 3}}
`),
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.output('box', 'udp_tool.1000.stdout'), 'sent 1 bytes to 10.1.2.3\n');
  assert.equal(r.output('box', 'udp_tool.1001.stdout'), 'sent 1 bytes to 10.1.2.3\n');
  assert.equal(
    r.output('box', 'udp_tool.1002.stdout'),
    'getaddrinfo no-such-host: EAI_NONAME (Name or service not known)\n',
  );
  assert.equal(r.stdout.match(/dropping packets to 10\.1\.2\.3/g)?.length, 1, r.stdout);
});

test('Python and Node speak UDP between hosts (socket module with a timeout; dgram on the event loop)', (t) => {
  if (!fs.existsSync('/usr/bin/python3')) {
    t.skip('no /usr/bin/python3');
    return;
  }
  const dir = tempDir();
  fs.writeFileSync(
    path.join(dir, 'srv.py'),
    `import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 9000))
for i in range(3):
    data, addr = s.recvfrom(100)
    print("server got", data, addr[0], flush=True)
    s.sendto(data.upper(), addr)
`,
  );
  fs.writeFileSync(
    path.join(dir, 'cli.py'),
    `import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
for i in range(3):
    t = time.monotonic()
    s.sendto(b"hello %d" % i, ("server", 9000))
    data, addr = s.recvfrom(100)
    print("client got", data, addr, round((time.monotonic() - t) * 1000, 3), "ms", flush=True)
s.settimeout(0.5)
t = time.monotonic()
try:
    s.recvfrom(100)
except socket.timeout:
    print("timed out after", round((time.monotonic() - t) * 1000, 3), "ms")
`,
  );
  fs.writeFileSync(
    path.join(dir, 'dg.js'),
    `const dgram = require('dgram');
const s = dgram.createSocket('udp4');
s.on('message', (m, r) => { console.log('node got', m.toString(), 'from', r.address); s.close(); });
s.bind(9100, () => { const c = dgram.createSocket('udp4'); c.send('hi from node', 9100, 'server', () => c.close()); });
`,
  );
  const r = runUmbra(
    config(`  server:
    network_node_id: 0
    processes:
    - {path: /usr/bin/python3, args: ${path.join(dir, 'srv.py')}}
    - {path: ${process.execPath}, args: ${path.join(dir, 'dg.js')}, start_time: 2s}
  client:
    network_node_id: 0
    processes:
    - {path: /usr/bin/python3, args: ${path.join(dir, 'cli.py')}, start_time: 1s}
`),
    [],
    { dir },
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(
    r.output('client', 'python3'),
    `client got b'HELLO 0' ('11.0.0.2', 9000) 2.0 ms
client got b'HELLO 1' ('11.0.0.2', 9000) 2.0 ms
client got b'HELLO 2' ('11.0.0.2', 9000) 2.0 ms
timed out after 500.0 ms
`,
  );
  assert.equal(
    r.output('server', 'python3'),
    "server got b'hello 0' 11.0.0.1\nserver got b'hello 1' 11.0.0.1\nserver got b'hello 2' 11.0.0.1\n",
  );
  assert.equal(r.output('server', 'node'), 'node got hi from node from 11.0.0.2\n');
});

test('SO_RCVTIMEO bounds a plain read() on UDP and unix sockets', () => {
  const r = runScript(
    'python3',
    'rcvtimeo.py',
    `import os, socket, struct, time
pair = socket.socketpair()
for s in (socket.socket(socket.AF_INET, socket.SOCK_DGRAM), pair[0]):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack('ll', 0, 250000))
    t = time.monotonic()
    try: os.read(s.fileno(), 10)
    except BlockingIOError as e: print(s.family.name, e.errno, round(time.monotonic() - t, 6))
`,
    'stop_time: 10 s',
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.output('box', 'python3'), 'AF_INET 11 0.25\nAF_UNIX 11 0.25\n');
});
