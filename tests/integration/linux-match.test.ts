// Small C programs that print what Linux defines (results, errnos, who waits)
// give the same output natively and under umbra.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { config, host, program, runUmbra, tempDir } from '../helpers/umbra';

/** Runs tests/programs/<name> natively and alone under umbra; both outputs, checked to have ended well. */
function bothWays(name: string, args: string[] = []): { native: string; umbra: string } {
  const native = execFileSync(program(name), args, { encoding: 'utf8', timeout: 60_000, cwd: tempDir() });
  const r = runUmbra(config(host('box', [{ path: program(name), args }]), 'stop_time: 1 min'));
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.doesNotMatch(r.stdout + r.stderr, /unsupported syscall/);
  return { native, umbra: r.output('box', `${name}.1000.stdout`) };
}

test('read/readv of zero bytes return 0 at once on sockets; recv of zero bytes waits for data', () => {
  const { native, umbra } = bothWays('zero_reads');
  assert.equal(umbra, native);
  // What the comparison covers, as Linux answered it.
  assert.match(native, /^tcp read\(fd, buf, 0\), nothing queued = 0$/m);
  assert.match(native, /^it waited for the byte: 1$/m);
  assert.match(native, /^udp recv\(fd, buf, 16, MSG_DONTWAIT\) finds no datagram = -1 EAGAIN$/m);
});

test('SCM_RIGHTS with a descriptor that is not open, and bad signal-mask arguments: Linux errnos in its order', () => {
  const { native, umbra } = bothWays('bad_args');
  assert.equal(umbra, native);
  assert.match(native, /^unix sendmsg SCM_RIGHTS \{pipe, closed fd 900\} = -1 EBADF$/m);
  assert.match(native, /^epoll_pwait\(mask unreadable\) = -1 EFAULT$/m);
  assert.match(native, /^pselect6\(mask unreadable\) = -1 EFAULT$/m);
});

test('the *at family: path calls natively, the forms acting on an emulated dirfd itself emulated, as Linux', () => {
  const { native, umbra } = bothWays('at_calls');
  assert.equal(umbra, native);
  assert.match(native, /^futimesat\(d, f, times\) = 0\nmtime 1000000001$/m);
  assert.match(native, /^futimesat\(pipe, NULL, NULL\) = 0$/m);
  assert.match(native, /^fchownat\(pipe, "", -1, -1, AT_EMPTY_PATH\) = 0$/m);
  assert.match(native, /^openat2\(\/dev\/urandom\) then read 16 = 16$/m);
});

test('the temporary mask of ppoll, pselect and epoll_pwait lets a blocked signal interrupt the wait, then is undone', () => {
  const { native, umbra } = bothWays('wait_sigmask');
  assert.equal(umbra, native);
  assert.match(native, /^ppoll: ret -1 Interrupted system call, handled 1, SIGALRM blocked after 1$/m);
  assert.match(native, /^epoll_pwait: ret -1 Interrupted system call, handled 1, SIGALRM blocked after 1$/m);
  assert.match(native, /^ppoll, fd ready: ret 1 -, handled 0, SIGALRM blocked after 1\npending after: 1$/m);
});

test('fchmod and fchown on a pipe, a socket and an eventfd: allowed, shown by fstat, refused on anonymous inodes', () => {
  const { native, umbra } = bothWays('fd_attrs');
  assert.equal(umbra, native);
  assert.match(native, /^pipe: fchmod 0640 = 0 -, mode 600 -> 640/m);
  assert.match(native, /^eventfd: fchmod 0640 = -1 Operation not supported/m);
});

test('buffers carried in the channel: short counts at a hole, EFAULT where Linux gives it, value-result fields back', () => {
  const { native, umbra } = bothWays('staged_buffers');
  assert.equal(umbra, native);
  assert.match(native, /^read\(pipe, 10 writable bytes then read-only, 100\) = -1 EFAULT\nfirst bytes 'abcdefghij'$/m);
  assert.match(native, /^read\(pipe, read-only page, 50\) = -1 EFAULT$/m);
  assert.match(native, /^poll\(fds on a read-only page\) = -1 EFAULT$/m);
  assert.match(native, /^recvfrom\(addrlen on a read-only page\) = -1 EFAULT$/m);
  assert.match(native, /^recvmsg got 'spl' 'it-msg' namelen 16 flags 0$/m);
});

test('execve keeps the process: its pid, its parent, an inherited fd and its POSIX record locks', () => {
  const expected =
    'lock seen before exec: yes\nsame pid: yes\nsame parent: yes\nfd kept: yes\nlock held across exec: yes\n';
  const { native, umbra } = bothWays('exec_keep');
  assert.equal(umbra, native);
  assert.equal(native, expected);
  // Called by a second thread: the kernel ends the main one and the caller carries on as the process.
  const fromThread = bothWays('exec_keep', ['from-thread']);
  assert.equal(fromThread.umbra, fromThread.native);
  assert.equal(fromThread.native, expected);
});
