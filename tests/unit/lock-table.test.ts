// The advisory-lock wait table: per-file queues woken by releases, and the
// POSIX wait-for chain that makes F_SETLKW fail with EDEADLK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LockTable } from '../../src/files/locks';
import type { Process } from '../../src/host/process';
import type { Thread } from '../../src/host/thread';
import { SYS } from '../../src/abi/syscalls';

function proc(name: string): Process {
  return { name } as unknown as Process;
}

function waitingThread(p: Process): Thread {
  return { process: p, state: 'blocked', lastNr: SYS.fcntl } as unknown as Thread;
}

test('released wakes only the waiters of that file, once', () => {
  const table = new LockTable();
  const woken: string[] = [];
  // Keys are host:dev:ino.
  const undoA = table.waiters('0:1:10').add(() => woken.push('a'));
  table.waiters('0:1:11').add(() => woken.push('b'));
  table.waiters('1:1:11').add(() => woken.push('other host'));
  table.released('0:1:10');
  assert.deepEqual(woken, ['a']);
  undoA();
  assert.equal(table.hasWaiters('0:1:10'), false);
  table.releasedAll(0);
  assert.deepEqual(woken, ['a', 'b'], 'a process end wakes the waiters of its own host only');
  assert.equal(table.hasWaiters('1:1:11'), true);
});

test('wouldDeadlock follows the chain of POSIX waits; stale entries do not count', () => {
  const table = new LockTable();
  const [p, q, r] = [proc('p'), proc('q'), proc('r')];
  assert.equal(table.wouldDeadlock(p, q), false);
  const tq = waitingThread(q);
  table.setPosixWait(tq, r); // q waits for r
  const tr = waitingThread(r);
  table.setPosixWait(tr, p); // r waits for p
  assert.equal(table.wouldDeadlock(p, q), true); // p waiting for q closes p→q→r→p
  // r moved on (an EINTR, then another syscall): its wait no longer counts.
  (tr as { lastNr: number }).lastNr = SYS.read;
  assert.equal(table.wouldDeadlock(p, q), false);
  table.clearPosixWait(tq);
  assert.equal(table.wouldDeadlock(p, q), false);
});
