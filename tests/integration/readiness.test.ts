// Pipes, eventfd, timerfd, epoll, poll and select under umbra: C programs
// that print what they observe (checked line by line; their output matches a
// native run on Linux except that every duration here is exact), plus
// Python's selectors and Node's event loop, which sit on the same syscalls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { config, host, program, programOutput, runScript, runUmbra } from '../helpers/umbra';

/** Runs one test program alone on a host and returns its stdout. */
const runProgram = (name: string): string => programOutput(name, undefined, 'stop_time: 100s');

test('pipe: data, FIONREAD, 16 page slots, PIPE_BUF atomicity, F_SETPIPE_SZ, EOF, EPIPE, O_DIRECT packets, fork (same as Linux)', () => {
  assert.equal(
    runProgram('pipe_basic'),
    `pipe: 0
write: 5
fionread=5
read: 5
data='hello'
getpipesz: 65536
fstat: 0
fifo=1
accmode r=0 w=1
read write end: -1 EBADF
write read end: -1 EBADF
lseek: -1 ESPIPE
ioctl TCGETS: -1 ENOTTY
fionbio: 0
read empty: -1 EAGAIN
full after 64000
fionread=64000
write 1 when full: 1
drain 4000: 4000
atomic 4096: 4096
atomic 10: -1 EAGAIN
drain 10000: 10000
partial 20000: 8192
setpipesz 4096 busy: -1 EBUSY
setpipesz 5000: 8192
getpipesz: 8192
setpipesz 2MiB: -1 EPERM
two-page pipe holds 8000 in 100-byte writes
write 0: 0
drained 8000 then 0 (eof)
pipe: 0
write no reader: -1 EPIPE
pipe2 direct: 0
cloexec=1 nonblock=1
pkt1: 5
data='first'
pkt2 short: 3
data='sec'
empty: -1 EAGAIN
packets that fit=16
pipe2 bad flags: -1 EINVAL
pipe NULL: -1 EFAULT
child: 10000 bytes, then 0
parent: child exited 0
`,
  );
});

test('a write to a pipe without readers raises SIGPIPE: its default action ends the writer', () => {
  const r = runUmbra(
    config(
      host('box', [{ path: program('pipe_basic'), args: 'sigpipe', expected_final_state: '{signaled: SIGPIPE}' }]),
    ),
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.output('box', 'pipe_basic.1000.stdout'), 'writing to a pipe without readers\n');
});

test('pipe between threads: blocked reader woken at 100 ms, a 256 KiB blocking write drained every 10 ms, atomic records', () => {
  assert.equal(
    runProgram('pipe_threads'),
    `reader: got 4 'wake' at 100 ms
writer: write returned 262144 at 30 ms
reader: 262144 bytes, intact, eof at 50 ms
records: 128 whole (A 64, B 64), 0 mixed
`,
  );
});

test('eventfd: counter, semaphore, ceiling, errors, and a reader woken by another thread every 50 ms', () => {
  assert.equal(
    runProgram('eventfd_test'),
    `read: 8
value=5
read empty: -1 EAGAIN
read short buffer: -1 EINVAL
write short buffer: -1 EINVAL
write 2^64-1: -1 EINVAL
write 2^64-2: 8
write past ceiling: -1 EAGAIN
write 0 at ceiling: 8
read: 8
value=18446744073709551614
semaphore read 0: 8 value=1 
semaphore read 1: 8 value=1 
semaphore read 2: 8 value=1 
semaphore read 3: -1 value=99 EAGAIN
bad flags: -1 EINVAL
woken with 1 at 50 ms
woken with 2 at 100 ms
woken with 3 at 150 ms
`,
  );
});

test('timerfd: a 10 ms timer read for 10 s counts exactly 1000 ticks in exactly 10 s; one-shot, absolute, missed periods', () => {
  assert.equal(
    runProgram('timerfd_test'),
    `settime: 0
ticks=1000 reads=1000 elapsed=10.000000000 s
after 25 ms sleep: 2
gettime: value=5000000 ns interval=10000000 ns
disarm: 0
old: value=5000000 ns interval=10000000 ns
disarmed gettime: 0 0
read unarmed: -1 EAGAIN
read early: -1 EAGAIN
read at 300 ms: 8
n=1
read again: -1 EAGAIN
read short: -1 EINVAL
realtime is 2000-01-01 or later: 1
settime abs: 0
absolute timer fired 1500 ms after its setting
read past: 8
n=11
create bad clock: -1 EINVAL
create bad flags: -1 EINVAL
settime bad nsec: -1 EINVAL
settime bad flags: -1 EINVAL
settime on stdout: -1 EINVAL
settime closed fd: -1 EBADF
gettime closed fd: -1 EBADF
`,
  );
});

