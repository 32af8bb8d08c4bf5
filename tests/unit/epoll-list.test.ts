// An epoll instance's interest and ready lists (src/files/epoll-list.ts):
// level vs edge vs one-shot collection, round robin, the 12-byte event
// records, keys by (fd, file), and targets that go away.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { EPOLLET, EPOLLHUP, EPOLLIN, EPOLLONESHOT, EPOLLOUT } from '../../src/abi/epoll';
import { EpollSet } from '../../src/files/epoll-list';

class Target {
  ready = 0;
  alive = true;
  constructor(readonly name: string) {}
}

function makeSet(): EpollSet<Target> {
  return new EpollSet<Target>({ poll: (f) => f.ready, alive: (f) => f.alive });
}

const dv = new DataView(new ArrayBuffer(12 * 16));

/** Harvests and returns [events, dataLo] pairs. */
function harvest(set: EpollSet<Target>, max = 16): Array<[number, number]> {
  const n = set.harvest(max, dv);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) out.push([dv.getUint32(12 * i, true), dv.getUint32(12 * i + 4, true)]);
  return out;
}

test('level-triggered items stay ready while the target is; edge-triggered ones report once per wake-up', () => {
  const set = makeSet();
  const a = new Target('a');
  const lt = set.add(3, a, EPOLLIN, 1, 0);
  const b = new Target('b');
  const et = set.add(4, b, EPOLLIN | EPOLLET, 2, 0);
  assert.deepEqual(harvest(set), []);
  a.ready = EPOLLIN;
  b.ready = EPOLLIN;
  assert.equal(set.check(lt), true);
  assert.equal(set.check(et), true);
  assert.deepEqual(harvest(set), [
    [EPOLLIN, 1],
    [EPOLLIN, 2],
  ]);
  assert.deepEqual(harvest(set), [[EPOLLIN, 1]], 'the edge was consumed');
  set.check(et); // new data: the target woke its watchers again
  assert.deepEqual(harvest(set), [
    [EPOLLIN, 1],
    [EPOLLIN, 2],
  ]);
  a.ready = 0;
  assert.deepEqual(harvest(set), [], 'not ready any more: leaves the ready list');
  assert.equal(set.anyReady(), false);
});

test('only asked-for events are reported, plus EPOLLHUP/EPOLLERR always', () => {
  const set = makeSet();
  const a = new Target('a');
  const it = set.add(3, a, EPOLLIN, 7, 0);
  a.ready = EPOLLOUT;
  assert.equal(set.check(it), false);
  a.ready = EPOLLOUT | EPOLLHUP;
  assert.equal(set.check(it), true);
  assert.deepEqual(harvest(set), [[EPOLLHUP, 7]]);
});

test('one-shot disables after one report; modify re-arms', () => {
  const set = makeSet();
  const a = new Target('a');
  a.ready = EPOLLIN;
  const it = set.add(3, a, EPOLLIN | EPOLLONESHOT, 1, 0);
  assert.deepEqual(harvest(set), [[EPOLLIN, 1]]);
  assert.equal(set.check(it), false, 'disabled items ignore wake-ups');
  assert.deepEqual(harvest(set), []);
  set.modify(it, EPOLLIN, 9, 0);
  assert.deepEqual(harvest(set), [[EPOLLIN, 9]]);
});

test('round robin: with maxevents 1 every ready item gets its turn', () => {
  const set = makeSet();
  const targets = [new Target('a'), new Target('b'), new Target('c')];
  targets.forEach((t, i) => {
    t.ready = EPOLLIN;
    set.add(10 + i, t, EPOLLIN, i, 0);
  });
  const order = [];
  for (let i = 0; i < 6; i++) order.push(harvest(set, 1)[0][1]);
  assert.deepEqual(order, [0, 1, 2, 0, 1, 2]);
});

test('64-bit data is packed after the 32-bit events (12-byte records)', () => {
  const set = makeSet();
  const a = new Target('a');
  a.ready = EPOLLIN;
  set.add(3, a, EPOLLIN | EPOLLET, 0x55667788, 0x11223344);
  assert.equal(set.harvest(4, dv), 1);
  assert.equal(dv.getUint32(0, true), EPOLLIN);
  assert.equal(dv.getBigUint64(4, true), 0x1122334455667788n);
});

test('items are keyed by fd and file; closed targets vanish', () => {
  const set = makeSet();
  const a = new Target('a');
  const b = new Target('b');
  set.add(3, a, EPOLLIN, 1, 0);
  assert.ok(set.find(3, a));
  assert.equal(set.find(3, b), undefined, 'same number, other file: a different key');
  set.add(3, b, EPOLLIN, 2, 0);
  assert.equal(set.size, 2);
  a.ready = b.ready = EPOLLIN;
  set.check(set.find(3, a)!);
  set.check(set.find(3, b)!);
  a.alive = false;
  assert.deepEqual(harvest(set), [[EPOLLIN, 2]]);
  assert.equal(set.size, 1);
  b.alive = false;
  set.purge();
  assert.equal(set.size, 0);
  let detached = 0;
  const c = new Target('c');
  const it = set.add(5, c, EPOLLIN, 0, 0);
  it.detach = () => detached++;
  set.remove(it);
  assert.equal(detached, 1);
  assert.equal(set.size, 0);
});
