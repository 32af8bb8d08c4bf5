// AF_UNIX socket files: the face of a UnixSocket (net/unix.ts) towards
// processes — sockaddr_un (abstract names, path names resolved against the
// caller's cwd and made real socket files, autobind), stream writes that
// complete across restarts, seqpacket and datagram records, SCM_RIGHTS files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileObject } from '../../host/fd-table';
import type { Thread } from '../../host/thread';
import { E } from '../../abi/errno';
import {
  AF_UNIX,
  AF_UNSPEC,
  MSG_NOSIGNAL,
  MSG_OOB,
  MSG_PEEK,
  MSG_TRUNC,
  MSG_WAITALL,
  SOCK_DGRAM,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  SOCKADDR_UN_SIZE,
} from '../../abi/socket';
import type { Kernel } from '../../kernel/kernel';
import { nativeCallWithPath } from '../../kernel/user-path';
import { SYS } from '../../abi/syscalls';
import { AT_FDCWD } from '../../abi/fcntl';
import type { NetworkStack } from '../stack';
import { UnixSocket, type UnixNamespace, type UnixCred, type UnixKind, type UnixName } from '../unix';
import type { SockAddr } from './address';
import type { UserMsg } from './message';
import { PlainBufferSocketFile, type SocketFile } from './socket-file';
import { SIGPIPE } from '../../abi/signals';
import { effectiveIds } from '../../host/credentials';
import {
  canonicalPath,
  insideHostDir,
  lastComponent,
  publishUnixPaths,
  unixPathSpace,
  type UnixPathSpace,
} from '../unix-paths';

export function unixKind(type: number): UnixKind | null {
  return type === SOCK_STREAM ? 'stream' : type === SOCK_DGRAM ? 'dgram' : type === SOCK_SEQPACKET ? 'seqpacket' : null;
}

/** The creator's credentials (SO_PEERCRED): virtual pid, and the effective uid/gid it really runs with. */
export function credOf(t: Thread): UnixCred {
  const ids = effectiveIds(t.process.nativePid, t.nativeTid);
  if (ids !== null) return { pid: t.process.vpid, uid: ids.uid, gid: ids.gid };
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const gid = typeof process.getgid === 'function' ? process.getgid() : 0;
  return { pid: t.process.vpid, uid, gid };
}

/** Checks a sockaddr_un's length: the family at least, and no more than struct sockaddr_un. */
function checkSockaddrUn(a: SockAddr): number {
  return a.len < 2 || a.len > SOCKADDR_UN_SIZE ? -E.EINVAL : 0;
}

/** An abstract name (sun_path starts with NUL) rather than a path. */
function isAbstract(a: SockAddr): boolean {
  return a.len > 2 && a.buf[2] === 0;
}

/**
 * The name a sockaddr_un (checked, family AF_UNIX) gives, or null for "no
 * name" (autobind). Path names become absolute against t's cwd. Abstract
 * names are keyed with the socket kind too: Linux keeps one abstract
 * namespace per socket type (a stream and a datagram socket may share a
 * name, and a connect never finds a socket of another type there).
 */
function unixName(t: Thread, a: SockAddr, kind: UnixKind): UnixName | null {
  const s = a.buf;
  const len = a.len;
  if (len === 2) return null;
  if (s[2] === 0) {
    // Abstract: every byte of the given length counts, NULs included.
    const addrBytes = Uint8Array.prototype.slice.call(s, 2, len);
    return { key: `\0${kind}\0${s.toString('latin1', 3, len)}`, addr: addrBytes };
  }
  let end = 2;
  while (end < len && s[end] !== 0) end++;
  // UTF-8, as paths read from process memory and given to the file system are.
  const given = s.toString('utf8', 2, end);
  let cwd = '/';
  try {
    cwd = fs.readlinkSync(`/proc/${t.process.nativePid}/cwd`);
  } catch {
    // The process is gone or unreadable: resolve against / (the call fails later anyway).
  }
  const addrBytes = new Uint8Array(end - 2 + 1);
  addrBytes.set(s.subarray(2, end));
  return { key: path.resolve(cwd, given), addr: addrBytes };
}

const S_IFSOCK = 0o140000;

/**
 * The table key of the socket file at absolute path `p`, as Linux finds a
 * listener through the inode at the path: a file unlinked and bound again is a
 * new socket, a renamed one is still reached. A number is the errno a connect
 * gets: ENOENT without a file, ECONNREFUSED for a file that is not a socket.
 */