test('epoll: level vs edge on a pipe, one-shot, 64-bit data, HUP/ERR, timeouts, nesting, round robin, close, errors', () => {
  assert.equal(
    runProgram('epoll_test'),
    `lt empty: 0
lt 1: 1 [0x1 0x1122334455667788]
lt again: 1 [0x1 0x1122334455667788]
et 1: 1 [0x1 0x7]
et again: 0
et new data: 1 [0x1 0x7]
lt drained: 0
et drained: 0
mod oneshot: 0
oneshot: 1 [0x1 0x9]
oneshot disabled: 0
still disabled: 0
mod rearm: 0
rearmed: 1 [0x1 0xa]
del: 0
after del: 0
write end: 1 [0x4 0x2]
reader closed: 1 [0xc 0x2]
all closed: 0
timeout 100: 0
waited 100 ms
infinite, woken: 1 [0x1 0x3]
waited 30 ms
outer idle: 0
outer: 1 [0x1 0x2a]
loop: -1 ELOOP
rr: 1 [0x1 0x64]
rr: 1 [0x1 0x65]
rr: 1 [0x1 0x66]
rr: 1 [0x1 0x64]
rr all: 3 [0x1 0x65] [0x1 0x66] [0x1 0x64]
closed, dup alive: 3 [0x1 0x65] [0x1 0x66] [0x1 0x64]
del closed fd: -1 EBADF
last ref closed: 2 [0x1 0x65] [0x1 0x66]
eventfd writable: 1 [0x4 0x5]
eventfd readable: 1 [0x5 0x5]
mod eventfd off: 0
timerfd: 1 [0x1 0x6]
waited 50 ms
create size 0: -1 EINVAL
create1 bad flags: -1 EINVAL
add again (EEXIST): -1 EEXIST
mod missing (ENOENT): -1 ENOENT
del missing (ENOENT): -1 ENOENT
add closed fd: -1 EBADF
add regular file: -1 EPERM
add self: -1 EINVAL
epfd not epoll: -1 EINVAL
epfd closed: -1 EBADF
bad op: -1 EINVAL
add exclusive: 0
mod exclusive: -1 EINVAL
mod an exclusive item: -1 EINVAL
exclusive+oneshot: -1 EINVAL
wait maxevents 0: -1 EINVAL
wait on pipe: -1 EINVAL
wait closed: -1 EBADF
read epoll fd: -1 EINVAL
`,
  );
});

test('poll/ppoll/select/pselect: exact simulated timeouts, wake-ups, HUP/ERR/NVAL, bitmaps and the time left', () => {
  assert.equal(
    runProgram('poll_select'),
    `poll(NULL, 0, 250): 0
slept 250000 us
poll ready: 2
revents: 0 0x4 0 0x5
poll woken: 1
after 40000 us, revents 0x1
poll timeout 75: 0
after 75000 us, revents 0 0
ppoll 125 ms: 0
after 125000 us
ppoll bad timespec: -1 EINVAL
poll hup: 2
revents: 0x11 0x20
poll err: 1
revents: 0xc
select writable: 2
r=0 w=1,1 x=0 tv=2.500000
select woken: 1
after 300000 us, r=1 tv=1.200000
select timeout: 0
after 1500000 us, r=0 tv=0.000000
select sleep: 0
after 20000 us
select bad fd: -1 EBADF
select nfds < 0: -1 EINVAL
select negative timeout: -1 EINVAL
pselect timeout: 0
after 60000 us
`,
  );
});

const PYTHON = '/usr/bin/python3'; // the python3 on PATH may be a pyenv shell shim

const pythonScript = `import os, select, selectors, time
def ms(t): return (time.monotonic_ns() - t) // 1000000
r, w = os.pipe()
t = time.monotonic_ns()
p = select.poll()
p.register(r, select.POLLIN)
print("poll", p.poll(250), ms(t))
os.write(w, b"hi")
sel = selectors.DefaultSelector()
sel.register(r, selectors.EVENT_READ, "pipe")
print(type(sel).__name__, [(k.data, ev) for k, ev in sel.select(1)], os.read(r, 10))
t = time.monotonic_ns()
print("select idle", sel.select(0.5), ms(t))
e = os.eventfd(0, os.EFD_NONBLOCK)
os.eventfd_write(e, 3)
print("eventfd", os.eventfd_read(e))
t = time.monotonic_ns()
print(select.select([r], [], [], 0.1), ms(t))
`;

if (fs.existsSync(PYTHON)) {
  test('python: select.poll, the epoll selector, select.select and os.eventfd in simulated time', () => {
    const r = runScript(PYTHON, 'readiness.py', pythonScript);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.equal(
      r.output('box', 'python3'),
      `poll [] 250
EpollSelector [('pipe', 1)] b'hi'
select idle [] 500
eventfd 3
([], [], []) 100
`,
    );
  });
}

const nodeScript = `const t = process.hrtime.bigint();
const ms = () => Number(process.hrtime.bigint() - t) / 1e6;
setTimeout(() => {
  console.log('timer', ms(), Date.now());
  setImmediate(() => console.log('immediate', ms()));
}, 500);
let n = 0;
const h = setInterval(() => { if (++n === 3) { console.log('interval x3 at', ms()); clearInterval(h); } }, 100);
require('fs').readFile(__filename, (e, d) => console.log('readFile', e, d.length > 0, ms()));
`;

test('node: libuv (epoll_pwait timeouts, eventfd wake-ups from its thread pool) runs timers in simulated time', () => {
  const r = runScript(process.execPath, 'timers.js', nodeScript);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(
    r.output('box', 'node'),
    `readFile null true 0
interval x3 at 300
timer 500 946684800500
immediate 500
`,
  );
});
