// The host generator: its stream is pinned (the shim's C copy in
// native/shim/random.c must produce the same words), and moving its state into
// the shared region continues the stream where it stood.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, hostSeed } from '../../src/host/rng';

test('the stream of a host is pinned: same seed and name, same bytes as before', () => {
  assert.equal(hostSeed(7, 'alpha'), 1031254698);
  const r = new Rng(hostSeed(7, 'alpha'));
  const b = Buffer.alloc(23);
  r.fill(b, 0, 23);
  assert.equal(b.toString('hex'), 'd41fa4eb8f69ee86ea5db187c8cb266de10d4fd94a1974');
  assert.equal(r.nextU32(), 4162902159);
  assert.equal(r.nextInt(0, 65535), 58874);
  assert.equal(new Rng(0).nextU32(), 4226848253);
});

test('shareState: the stream goes on in the given words, and whoever advances them advances it', () => {
  const a = new Rng(99);
  const b = new Rng(99);
  const other = new Rng(99); // stands for the shim: a second writer of the same words
  a.nextU32();
  b.nextU32();
  other.nextU32();
  const words = new Uint32Array(6).subarray(1, 5);
  b.shareState(words);
  other.shareState(words); // same state as b's: the words do not change
  assert.equal(b.nextU32(), a.nextU32());
  assert.equal(other.nextU32(), a.nextU32());
  assert.equal(other.nextU32(), a.nextU32());
  assert.equal(b.nextU32(), a.nextU32());
  words.fill(0); // what a program may write there: a stuck but harmless stream
  assert.equal(b.nextU32(), 0);
});
