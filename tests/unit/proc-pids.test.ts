// /proc/<pid> paths by virtual pid: rewritten to the native process and
// thread of the caller's host, ENOENT for any other pid, status lines in virtual ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Host } from '../../src/host/host';
import { Process } from '../../src/host/process';
import { Thread } from '../../src/host/thread';
import type { HostConfig } from '../../src/config/types';
import { nativeProcPath, statusTarget, virtualStatus } from '../../src/files/proc-pids';
import { E } from '../../src/abi/errno';

function twoProcesses(): { parent: Process; child: Process; worker: Thread } {
  const h = new Host(0, 'h', 0x0b000001, {} as HostConfig, '/nonexistent', 1);
  const parent = new Process(h, h.allocVid(), 1, 0, 'parent', null);
  parent.nativePid = 51000;
  const child = new Process(h, h.allocVid(), parent.vpid, 1, 'child', null);
  child.nativePid = 52000;
  const main = new Thread(child, 1, child.vpid, 0);
  main.nativeTid = 52000;
  const worker = new Thread(child, 2, h.allocVid(), 0);
  worker.nativeTid = 52007;
  child.threads.push(main, worker);
  h.processes.push(parent, child);
  return { parent, child, worker };
}

test('a virtual pid (and task id) becomes the native one; other pids of no process here are ENOENT', () => {
  const { parent, child, worker } = twoProcesses();
  assert.equal(nativeProcPath(`/proc/${child.vpid}`, parent), '/proc/52000');
  assert.equal(nativeProcPath(`/proc/${child.vpid}/comm`, parent), '/proc/52000/comm');
  assert.equal(nativeProcPath(`/proc/${child.vpid}/task/${worker.vtid}/stat`, parent), '/proc/52000/task/52007/stat');
  assert.equal(nativeProcPath(`/proc/${child.vpid}/task/999`, parent), -E.ENOENT);
  assert.equal(nativeProcPath('/proc/1', parent), -E.ENOENT);
  // Native ids of the host's own (readlink("/proc/self"), a task listing) stay as they are.
  assert.equal(nativeProcPath('/proc/52000/comm', parent), null);
  assert.equal(nativeProcPath(`/proc/${child.vpid}/task/52007`, parent), null);
  assert.equal(nativeProcPath('/proc/sys/kernel/pid_max', parent), null);
  child.state = 'exited';
  assert.equal(nativeProcPath(`/proc/${child.vpid}/comm`, parent), -E.ENOENT);
});

test('status shows the virtual Pid, Tgid, PPid and NSpid; a thread’s its own id', () => {
  const { parent, child, worker } = twoProcesses();
  const native = 'Name:\tchild\nTgid:\t52000\nNgid:\t0\nPid:\t52007\nPPid:\t51000\nTracerPid:\t0\nNSpid:\t52007\n';
  const target = statusTarget(`/proc/${child.vpid}/task/${worker.vtid}/status`, parent);
  assert.ok(target !== null && typeof target === 'object');
  assert.equal(
    virtualStatus(native, target),
    `Name:\tchild\nTgid:\t${child.vpid}\nNgid:\t0\nPid:\t${worker.vtid}\nPPid:\t${parent.vpid}\nTracerPid:\t0\n` +
      `NSpid:\t${worker.vtid}\n`,
  );
  assert.equal(statusTarget('/proc/4242/status', parent), -E.ENOENT);
  assert.deepEqual(statusTarget('/proc/self/status', parent), { process: parent, thread: null });
});
