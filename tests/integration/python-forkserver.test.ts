// Python's multiprocessing with the forkserver start method: the server
// listens on a unix socket file in a temporary folder (which it chmods and
// removes), and a pool of workers forked by it computes a sum.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScript } from '../helpers/umbra';

const SOURCE = `import multiprocessing as mp

def square(x):
    return x * x

if __name__ == '__main__':
    mp.set_start_method('forkserver')
    with mp.Pool(3) as pool:
        print(sum(pool.map(square, range(100))))
    print(mp.get_start_method())
`;

test('multiprocessing with the forkserver start method: a pool computes a sum', () => {
  const r = runScript('/usr/bin/python3', 'pool.py', SOURCE);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.output('box', 'python3'), '328350\nforkserver\n');
});