function pathKey(p: string): string | number {
  let st: fs.BigIntStats;
  try {
    st = fs.statSync(p, { bigint: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'EACCES' ? E.EACCES : code === 'ENOTDIR' ? E.ENOTDIR : E.ENOENT;
  }
  if (!st.isSocket()) return E.ECONNREFUSED;
  return `${st.dev}:${st.ino}`;
}

/**
 * Creates the socket file of a path bind natively in the caller (mknod
 * S_IFSOCK), so it gets the caller's owner, umask and permission checks as
 * Linux's bind gives it; an existing file is EADDRINUSE, as on Linux. Only a
 * path inside the host's directory names a real file there: any other is the
 * host's own (makeHostSocketFile). Returns the name keyed by the file's inode, or -errno.
 */
function makeSocketFile(k: Kernel, t: Thread, name: UnixName): UnixName | number {
  const canonical = canonicalPath(name.key);
  if (canonical !== null && !insideHostDir(t.process.host.dir, canonical)) {
    return makeHostSocketFile(k, t, name, canonical);
  }
  const r = nativeCallWithPath(k, t, name.key, (at) => k.nativeCall(t, SYS.mknodat, AT_FDCWD, at, S_IFSOCK | 0o777, 0));
  if (r < 0) return r === -E.EEXIST ? -E.EADDRINUSE : r;
  const key = pathKey(name.key);
  return typeof key === 'number' ? -key : { key, addr: name.addr };
}

const W_OK = 2;
const X_OK = 1;
const AT_EACCESS = 0x200;

/**
 * The socket file of a path outside the host's directory, made in the host's
 * own space (src/net/unix-paths.ts) so that no other host, run or leftover
 * file on the machine shares it. Linux's checks run on the real directory,
 * as the caller: it must exist and be writable. A file at the real path that
 * is no socket belongs to every host (the file system is shared): the address
 * is in use, as on Linux; a socket file there is another machine's (another
 * run, or a crashed one) and does not count.
 */
function makeHostSocketFile(k: Kernel, t: Thread, name: UnixName, canonical: string): UnixName | number {
  const host = t.process.host;
  const dir = path.dirname(name.key);
  let r = nativeCallWithPath(k, t, dir, (at) => k.nativeCall(t, SYS.faccessat2, AT_FDCWD, at, W_OK | X_OK, AT_EACCESS));
  if (r === -E.ENOSYS)
    r = nativeCallWithPath(k, t, dir, (at) => k.nativeCall(t, SYS.faccessat, AT_FDCWD, at, W_OK | X_OK));
  if (r < 0) return r;
  const space = unixPathSpace(k, host, true) as UnixPathSpace;
  if (!space.has(canonical)) {
    try {
      if (!fs.lstatSync(canonical).isSocket()) return -E.EADDRINUSE;
    } catch {
      // Nothing there: the name is free.
    }
  }
  space.prepare(canonical);
  const file = space.fileOf(canonical);
  const m = nativeCallWithPath(k, t, file, (at) => k.nativeCall(t, SYS.mknodat, AT_FDCWD, at, S_IFSOCK | 0o777, 0));
  if (m < 0) return m === -E.EEXIST ? -E.EADDRINUSE : m;
  if (!space.has(canonical)) {
    space.add(canonical);
    publishUnixPaths(k, host, space);
  }
  const key = pathKey(file);
  return typeof key === 'number' ? -key : { key, addr: name.addr };
}

/** The table key a path name reaches from t's host, or the errno of a connect or send to it. */
function lookupKey(ns: UnixNamespace, name: UnixName, abstract: boolean): string | number {
  if (abstract) return name.key;
  const space = ns.pathSpace;
  if (space !== null && space.mayHold(lastComponent(name.key))) {
    const canonical = canonicalPath(name.key);
    if (canonical !== null && space.has(canonical)) return pathKey(space.fileOf(canonical));
  }
  return pathKey(name.key);
}

/** A socket's name as getsockname reports it (an unnamed socket: just the family). */
function putSockaddrUn(out: SockAddr, name: UnixName | null): void {
  const b = out.buf;
  b.fill(0, 0, SOCKADDR_UN_SIZE);
  b.writeUInt16LE(AF_UNIX, 0);
  if (name === null) {
    out.len = 2;
    return;
  }
  b.set(name.addr, 2);
  out.len = 2 + name.addr.length;
}

/** A received message's source: the sender's name, or nothing at all (length 0) when it has none. */
function putSource(out: SockAddr, addr: Uint8Array | null): void {
  if (addr === null) {
    out.len = 0;
    return;
  }
  out.buf.writeUInt16LE(AF_UNIX, 0);
  out.buf.set(addr, 2);
  out.len = 2 + addr.length;
}

/** The SCM_RIGHTS files of a send, moved into the message that carries them. */
function takeRights(m: UserMsg): unknown[] | null {
  if (m.rights.length === 0) return null;
  const r = m.rights;
  m.rights = [];
  return r;
}

export class UnixFile extends PlainBufferSocketFile {
  readonly domain = AF_UNIX;
  readonly protocol = 0;
  readonly sock: UnixSocket;

  constructor(
    readonly type: number,
    sockOrStack: UnixSocket | NetworkStack,
    cred: UnixCred | null,
  ) {
    super();
    if (sockOrStack instanceof UnixSocket) {
      this.sock = sockOrStack;
      this.sock.notifier = this.watchers;
    } else {
      this.sock = new UnixSocket(unixKind(type) as UnixKind, sockOrStack.unix, this.watchers, cred as UnixCred);
    }
  }

  poll(): number {
    return this.sock.poll();
  }

  release(): void {
    this.sock.close();
  }

  override get listening(): boolean {
    return this.sock.state === 'listening';
  }

  override bind(t: Thread, a: SockAddr, k: Kernel): number {
    const r = checkSockaddrUn(a);
    if (r < 0) return r;
    if (a.family !== AF_UNIX) return -E.EINVAL;
    const name = unixName(t, a, this.sock.kind);
    if (name === null) return this.sock.name !== null ? -E.EINVAL : this.sock.autobind();
    if (isAbstract(a)) return this.sock.bind(name);
    if (this.sock.name !== null) return -E.EINVAL;
    const made = makeSocketFile(k, t, name);
    return typeof made === 'number' ? made : this.sock.bind(made, true);
  }

  /** -EAGAIN: the listener's backlog is full, wait for room. */
  override connect(t: Thread, a: SockAddr): number {
    const r = checkSockaddrUn(a);
    if (r < 0) return r;
    const s = this.sock;
    if (s.kind === 'dgram' && a.family === AF_UNSPEC) {
      s.disconnectDgram();
      return 0;
    }
    if (a.family !== AF_UNIX) return -E.EINVAL;
    const name = unixName(t, a, s.kind);
    if (name === null) return -E.EINVAL;
    const key = lookupKey(s.ns, name, isAbstract(a));
    const target = typeof key === 'string' ? s.ns.lookup(key) : undefined;
    const missing = typeof key === 'number' ? key : E.ECONNREFUSED;
    if (s.kind === 'dgram') return s.connectDgram(target, missing);
    // Linux takes the peer credentials at connect, from whoever the caller is by then.
    s.cred = credOf(t);
    return s.connectTo(target, missing);
  }

  override listen(backlog: number): number {
    return this.sock.listen(backlog);
  }

  override accept(): SocketFile | number {
    const r = this.sock.accept();
    if (typeof r === 'number') return r;
    return new UnixFile(this.type, r, null);
  }

  override shutdown(how: number): number {
    if (how < 0 || how > 2) return -E.EINVAL;
    this.sock.shutdown(how !== 1, how !== 0);
    return 0;
  }

  sendMsg(k: Kernel, t: Thread, m: UserMsg, flags: number): number {
    if ((flags & MSG_OOB) !== 0) return -E.EOPNOTSUPP;
    const s = this.sock;
    if (s.kind === 'dgram') return this.sendDgram(k, t, m);
    if (s.kind === 'stream' && m.hasDest && m.dest.len !== 0) {
      return s.state === 'connected' ? -E.EISCONN : -E.EOPNOTSUPP;
    }
    // Seqpacket ignores a destination, like Linux.
    let done = m.resumeFrom;
    m.progressed = done;
    for (;;) {
      const room = s.streamRoom();
      if (room < 0) {
        if (room === -E.EAGAIN) return -E.EAGAIN;
        if (done > 0) return done;
        if (room === -E.EPIPE && (flags & MSG_NOSIGNAL) === 0) k.deliverSignal(t.process, SIGPIPE);
        return room;
      }
      if (s.kind === 'seqpacket') {
        if (m.total > s.sndBuf) return -E.EMSGSIZE;
        if (m.total > room) return -E.EAGAIN; // a record goes whole or not at all
        const data = m.gather(k, t, 0, m.total);
        if (data === null) return -E.EFAULT;
        s.streamSend(data, takeRights(m));
        return m.total;
      }
      if (done >= m.total) return m.total;
      const n = Math.min(room, m.total - done);
      const data = m.gather(k, t, done, n);
      if (data === null) return done > 0 ? done : -E.EFAULT;
      s.streamSend(data, done === 0 ? takeRights(m) : null);
      done += n;
      m.progressed = done;
      if (done >= m.total) return m.total;
    }
  }

  private sendDgram(k: Kernel, t: Thread, m: UserMsg): number {
    const s = this.sock;
    let to: UnixSocket | undefined;
    if (m.hasDest && m.dest.len !== 0) {
      const a = m.dest;
      const r = checkSockaddrUn(a);
      if (r < 0) return r;
      const name = a.family === AF_UNIX ? unixName(t, a, 'dgram') : null;
      if (name === null) return -E.EINVAL;
      const key = lookupKey(s.ns, name, isAbstract(a));
      if (typeof key === 'number') return -key;
      to = s.ns.lookup(key);
      if (!to) return -E.ECONNREFUSED;
    } else {
      if (s.peer === null) return -E.ENOTCONN;
      to = s.peer;
    }
    if (m.total > s.sndBuf) return -E.EMSGSIZE;
    const data = m.gather(k, t, 0, m.total);
    if (data === null) return -E.EFAULT;
    const rights = takeRights(m);
    const r = s.dgramSend(to, data, rights);
    if (r < 0 && rights !== null) m.rights = rights as FileObject[]; // not sent: sendmsg drops them
    return r < 0 ? r : m.total;
  }

  recvMsg(k: Kernel, t: Thread, m: UserMsg, flags: number): number {
    if ((flags & MSG_OOB) !== 0) return -E.EOPNOTSUPP;
    const s = this.sock;
    if (s.kind !== 'stream') {
      const msg = s.rx.peek();
      if (!msg) return s.emptyReadResult();
      const size = msg.data.length;
      const n = size < m.total ? size : m.total;
      if (n > 0 && m.scatter(k, t, 0, msg.data, 0, n) < 0) return -E.EFAULT;
      putSource(
        m.src,
        s.kind === 'dgram' ? msg.from : s.peer !== null && s.peer.name !== null ? s.peer.name.addr : null,
      );
      if ((flags & MSG_PEEK) === 0) {
        m.rightsOut = msg.rights as FileObject[] | null;
        msg.rights = null;
        s.consume(0, true);
      }
      if (size > m.total) m.outFlags |= MSG_TRUNC;
      return (flags & MSG_TRUNC) !== 0 ? size : n;
    }
    // Stream: MSG_WAITALL keeps filling the buffer across restarts.
    const waitAll = (flags & MSG_WAITALL) !== 0 && (flags & MSG_PEEK) === 0;
    let done = waitAll ? m.resumeFrom : 0;
    m.progressed = done;
    putSource(m.src, s.peer !== null && s.peer.name !== null ? s.peer.name.addr : null);
    if (s.rx.length === 0) {
      const r = s.emptyReadResult();
      if (r === -E.EAGAIN) return -E.EAGAIN;
      return done > 0 ? done : r;
    }
    let copied = 0;
    const want = m.total - done;
    for (let i = 0; i < s.rx.length && copied < want; i++) {
      const msg = s.rx.at(i);
      // Passed files arrive with the first byte of the write that carried them; a read stops there.
      if (msg.rights !== null && copied > 0) break;
      if (msg.rights !== null && (flags & MSG_PEEK) === 0) {
        m.rightsOut = msg.rights as FileObject[];
        msg.rights = null;
      }
      const avail = msg.data.length - msg.off;
      const n = Math.min(avail, want - copied);
      if (m.scatter(k, t, done + copied, msg.data, msg.off, n) < 0)
        return done + copied > 0 ? done + copied : -E.EFAULT;
      copied += n;
    }
    if ((flags & MSG_PEEK) === 0) s.consume(copied, false);
    done += copied;
    if (waitAll && done < m.total && s.rx.length === 0 && !s.rcvShut && s.error === 0) {
      m.progressed = done;
      return -E.EAGAIN;
    }
    return done;
  }

  sockName(peer: boolean, out: SockAddr): number {
    const s = this.sock;
    if (peer) {
      if (s.peer === null || s.state !== 'connected') return -E.ENOTCONN;
      putSockaddrUn(out, s.peer.name);
    } else {
      putSockaddrUn(out, s.name);
    }
    return 0;
  }

  readableBytes(): number {
    return this.sock.readableBytes;
  }

  override unsentBytes(): number {
    const p = this.sock.peer;
    return this.sock.connectionOriented && p !== null ? p.rxBytes : 0;
  }

  // ------------------------------------------------------------- options

  protected override peerCred(out: DataView): void {
    const c = this.sock.peerCred;
    if (c === null) {
      super.peerCred(out);
      return;
    }
    out.setInt32(0, c.pid, true);
    out.setInt32(4, c.uid, true);
    out.setInt32(8, c.gid, true);
  }
}
