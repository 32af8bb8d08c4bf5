// The syscall trace shows only the arguments a syscall has; deterministic mode hides addresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SYS } from '../../src/abi/syscalls';
import { syscallShape } from '../../src/abi/syscall-args';
import { Outcome } from '../../src/kernel/call';
import { describeSyscall } from '../../src/kernel/trace';

const regs = (...v: number[]) => Float64Array.from([...v, ...Array<number>(6 - v.length).fill(0x7f00deadbeef)]);

test('every defined syscall has a shape of at most six arguments', () => {
  for (const nr of Object.values(SYS)) {
    const s = syscallShape(nr);
    assert.ok(s !== undefined, `syscall ${nr}`);
    assert.ok(s.args.length <= 6, `syscall ${nr}`);
  }
  assert.equal(syscallShape(SYS.getpid)?.args.length, 0);
  assert.equal(syscallShape(SYS.mmap)?.returnsAddress, true);
});

test('garbage registers beyond the arguments are not shown; ints use the low 32 bits', () => {
  const line = describeSyscall(SYS.read, regs(2 ** 32 + 3, 0x7ffc0000, 4096), Outcome.Done, 10);
  assert.equal(line, 'read(3, 0x7ffc0000, 4096) = 10');
  assert.equal(describeSyscall(SYS.getpid, regs(), Outcome.Done, 1000), 'getpid() = 1000');
  assert.equal(describeSyscall(SYS.close, regs(9), Outcome.Done, -9), 'close(9) = -1 EBADF');
  assert.equal(
    describeSyscall(SYS.openat, regs(-100, 0x1000, 0x80000), Outcome.Native, 0).split(' ')[0],
    'openat(-100,',
  );
});

test('deterministic mode hides addresses in arguments and results, keeps NULL', () => {
  const a = describeSyscall(SYS.mmap, regs(0, 8192, 3, 0x22, -1, 0), Outcome.Done, 0x7f1234560000, true);
  assert.equal(a, 'mmap(NULL, 8192, 0x3, 0x22, -1, 0) = ptr');
  const b = describeSyscall(SYS.read, regs(3, 0x7ffc1111, 64), Outcome.Done, 64, true);
  const c = describeSyscall(SYS.read, regs(3, 0x7ffc2222, 64), Outcome.Done, 64, true);
  assert.equal(b, 'read(3, ptr, 64) = 64');
  assert.equal(b, c);
  assert.equal(
    describeSyscall(SYS.mmap, regs(0, 1, 0, 0, 0, 0), Outcome.Done, -12, true),
    'mmap(NULL, 1, 0x0, 0x0, 0, 0) = -1 ENOMEM',
  );
});
