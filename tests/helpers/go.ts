// Builds the Go test programs of tests/programs/go/ with Debian's Go toolchain,
// with cgo (dynamically linked, as Debian's Go servers are), standard library
// only, into a temp dir with its own build cache: nothing leaves the test.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO, tempDir, which } from './umbra';

const GO_SOURCES = path.join(REPO, 'tests', 'programs', 'go');

/**
 * Builds tests/programs/go/<pkg> and returns the binary's path. With `cgo: false` the result is a
 * static binary, as plain `go build` makes one for a program that needs no C.
 */
export function buildGo(pkg: string, opts: { cgo?: boolean } = {}): string {
  const dir = tempDir('umbra-go-');
  const out = path.join(dir, pkg);
  const r = spawnSync(which('go'), ['build', '-o', out, `./${pkg}`], {
    cwd: GO_SOURCES,
    encoding: 'utf8',
    env: {
      ...process.env,
      CGO_ENABLED: opts.cgo === false ? '0' : '1',
      GOCACHE: path.join(dir, 'cache'),
      GOPATH: path.join(dir, 'gopath'),
      GOFLAGS: '-mod=mod',
      GOPROXY: 'off',
    },
  });
  if (r.status !== 0) throw new Error(`go build ${pkg} failed:\n${r.stderr}`);
  return out;
}
