// Wire encoding of TCP segments (header, options in Linux's layout,
// checksum with the IPv4 pseudo-header) and 32-bit sequence arithmetic.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SegmentDecodeError,
  TcpFlags,
  decodeSegment,
  encodeSegment,
  makeSegment,
  resetFor,
  segmentSeqLength,
  seqAdd,
  seqDiff,
  seqGe,
  seqGt,
  seqLe,
  seqLt,
  tcpChecksum,
} from '../../src/net/tcp/index';
import { posToSeq, seqToPos } from '../../src/net/tcp/seq';

const { SYN, ACK, FIN, PSH, RST } = TcpFlags;

test('SYN options use Linux layout: MSS, SACK-perm+TS, NOP, WS = 20 option bytes', () => {
  const seg = makeSegment({
    srcPort: 40000,
    dstPort: 80,
    seq: 0xdeadbeef,
    flags: SYN,
    window: 64240,
    options: { mss: 1460, sackPermitted: true, timestamp: { value: 12345, echo: 0 }, wscale: 7 },
  });
  const bytes = encodeSegment(seg);
  assert.equal(bytes.length, 40);
  assert.equal(bytes[12]! >> 4, 10, 'data offset in 32-bit words');
  assert.deepEqual([...bytes.subarray(20, 24)], [2, 4, 0x05, 0xb4]);
  assert.deepEqual([...bytes.subarray(24, 26)], [4, 2]);
  assert.deepEqual([...bytes.subarray(26, 28)], [8, 10]);
  assert.deepEqual([...bytes.subarray(36, 40)], [1, 3, 3, 7]);
  const back = decodeSegment(bytes);
  assert.equal(back.seq, 0xdeadbeef);
  assert.equal(back.flags, SYN);
  assert.equal(back.window, 64240);
  assert.deepEqual(back.options, seg.options);
});

test('data segment with timestamps and SACK blocks round-trips', () => {
  const payload = new Uint8Array([1, 2, 3, 4, 5]);
  const seg = makeSegment({
    srcPort: 1,
    dstPort: 65535,
    seq: 0xffff_fffe,
    ack: 7,
    flags: ACK | PSH,
    window: 501,
    options: {
      timestamp: { value: 0xffffffff, echo: 1 },
      sack: [
        { left: 100, right: 200 },
        { left: 300, right: 400 },
      ],
    },
    payload,
  });
  const bytes = encodeSegment(seg);
  assert.equal(bytes.length, 20 + 12 + 20 + 5);
  const back = decodeSegment(bytes);
  assert.deepEqual(back.options, seg.options);
  assert.deepEqual([...back.payload], [1, 2, 3, 4, 5]);
  assert.equal(back.ack, 7);
  assert.equal(back.flags, ACK | PSH);
  assert.equal(segmentSeqLength(back), 5);
});

test('checksum: computed with the pseudo-header, verifies to zero, detects corruption', () => {
  const pseudo = { srcAddr: 0x0a000001, dstAddr: 0x0a000002 };
  const seg = makeSegment({
    srcPort: 1234,
    dstPort: 80,
    seq: 1,
    ack: 2,
    flags: ACK | FIN,
    window: 100,
    payload: new Uint8Array([9, 8, 7]),
  });
  const bytes = encodeSegment(seg, pseudo);
  assert.notEqual(bytes[16]! | bytes[17]!, 0);
  assert.equal(tcpChecksum(bytes, pseudo), 0);
  bytes[bytes.length - 1] ^= 1;
  assert.notEqual(tcpChecksum(bytes, pseudo), 0);
  // without a pseudo-header the field stays zero
  const plain = encodeSegment(seg);
  assert.equal(plain[16]! | plain[17]!, 0);
});

