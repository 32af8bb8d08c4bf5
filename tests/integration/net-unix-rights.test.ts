// SCM_RIGHTS over a unix socketpair: a passed descriptor is close-on-exec
// exactly when the receive asked for MSG_CMSG_CLOEXEC, with recvmsg and with
// recvmmsg alike (the lines are what the program prints on Linux).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, program, runUmbra } from '../helpers/umbra';

test('unix sockets: MSG_CMSG_CLOEXEC makes a passed descriptor close-on-exec for recvmsg and recvmmsg', () => {
  const r = runUmbra(
    config(`  box:
    network_node_id: 0
    processes:
    - {path: ${program('scm_cloexec')}}
`),
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.doesNotMatch(r.stdout + r.stderr, /unsupported syscall/);
  assert.equal(
    r.output('box', 'scm_cloexec.1000.stdout'),
    `recvmsg plain: FD_CLOEXEC 0
recvmsg MSG_CMSG_CLOEXEC: FD_CLOEXEC 1
recvmmsg plain: FD_CLOEXEC 0
recvmmsg MSG_CMSG_CLOEXEC: FD_CLOEXEC 1
`,
  );
});
