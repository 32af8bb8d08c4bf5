// Names and interfaces as programs see them under umbra: getaddrinfo and
// getent through the simulated /etc/hosts, DNS for unknown names answered
// NXDOMAIN at once by the simulated Internet, getifaddrs over rtnetlink.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, host, program, runUmbra } from '../helpers/umbra';

test('getaddrinfo and getent resolve simulated host names; unknown names fail with EAI_NONAME at once', () => {
  const r = runUmbra(
    config(`  server:
    network_node_id: 0
    processes:
    - {path: ${program('udp_tool')}, args: resolve server client localhost nosuchhost SERVER server.}
    - {path: /usr/bin/getent, args: hosts server client, start_time: 1s}
    - {path: /usr/bin/getent, args: ahostsv4 client, start_time: 2s}
  client:
    network_node_id: 0
    processes:
    - {path: /usr/bin/getent, args: hosts nosuchhost, expected_final_state: {exited: 2}}
`),
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  // "nosuchhost" and "server." miss /etc/hosts; glibc then asks DNS, whose answer
  // comes back one round trip (2 x 1 ms) later.
  assert.equal(
    r.output('server', 'udp_tool.1000.stdout'),
    `server: 11.0.0.2 after 0 ms
client: 11.0.0.1 after 0 ms
localhost: 127.0.0.1 after 0 ms
nosuchhost: EAI_NONAME after 2 ms
SERVER: 11.0.0.2 after 0 ms
server.: 11.0.0.2 after 2 ms
server (any family): 6 entries, first family AF_INET
`,
    // Each name now has an AAAA line too (three socket types each); umbra's gai.conf keeps IPv4 first.
  );
  // getent hosts asks for AF_INET6 first (gethostbyname2), as on Linux: the AAAA lines answer.
  assert.equal(r.output('server', 'getent.1001.stdout'), 'fd75:6d62:7261::2 server\nfd75:6d62:7261::1 client\n');
  assert.equal(
    r.output('server', 'getent.1002.stdout'),
    '11.0.0.1        STREAM client\n11.0.0.1        DGRAM  \n11.0.0.1        RAW    \n',
  );
  assert.equal(r.output('client', 'getent.1000.stdout'), '');
});

test('getifaddrs, if_nameindex and SIOCGIF* show lo and eth0 with the host address', () => {
  const r = runUmbra(
    config(`  box:
    network_node_id: 0
    ip_addr: 10.20.30.40
    processes:
    - {path: ${program('ifaddrs')}}
`),
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(
    r.output('box', 'ifaddrs.1000.stdout'),
    `lo AF_PACKET flags UP LOOPBACK RUNNING index 1 hwaddr 00:00:00:00:00:00
eth0 AF_PACKET flags UP BROADCAST RUNNING index 2 hwaddr 02:00:0a:14:1e:28
lo AF_INET flags UP LOOPBACK RUNNING addr 127.0.0.1 mask 255.0.0.0 dst 127.0.0.1
eth0 AF_INET flags UP BROADCAST RUNNING addr 10.20.30.40 mask 255.255.255.0 brd 10.20.30.255
lo AF_INET6 flags UP LOOPBACK RUNNING addr ::1 mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff
eth0 AF_INET6 flags UP BROADCAST RUNNING addr fd75:6d62:7261::1 mask ffff:ffff:ffff:ffff::
eth0 AF_INET6 flags UP BROADCAST RUNNING addr fe80::aff:fe14:1e28 mask ffff:ffff:ffff:ffff::
if_nametoindex eth0=2 lo=1 nope=0
if_indextoname 2=eth0
if_nameindex 1 lo
if_nameindex 2 eth0
SIOCGIFADDR eth0 10.20.30.40
SIOCGIFNETMASK eth0 255.255.255.0
SIOCGIFMTU eth0 1500
hostname box
`,
  );
});

test("python's socket.gethostbyname and node's dns.lookup find simulated hosts", () => {
  const lookup = (name: string) =>
    `require('dns').lookup('${name}', { family: 4 }, (e, a) => console.log(e ? e.code : a))`;
  const r = runUmbra(
    config(
      host('alpha', [
        {
          path: 'python3',
          args: ['-c', "import socket; print(*map(socket.gethostbyname, ['beta', 'alpha', 'localhost']))"],
        },
        { path: 'node', args: ['-e', lookup('beta')], start_time: '1s' },
        { path: 'node', args: ['-e', lookup('gamma.invalid')], start_time: '2s' },
      ]) + host('beta', []),
      'stop_time: 10 s',
    ),
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.output('alpha', 'python3'), '11.0.0.2 11.0.0.1 127.0.0.1\n');
  assert.deepEqual(r.outputs('alpha', 'node.'), ['11.0.0.2\n', 'ENOTFOUND\n']);
});