test('checksum of a known header matches a hand computation', () => {
  // 20-byte header, no payload: the one's-complement sum done by hand
  const seg = makeSegment({ srcPort: 0x0001, dstPort: 0x0002, seq: 0, ack: 0, flags: SYN, window: 0 });
  const bytes = encodeSegment(seg, { srcAddr: 0, dstAddr: 0 });
  // words: 0x0001 + 0x0002 + 0x5002 (offset/flags) + proto 6 + length 20 = 0x501f -> ~ = 0xafe0
  assert.equal((bytes[16]! << 8) | bytes[17]!, 0xafe0);
});

test('decoder skips unknown options and rejects malformed headers', () => {
  const seg = makeSegment({ srcPort: 1, dstPort: 2, flags: ACK });
  const base = encodeSegment(seg);
  const withUnknown = new Uint8Array(24);
  withUnknown.set(base);
  withUnknown[12] = 6 << 4;
  withUnknown.set([30, 4, 0xaa, 0xbb], 20); // unknown kind 30, length 4
  assert.deepEqual(decodeSegment(withUnknown).options, {});
  assert.throws(() => decodeSegment(new Uint8Array(10)), SegmentDecodeError);
  const badOffset = base.slice();
  badOffset[12] = 15 << 4;
  assert.throws(() => decodeSegment(badOffset), SegmentDecodeError);
  const badLen = new Uint8Array(24);
  badLen.set(base);
  badLen[12] = 6 << 4;
  badLen.set([2, 9, 0, 0], 20);
  assert.throws(() => decodeSegment(badLen), SegmentDecodeError);
});

test('decodeSegment returns a view of the payload, not a copy', () => {
  const bytes = encodeSegment(makeSegment({ flags: ACK, payload: new Uint8Array([1, 2]) }));
  const seg = decodeSegment(bytes);
  assert.equal(seg.payload.buffer, bytes.buffer);
});

test('resetFor follows RFC 9293: seq from the ACK, or ACK of the whole segment', () => {
  const r1 = resetFor(
    makeSegment({ srcPort: 5, dstPort: 6, seq: 10, ack: 99, flags: ACK, payload: new Uint8Array(3) }),
  )!;
  assert.equal(r1.flags, RST);
  assert.equal(r1.seq, 99);
  assert.equal(r1.srcPort, 6);
  assert.equal(r1.dstPort, 5);
  const r2 = resetFor(makeSegment({ seq: 0xffff_ffff, flags: SYN | FIN, payload: new Uint8Array(3) }))!;
  assert.equal(r2.flags, RST | ACK);
  assert.equal(r2.ack, 4);
  assert.equal(resetFor(makeSegment({ flags: RST })), null);
});

test('sequence comparisons are modular across the 2^32 wrap', () => {
  assert.equal(seqAdd(0xffff_fff0, 0x20), 0x10);
  assert.equal(seqDiff(0x10, 0xffff_fff0), 0x20);
  assert.equal(seqDiff(0xffff_fff0, 0x10), -0x20);
  assert.ok(seqLt(0xffff_fff0, 0x10));
  assert.ok(seqGt(0x10, 0xffff_fff0));
  assert.ok(seqLe(5, 5) && seqGe(5, 5));
  assert.ok(!seqLt(5, 5));
  // half the space apart flips the answer
  assert.ok(seqLt(0, 0x7fff_ffff));
  assert.ok(seqGt(0, 0x8000_0001));
});

test('absolute positions map to and from wire numbers near the wrap', () => {
  const isn = 0xffff_ff00;
  assert.equal(posToSeq(isn, 0), isn);
  assert.equal(posToSeq(isn, 0x100), 0);
  assert.equal(posToSeq(isn, 2 ** 40 + 0x100), 0);
  const refPos = 2 ** 40 + 5;
  const refSeq = posToSeq(isn, refPos);
  assert.equal(seqToPos(posToSeq(isn, refPos + 70_000), refSeq, refPos), refPos + 70_000);
  assert.equal(seqToPos(posToSeq(isn, refPos - 3), refSeq, refPos), refPos - 3);
});
