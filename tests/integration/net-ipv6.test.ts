// IPv6 and dual stack with real programs: nginx on 0.0.0.0 and [::], Python's
// dual-stack http.server taking an IPv4 client as ::ffff:a.b.c.d, a UDP
// ping-pong over IPv6 with exact round trips read back by tcpdump, iperf3 -6 at
// the configured rate, Node's fetch reaching an IPv6-only listener, and an
// IPv6-only host next to an IPv4-only one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, runUmbra, tempDir, which } from '../helpers/umbra';
import { writeNginxConf } from '../helpers/apps';

const GRAPH_25MS = { bandwidth: '100 Mbit', latency: '25 ms' };

/** Writes `files` into a new temp dir; processes reach them as ../../../NAME from their host folder. */
function withFiles(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

test('nginx on 0.0.0.0:80 and [::]:80 serves curl -4 and curl -6; python http.server --bind :: takes IPv4', () => {
  const dir = withFiles({ 'index.html': 'hello from nginx\n' });
  writeNginxConf(dir, `listen 80; listen [::]:80; root ${dir};`, { workerConnections: 64 });
  const fmt = "-s -w ' %{remote_ip}\\n'";
  const r = runUmbra(
    config(
      host('server', [
        { path: which('nginx'), args: `-c ${dir}/nginx.conf -p .`, expected_final_state: 'running' },
        { path: 'python3', args: '-m http.server --bind :: 8080', expected_final_state: 'running' },
      ]) +
        host('client', [
          { path: 'curl', args: `${fmt} -4 http://server/`, start_time: '2s' },
          { path: 'curl', args: `${fmt} -6 http://server/`, start_time: '3s' },
          { path: 'curl', args: `-s -o /dev/null ${fmt} -4 http://server:8080/`, start_time: '4s' },
          { path: 'curl', args: `-s -o /dev/null ${fmt} -6 http://server:8080/`, start_time: '5s' },
        ]),
      'stop_time: 8s',
    ),
    [],
    { dir },
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.deepEqual(r.outputs('client', 'curl.'), [
    'hello from nginx\n 11.0.0.2\n',
    'hello from nginx\n fd75:6d62:7261::2\n',
    ' 11.0.0.2\n',
    ' fd75:6d62:7261::2\n',
  ]);
  // The dual-stack socket saw the IPv4 client as a v4-mapped address.
  const log = fs.readFileSync(path.join(r.dataDir, 'hosts', 'server', 'python3.1001.stderr'), 'utf8');
  assert.match(log, /^::ffff:11\.0\.0\.1 - - .*"GET \/ HTTP\/1\.1" 200/m);
  assert.match(log, /^fd75:6d62:7261::1 - - .*"GET \/ HTTP\/1\.1" 200/m);
});

const UDP_PING = `import socket, sys, time
if sys.argv[1] == 'server':
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    print('v6only', s.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY), flush=True)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    s.bind(('::', 9000))
    first = True
    while True:
        data, anc, flags, addr = s.recvmsg(100, socket.CMSG_SPACE(20))
        for level, kind, d in anc if first else []:
            info = socket.inet_ntop(socket.AF_INET6, d[:16]), int.from_bytes(d[16:20], 'little')
            print('pktinfo', level, kind, *info, flush=True)
        first = False
        s.sendto(data.upper(), addr)
else:
    dest = socket.getaddrinfo('server', 9000, socket.AF_INET6, socket.SOCK_DGRAM)[0][4]
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    for i in range(3):
        t0 = time.monotonic_ns()
        s.sendto(b'ping %d' % i, dest)
        data, addr = s.recvfrom(100)
        print(data.decode(), 'from', addr[0], 'rtt_us', (time.monotonic_ns() - t0) // 1000, flush=True)
        time.sleep(0.5)
    # An IPv4 peer cannot reach the IPV6_V6ONLY socket: its datagram is refused.
    v4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    v4.connect(('11.0.0.2', 9000))
    v4.send(b'x')
    try:
        v4.recv(10)
    except OSError as e:
        print('ipv4 to v6only socket:', e.strerror, flush=True)
`;

test('UDP ping-pong over IPv6: exact 50 ms round trips, IPV6_PKTINFO, and tcpdump -r reads the capture', () => {
  const dir = withFiles({ 'udp.py': UDP_PING });
  const r = runUmbra(
    config(
      host(
        'server',
        [{ path: 'python3', args: '../../../udp.py server', expected_final_state: 'running' }],
        0,
        'host_options: {pcap_enabled: true}',
      ) + host('client', [{ path: 'python3', args: '../../../udp.py client', start_time: '1s' }]),
      'stop_time: 5s',
      GRAPH_25MS,
    ),
    [],
    { dir },
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  // IPV6_PKTINFO (IPPROTO_IPV6 41, type 50): the address the datagram was sent to, and eth0.
  assert.equal(r.output('server', 'python3'), 'v6only 1\npktinfo 41 50 fd75:6d62:7261::2 2\n');
  assert.equal(
    r.output('client', 'python3'),
    [0, 1, 2].map((i) => `PING ${i} from fd75:6d62:7261::2 rtt_us 50000\n`).join('') +
      'ipv4 to v6only socket: Connection refused\n',
  );
  const pcap = path.join(r.dataDir, 'hosts', 'server', 'eth0.pcap');
  const td = spawnSync(which('tcpdump'), ['-nn', '-vv', '-r', pcap, 'ip6'], { encoding: 'utf8' });
  assert.equal(td.status, 0, td.stderr);
  const lines = td.stdout.trim().split('\n');
  assert.equal(lines.length, 6, td.stdout);
  assert.match(
    lines[0],
    /^00:00:01\.025000 IP6 \(hlim 64, next-header UDP \(17\) payload length: 14\) fd75:6d62:7261::1\.\d+ > fd75:6d62:7261::2\.9000: \[udp sum ok\] UDP, length 6$/,
  );
  assert.match(
    lines[1],
    /^00:00:01\.025000 IP6 .* fd75:6d62:7261::2\.9000 > fd75:6d62:7261::1\.\d+: \[udp sum ok\] UDP, length 6$/,
  );
  // IPv4 and IPv6 packets share the capture (raw IP: the version nibble tells them apart).
  const v4 = spawnSync(which('tcpdump'), ['-nn', '-r', pcap, 'ip'], { encoding: 'utf8' });
  assert.match(v4.stdout, /IP 11\.0\.0\.1\.\d+ > 11\.0\.0\.2\.9000: UDP, length 1/);
});

test('iperf3 -6 between two hosts runs at the configured 100 Mbit/s, its bigger headers counted', () => {
  const iperf3 = which('iperf3');
  const r = runUmbra(
    config(
      host('server', [{ path: iperf3, args: '-s', expected_final_state: 'running' }]) +
        host('client', [
          { path: iperf3, args: '-6 -c server -t 2', start_time: '1s' },
          { path: iperf3, args: '-4 -c server -t 2', start_time: '5s' },
        ]),
      'stop_time: 9s',
      { bandwidth: '100 Mbit', latency: '5 ms' },
    ),
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const [v6, v4] = r.outputs('client', 'iperf3.');
  assert.match(v6, /connected to fd75:6d62:7261::2 port 5201/);
  assert.match(v4, /connected to 11\.0\.0\.2 port 5201/);
  const received = (out: string): number => {
    const m = /0\.00-2\.\d\d\s+sec\s+[0-9.]+ MBytes\s+([0-9.]+) Mbits\/sec\s+receiver/.exec(out);
    assert.ok(m, out);
    return Number(m[1]);
  };
  // A full segment carries 1428 payload bytes in a 1500-byte frame over IPv6 (40 IP + 20 TCP + 12
  // timestamp bytes), 1448 over IPv4: at most 95.2 and 96.5 Mbit/s, and IPv6 slower by that ratio.
  const mbps6 = received(v6);
  const mbps4 = received(v4);
  assert.ok(mbps6 >= 88 && mbps6 <= 95.2, `IPv6 ${mbps6} Mbit/s`);
  assert.ok(Math.abs(mbps6 / mbps4 - 1428 / 1448) < 0.004, `IPv6 ${mbps6} vs IPv4 ${mbps4} Mbit/s`);
});

const NODE_FETCH = `if (process.argv[2] === 'server') {
  require('http')
    .createServer((q, r) => r.end(q.socket.remoteFamily + ' ' + q.socket.remoteAddress + '\\n'))
    .listen({ port: 8080, host: '::', ipv6Only: true });
} else {
  fetch('http://server:8080/')
    .then((r) => r.text())
    .then((t) => console.log('fetched: ' + t.trim()), (e) => console.log('error', e.cause ? e.cause.code : e));
}
`;

test("node's fetch('http://server:8080/') reaches a server that listens only on IPv6", () => {
  const dir = withFiles({ 'fetch.js': NODE_FETCH });
  const node = which('node');
  const r = runUmbra(
    config(
      host('server', [{ path: node, args: '../../../fetch.js server', expected_final_state: 'running' }]) +
        host('client', [{ path: node, args: '../../../fetch.js client', start_time: '1s' }]),
      'stop_time: 5s',
    ),
    [],
    { dir },
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.output('client', 'node'), 'fetched: IPv6 fd75:6d62:7261::1\n');
});

const CONNECT_BY_NAME = `import socket, errno
for name in ['server', 'legacy']:
    try:
        c = socket.create_connection((name, 8080), timeout=5)
        print(name, 'connected from', c.getsockname()[0], 'to', c.getpeername()[0])
        c.close()
    except OSError as e:
        print(name, 'error', errno.errorcode.get(e.errno, e.errno))
`;

test('an IPv6-only host reaches a dual-stack server by name and gets ENETUNREACH toward an IPv4-only one', () => {
  const dir = withFiles({ 'connect.py': CONNECT_BY_NAME });
  const serve = { path: 'python3', args: '-m http.server --bind :: 8080', expected_final_state: 'running' };
  const r = runUmbra(
    config(
      host('server', [serve]) +
        host('legacy', [{ ...serve, args: '-m http.server --bind 0.0.0.0 8080' }], 0, 'ip_family: ipv4') +
        host(
          'modern',
          [
            { path: 'python3', args: '../../../connect.py', start_time: '1s' },
            { path: 'cat', args: '/etc/hosts', start_time: '2s' },
          ],
          0,
          'ip_family: ipv6\nip6_addr: "2001:db8::6"',
        ) +
        host('old', [{ path: 'python3', args: '../../../connect.py', start_time: '1s' }], 0, 'ip_family: ipv4'),
      'stop_time: 5s',
    ),
    [],
    { dir },
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(
    r.output('modern', 'python3'),
    'server connected from 2001:db8::6 to fd75:6d62:7261::1\nlegacy error ENETUNREACH\n',
  );
  // The IPv4-only host reaches the dual-stack server over IPv4.
  assert.equal(
    r.output('old', 'python3'),
    'server connected from 11.0.0.2 to 11.0.0.3\nlegacy connected from 11.0.0.2 to 11.0.0.1\n',
  );
  // No IPv4 line for the IPv6-only host, no IPv6 line for the IPv4-only ones; the one automatic
  // IPv6 address is the prefix's first.
  assert.equal(
    r.output('modern', 'cat'),
    `127.0.0.1 localhost
::1 localhost ip6-localhost ip6-loopback
ff02::1 ip6-allnodes
ff02::2 ip6-allrouters
11.0.0.1 legacy
11.0.0.2 old
11.0.0.3 server
2001:db8::6 modern
fd75:6d62:7261::1 server
`,
  );
});

const LINK_LOCAL = `import socket, sys, errno
if sys.argv[1] == 'server':
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(('::', 9000))
    data, addr = s.recvfrom(100)
    print('got', data.decode(), 'from', addr, flush=True)
    s.sendto(data.upper(), addr)
else:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    try:
        s.sendto(b'x', ('fe80::bff:fe00:2', 9000, 0, 0))
    except OSError as e:
        print('no scope id:', errno.errorcode[e.errno])
    s.sendto(b'hello', ('fe80::bff:fe00:2', 9000, 0, 2))
    data, addr = s.recvfrom(100)
    print('reply', data.decode(), 'from', addr)
    t = socket.create_connection(('fe80::bff:fe00:2%eth0', 8080))
    print('tcp', t.getsockname()[0::3], t.getpeername())
`;

test('link-local addresses (EUI-64 from the MAC) carry eth0 as scope id; without one a send is EINVAL', () => {
  const dir = withFiles({ 'll.py': LINK_LOCAL });
  const r = runUmbra(
    config(
      host('client', [{ path: 'python3', args: '../../../ll.py client', start_time: '1s' }]) +
        host('server', [
          { path: 'python3', args: '../../../ll.py server' },
          { path: 'python3', args: '-m http.server --bind :: 8080', expected_final_state: 'running' },
        ]),
      'stop_time: 4s',
    ),
    [],
    { dir },
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(
    r.output('client', 'python3'),
    "no scope id: EINVAL\nreply HELLO from ('fe80::bff:fe00:2', 9000, 0, 2)\n" +
      "tcp ('fe80::bff:fe00:1', 2) ('fe80::bff:fe00:2', 8080, 0, 2)\n",
  );
  assert.match(r.output('server', 'python3.1000'), /^got hello from \('fe80::bff:fe00:1', \d+, 0, 2\)\n$/);
});

test('ip addr and ip -6 route (rtnetlink) show ::1 on lo, the global and link-local addresses and routes', () => {
  const ip = which('ip');
  const r = runUmbra(
    config(
      host('box', [
        { path: ip, args: 'addr' },
        { path: ip, args: '-6 route', start_time: '1s' },
        { path: ip, args: 'route', start_time: '1s' },
      ]) +
        host(
          'v6box',
          [
            { path: ip, args: '-6 route' },
            { path: ip, args: '-4 route', start_time: '1s' },
          ],
          0,
          'ip_family: ipv6\nip6_addr: "2001:db8:1:2::9"',
        ),
      'stop_time: 2s',
    ),
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(
    r.output('box', 'ip.1000.stdout'),
    `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 state UNKNOWN qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
    inet6 ::1/128 scope host \n2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP qlen 1000
    link/ether 02:00:0b:00:00:01 brd ff:ff:ff:ff:ff:ff
    inet 11.0.0.1/24 brd 11.0.0.255 scope global eth0
    inet6 fd75:6d62:7261::1/64 scope global \n    inet6 fe80::bff:fe00:1/64 scope link \n`,
  );
  assert.equal(
    r.output('box', 'ip.1001.stdout'),
    `::1 dev lo proto kernel metric 256 pref medium
fd75:6d62:7261::/64 dev eth0 proto kernel metric 256 pref medium
fe80::/64 dev eth0 proto kernel metric 256 pref medium
default dev eth0 metric 1024 pref medium
`,
  );
  assert.equal(
    r.output('box', 'ip.1002.stdout'),
    'default dev eth0 scope link \n11.0.0.0/24 dev eth0 proto kernel scope link src 11.0.0.1 \n',
  );
  assert.match(r.output('v6box', 'ip.1000.stdout'), /^2001:db8:1:2::\/64 dev eth0 proto kernel metric 256/m);
  assert.equal(r.output('v6box', 'ip.1001.stdout'), '');
});

test('IPv6 config keys: bad values are one-line errors naming the key', () => {
  const cases: [string, RegExp][] = [
    ['ip6_addr: "fd00::zz"', /hosts\.a\.ip6_addr: expected an IPv6 address like "fd00::1", got 'fd00::zz'/],
    ['ip6_addr: "::1"', /hosts\.a\.ip6_addr: ::1 is the loopback address ::1 and cannot be a host address/],
    ['ip_family: both', /hosts\.a\.ip_family: .*dual.*ipv4.*ipv6/],
    ['ip_family: ipv4\nip6_addr: "fd00::1"', /hosts\.a\.ip6_addr: the host is IPv4-only/],
    ['ip_family: ipv6\nip_addr: 11.0.0.9', /hosts\.a\.ip_addr: the host is IPv6-only/],
  ];
  for (const [extra, want] of cases) {
    const r = runUmbra(config(host('a', [{ path: 'true' }], 0, extra), 'stop_time: 1s'));
    assert.equal(r.status, 2, extra);
    assert.match(r.stderr, want, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  const dup = runUmbra(
    config(
      host('a', [{ path: 'true' }], 0, 'ip6_addr: "fd00::1"') +
        host('b', [{ path: 'true' }], 0, 'ip6_addr: "fd00:0::1"'),
      'stop_time: 1s',
    ),
  );
  assert.equal(dup.status, 2);
  assert.match(dup.stderr, /hosts\.b\.ip6_addr: fd00:0::1 is already the address of host 'a'/);
});
