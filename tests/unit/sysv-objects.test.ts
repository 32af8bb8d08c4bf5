// The System V IPC objects (src/ipc): ids as Linux builds them, keys, the
// permission rule, semop's all-or-nothing and SEM_UNDO bookkeeping, msgrcv's
// type selection.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { E } from '../../src/abi/errno';
import { IPC_NOWAIT, IPCMNI, MSG_EXCEPT, SEM_UNDO } from '../../src/abi/sysv';
import { MsgQueue } from '../../src/ipc/msg';
import { IpcNamespace, IpcPerm } from '../../src/ipc/namespace';
import { SEMOP_DONE, SEMOP_WAIT, SemSet } from '../../src/ipc/sem';

class Obj {
  removed = false;
  constructor(
    readonly id: number,
    readonly perm: IpcPerm,
  ) {}
}

const perm = (key: number, mode = 0o600): IpcPerm => new IpcPerm(key, 1000, 1000, 1000, 1000, mode, 0);

test('ids: the next free index cyclically, the sequence grows when the indexes wrap', () => {
  const ns = new IpcNamespace<Obj>(3);
  const a = ns.add(0, (id) => new Obj(id, perm(0)));
  const b = ns.add(7, (id) => new Obj(id, perm(7)));
  assert.deepEqual([a?.id, b?.id], [0, 1]);
  ns.remove(a as Obj);
  const c = ns.add(0, (id) => new Obj(id, perm(0)));
  assert.equal(c?.id, 2);
  const d = ns.add(0, (id) => new Obj(id, perm(0)));
  assert.equal(d?.id, IPCMNI + 0, 'index 0 again, next sequence');
  assert.equal(
    ns.add(0, (id) => new Obj(id, perm(0))),
    null,
    'full',
  );
  assert.equal(ns.find(0), undefined, 'the old id of a reused index does not match');
  assert.equal(ns.find(IPCMNI), d);
  assert.equal(ns.findKey(7), b);
  assert.equal(ns.findKey(0), undefined, 'IPC_PRIVATE is never found');
  ns.forgetKey(b as Obj);
  assert.equal(ns.findKey(7), undefined);
  assert.equal(b?.perm.key, 0);
  assert.equal(ns.find(1), b, 'a forgotten key keeps its id (a removed shm segment still attached)');
  assert.equal(ns.highestIndex, 2);
});

test('permissions: owner, group, other bits; root passes; owner or creator may change it', () => {
  const p = new IpcPerm(1, 10, 20, 11, 21, 0o640, 0);
  assert.ok(p.permits({ euid: 10, egid: 99 }, 6));
  assert.ok(p.permits({ euid: 11, egid: 99 }, 6), 'the creator counts as owner');
  assert.ok(p.permits({ euid: 50, egid: 20 }, 4));
  assert.ok(!p.permits({ euid: 50, egid: 20 }, 2));
  assert.ok(!p.permits({ euid: 50, egid: 50 }, 4));
  assert.ok(p.permits({ euid: 0, egid: 0 }, 6));
  assert.ok(p.isOwner({ euid: 11, egid: 0 }) && !p.isOwner({ euid: 50, egid: 20 }));
});

test('semop: all or nothing, wait reasons, IPC_NOWAIT, ERANGE, SEM_UNDO adjustments', () => {
  const s = new SemSet(0, perm(1), 2, 0);
  const undo = new Int32Array(2);
  const u = (): Int32Array => undo;
  assert.equal(s.trySemop([{ num: 0, op: 2, flags: SEM_UNDO }], 1000, u), SEMOP_DONE);
  assert.deepEqual([...undo], [-2, 0]);
  assert.equal(
    s.trySemop(
      [
        { num: 0, op: -1, flags: 0 },
        { num: 1, op: -1, flags: 0 },
      ],
      1001,
      u,
    ),
    SEMOP_WAIT,
  );
  assert.deepEqual([s.blockedOn.num, s.blockedOn.zero], [1, false]);
  assert.deepEqual([...s.values], [2, 0], 'nothing applied');
  assert.equal(s.trySemop([{ num: 0, op: 0, flags: 0 }], 1001, u), SEMOP_WAIT);
  assert.deepEqual([s.blockedOn.num, s.blockedOn.zero], [0, true]);
  assert.equal(s.trySemop([{ num: 1, op: -1, flags: IPC_NOWAIT }], 1001, u), -E.EAGAIN);
  assert.equal(
    s.trySemop(
      [
        { num: 1, op: 32767, flags: 0 },
        { num: 1, op: 1, flags: 0 },
      ],
      1001,
      u,
    ),
    -E.ERANGE,
  );
  assert.deepEqual([...s.values], [2, 0]);
  assert.equal(
    s.trySemop(
      [
        { num: 1, op: 5, flags: 0 },
        { num: 0, op: -2, flags: 0 },
      ],
      1002,
      u,
    ),
    SEMOP_DONE,
  );
  assert.deepEqual([...s.values], [0, 5]);
  assert.deepEqual([...s.pids], [1002, 1002]);
});

test('msgrcv selection: first, by type, except a type, lowest type up to |t|', () => {
  const q = new MsgQueue(0, perm(1), 16384, 0);
  for (const t of [3, 2, 1, 2]) q.push({ type: t, data: Buffer.from(`t${t}`) });
  assert.equal(q.cbytes, 8);
  assert.equal(q.select(0, 0), 0);
  assert.equal(q.select(2, 0), 1);
  assert.equal(q.select(3, MSG_EXCEPT), 1);
  assert.equal(q.select(-2, 0), 2);
  assert.equal(q.select(-1, 0), 2);
  assert.equal(q.select(9, 0), -1);
  assert.equal(q.take(2).type, 1);
  assert.equal(q.select(-2, 0), 1, 'the oldest of the lowest type');
  assert.ok(q.fits(16384 - 6) && !q.fits(16384 - 5));
});
