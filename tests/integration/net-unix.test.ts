// Unix-domain sockets under umbra, checked against what the same program
// prints on Linux: socketpairs between threads (a 300 KiB blocking write,
// MSG_WAITALL), datagram and seqpacket records, named stream and datagram
// sockets with abstract and path names, credentials, EOF, EPIPE, ECONNRESET.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, host, program, programOutput, runUmbra } from '../helpers/umbra';

test('unix sockets: the whole unix_sockets program prints exactly what it prints on Linux', () => {
  // Captured from a native run (the autobound name is random there: only its shape is printed).
  assert.equal(
    programOutput('unix_sockets'),
    `socketpair stream: 0
reader: MSG_WAITALL 200000 got 200000
writer: one write of 307200 bytes returned 307200
reader: total 307200, then read returned 0 (EOF)
reader: bytes intact 1
writer: reply 6 'thanks'
reader: write reply: 6
dgram FIONREAD 5
dgram recv into 3 bytes: 3
dgram next with MSG_TRUNC: 14
dgram empty: -1 EAGAIN
dgram queue full after 278 datagrams: EAGAIN
seqpacket recv 64: 5
seqpacket recv 2 (trunc): 2
seqpacket at EOF: 0
seqpacket poll: in 1 out 1 rdhup 1 hup 0
seqpacket send after SHUT_WR: -1 EPIPE
listen unbound: -1 EINVAL
bind relative path: 0
server name: path 'umbra-test.sock' (len 18)
bind same path: -1 EADDRINUSE
listen: 0
accept empty: -1 EAGAIN
connect by absolute path: 0
connect again: -1 EISCONN
client writes before accept: 5
accept: ok, peer addrlen 2
client local: unnamed (len 2)
client peer: path 'umbra-test.sock' (len 18)
accepted local: path 'umbra-test.sock' (len 18)
accepted peer: unnamed (len 2)
SO_PEERCRED pid is mine 1, len 12
SO_ACCEPTCONN 1
accepted reads: 5
data 'early'
peek empty nonblocking: -1 EAGAIN
sendto with address on stream: -1 EISCONN
read after peer closed with unread data: 6
read again: -1 ECONNRESET
read again (EOF): 0
write to closed peer: -1 EPIPE
connect to missing path: -1 ENOENT
connect to missing abstract name: -1 ECONNREFUSED
bind abstract: 0
receiver name: abstract 'umbra-dgram' (len 14)
send unconnected: -1 ENOTCONN
sendto abstract: 12
recvfrom: 12
sender address length 0
autobind: 0
autobound name: abstract 1, five hex digits 1 (len 8)
sender address length 8 abstract 1
connect: 0
send connected: 2
recv: 2
stream connect to dgram name: -1 ECONNREFUSED
connect receiver to s: -1 EINVAL
send to closed peer: -1 ECONNREFUSED
send after that: -1 ENOTCONN
`,
  );
});

test('unix path names live per host and are resolved against the cwd: two hosts may bind the same path', () => {
  const r = runUmbra(
    config(host('a', [{ path: program('unix_sockets') }]) + host('b', [{ path: program('unix_sockets') }])),
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.output('a', 'unix_sockets.1000.stdout'), r.output('b', 'unix_sockets.1000.stdout'));
  assert.match(r.output('a', 'unix_sockets.1000.stdout'), /bind relative path: 0\n/);
});
