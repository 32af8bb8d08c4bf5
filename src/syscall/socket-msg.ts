// The user memory of the socket calls: sockaddrs copied in and out, struct
// msghdr (and the msghdr of each mmsghdr), SCM_RIGHTS control messages in
// both directions, and setsockopt values. Handlers in socket.ts use these to
// fill in what a socket file is given (net/sockets) and to copy results out.
import type { FileObject } from '../host/fd-table';
import { E } from '../abi/errno';
import {
  CMSGHDR_SIZE,
  IOV_MAX,
  IPPROTO_IPV6,
  IPV6_PKTINFO,
  MSG_CMSG_CLOEXEC,
  MSG_CTRUNC,
  MSGHDR_SIZE,
  SCM_RIGHTS,
  SOCKADDR_MAX,
  SOL_SOCKET,
} from '../abi/socket';
import type { SyscallCall } from '../kernel/call';
import { type SimFile } from '../files/file';
import { installFile, nativeFdOpen } from '../files/descriptors';
import type { SockAddr } from '../net/sockets/address';
import type { UserMsg } from '../net/sockets/message';
import { OPTVAL_BYTES, type OptValue } from '../net/sockets/option';

const TWO32 = 4294967296;
/** The most control data sendmsg looks at. */
const CONTROL_MAX = 4096;
/** Linux's SCM_MAX_FD: the most descriptors one SCM_RIGHTS message may carry. */
const SCM_MAX_FD = 253;

// struct msghdr field offsets.
const MSG_NAME = 0,
  MSG_NAMELEN = 8,
  MSG_IOV = 16,
  MSG_IOVLEN = 24,
  MSG_CONTROL = 32,
  MSG_CONTROLLEN = 40,
  MSG_FLAGS = 48;

/** Copies a sockaddr of `len` bytes from the caller into `a` (Linux's move_addr_to_kernel). Returns 0 or -errno. */
export function copyInAddr(c: SyscallCall, a: SockAddr, addr: number, len: number): number {
  if (len < 0 || len > SOCKADDR_MAX) return -E.EINVAL;
  a.len = len;
  if (len === 0) return 0;
  return c.k.mem.readBuf(c.t.process.nativePid, addr, a.buf, 0, len) === len ? 0 : -E.EFAULT;
}

/** Copies `a` to a caller's (addr, *lenAddr) pair: truncated to the buffer, the full length reported. */
export function copyOutAddr(c: SyscallCall, a: SockAddr, addr: number, lenAddr: number): number {
  const mem = c.k.mem;
  const pid = c.t.process.nativePid;
  const cap = mem.readU32(pid, lenAddr);
  if (cap === null) return -E.EFAULT;
  if ((cap | 0) < 0) return -E.EINVAL;
  const n = Math.min(cap, a.len);
  if (n > 0 && mem.writeBuf(pid, addr, a.buf, 0, n) !== n) return -E.EFAULT;
  return mem.writeU32(pid, lenAddr, a.len) ? 0 : -E.EFAULT;
}

/**
 * Reads struct msghdr at addr into m: iovecs, and the name (copied in for a
 * send; for a receive only where the source goes) and the control buffer.
 * Returns 0 or -errno.
 */
export function loadMsghdr(c: SyscallCall, addr: number, m: UserMsg, sending: boolean): number {
  const mem = c.k.mem;
  if (mem.read(c.t.process.nativePid, addr, MSGHDR_SIZE) !== MSGHDR_SIZE) return -E.EFAULT;
  const dv = mem.view();
  const nameAddr = dv.getUint32(MSG_NAME + 4, true) * TWO32 + dv.getUint32(MSG_NAME, true);
  const nameLen = dv.getInt32(MSG_NAMELEN, true);
  const iovAddr = dv.getUint32(MSG_IOV + 4, true) * TWO32 + dv.getUint32(MSG_IOV, true);
  const iovLen = dv.getUint32(MSG_IOVLEN + 4, true) * TWO32 + dv.getUint32(MSG_IOVLEN, true);
  const controlAddr = dv.getUint32(MSG_CONTROL + 4, true) * TWO32 + dv.getUint32(MSG_CONTROL, true);
  const controlLen = dv.getUint32(MSG_CONTROLLEN + 4, true) * TWO32 + dv.getUint32(MSG_CONTROLLEN, true);
  if (iovLen > IOV_MAX) return -E.EMSGSIZE;
  m.clearExtras();
  const r = m.load(c.k, c.t, iovAddr, iovLen);
  if (r < 0) return r;
  if (nameAddr !== 0 && nameLen < 0) return -E.EINVAL;
  const clamped = nameAddr !== 0 ? Math.min(nameLen, SOCKADDR_MAX) : 0; // Linux clamps to sockaddr_storage
  if (sending) {
    if (nameAddr !== 0) {
      const rn = copyInAddr(c, m.dest, nameAddr, clamped);
      if (rn < 0) return rn;
      m.hasDest = true;
    }
  } else {
    m.nameAddr = nameAddr;
    m.nameLen = clamped;
  }
  m.controlAddr = controlAddr;
  m.controlLen = controlLen;
  return 0;
}

/**
 * sendmsg's control messages: on a unix socket, SCM_RIGHTS passes open
 * emulated files (each keeps a reference while in flight, in m.rights); a
 * descriptor that is not open fails the send with EBADF, as Linux's
 * scm_fp_copy. Other sockets ignore SCM_RIGHTS, as Linux's inet sockets do.
 */
export function loadRights(c: SyscallCall, m: UserMsg, unixSocket: boolean): number {
  if (m.controlAddr === 0 || m.controlLen < CMSGHDR_SIZE) return 0;
  const { k, t } = c;
  const len = Math.min(m.controlLen, CONTROL_MAX);
  const buf = Buffer.alloc(len);
  if (k.mem.readBuf(t.process.nativePid, m.controlAddr, buf, 0, len) !== len) return -E.EFAULT;
  let off = 0;
  while (off + CMSGHDR_SIZE <= len) {
    const cmsgLen = buf.readUInt32LE(off);
    if (cmsgLen < CMSGHDR_SIZE || off + cmsgLen > len) return -E.EINVAL;
    if (unixSocket && buf.readInt32LE(off + 8) === SOL_SOCKET && buf.readInt32LE(off + 12) === SCM_RIGHTS) {
      if ((cmsgLen - CMSGHDR_SIZE) >> 2 > SCM_MAX_FD) return -E.EINVAL;
      for (let i = off + CMSGHDR_SIZE; i + 4 <= off + cmsgLen; i += 4) {
        const fd = buf.readInt32LE(i);
        const d = t.process.fds.get(fd);
        if (!d) {
          if (!nativeFdOpen(k, t, fd)) return -E.EBADF; // the caller drops what was taken so far
          // A native fd (a regular file) cannot be handed to another native process here.
          if (!t.process.warned.has(-SCM_RIGHTS)) {
            t.process.warned.add(-SCM_RIGHTS);
            k.log.warn(
              t.process.host.name,
              `${t.process.name}: SCM_RIGHTS passes only emulated descriptors ` +
                `(sockets, pipes, eventfds …); fd ${fd} was left out`,
            );
          }
          continue;
        }
        d.file.refs++;
        m.rights.push(d.file);
      }
    }
    off += (cmsgLen + 7) & ~7;
  }
  return 0;
}

/** Drops the in-flight reference of files a send did not take (nothing sent, or not a unix socket). */
export function dropRights(m: UserMsg): void {
  for (const f of m.rights) unref(f);
  m.rights = [];
}

function unref(f: FileObject): void {
  f.refs--;
  if (f.refs === 0) f.release();
}

/**
 * A receive's SCM_RIGHTS: gives the files that arrived descriptors (close-on-exec
 * with MSG_CMSG_CLOEXEC in `flags`) and writes the control message. Returns the
 * control length written, or -errno.
 */
function deliverRights(c: SyscallCall, m: UserMsg, flags: number): number {
  const files = m.rightsOut;
  m.rightsOut = null;
  if (files === null || files.length === 0) return 0;
  const { k, t } = c;
  const need = CMSGHDR_SIZE + 4 * files.length;
  const cloexec = (flags & MSG_CMSG_CLOEXEC) !== 0;
  const fds: number[] = [];
  if (m.controlAddr !== 0 && m.controlLen >= need) {
    for (const f of files) {
      const fd = installFile(k, t, f as SimFile, cloexec);
      if (fd >= 0) fds.push(fd);
    }
  } else {
    m.outFlags |= MSG_CTRUNC;
  }
  for (const f of files) unref(f);
  if (fds.length === 0) return 0;
  const cmsgLen = CMSGHDR_SIZE + 4 * fds.length;
  const out = Buffer.alloc(cmsgLen);
  out.writeUInt32LE(cmsgLen, 0);
  out.writeInt32LE(SOL_SOCKET, 8);
  out.writeInt32LE(SCM_RIGHTS, 12);
  fds.forEach((fd, i) => out.writeInt32LE(fd, CMSGHDR_SIZE + 4 * i));
  if (k.mem.writeBuf(t.process.nativePid, m.controlAddr, out, 0, cmsgLen) !== cmsgLen) return -E.EFAULT;
  return (cmsgLen + 7) & ~7;
}

/** IPV6_PKTINFO after `used` bytes of control data: its space, 0 (MSG_CTRUNC) when it does not fit, or -errno. */
function deliverPktInfo(c: SyscallCall, m: UserMsg, used: number): number {
  const cmsgLen = CMSGHDR_SIZE + m.pktInfoBytes.length;
  if (m.controlAddr === 0 || m.controlLen - used < cmsgLen) {
    m.outFlags |= MSG_CTRUNC;
    return 0;
  }
  const out = Buffer.alloc(cmsgLen);
  out.writeUInt32LE(cmsgLen, 0);
  out.writeInt32LE(IPPROTO_IPV6, 8);
  out.writeInt32LE(IPV6_PKTINFO, 12);
  m.pktInfoBytes.copy(out, CMSGHDR_SIZE);
  const { k, t } = c;
  if (k.mem.writeBuf(t.process.nativePid, m.controlAddr + used, out, 0, cmsgLen) !== cmsgLen) return -E.EFAULT;
  return (cmsgLen + 7) & ~7;
}

/**
 * After a receive into the msghdr at addr: the source address and
 * msg_namelen, the SCM_RIGHTS and IPV6_PKTINFO control messages and
 * msg_controllen (no other control data is ever returned), msg_flags.
 * `flags`: the call's flags.
 */
export function finishMsghdr(c: SyscallCall, addr: number, m: UserMsg, flags: number): number {
  const mem = c.k.mem;
  const pid = c.t.process.nativePid;
  const src = m.src;
  if (m.nameAddr !== 0) {
    const n = Math.min(m.nameLen, src.len);
    if (n > 0 && mem.writeBuf(pid, m.nameAddr, src.buf, 0, n) !== n) return -E.EFAULT;
    if (!mem.writeU32(pid, addr + MSG_NAMELEN, src.len)) return -E.EFAULT;
  } else if (!mem.writeU32(pid, addr + MSG_NAMELEN, 0)) {
    return -E.EFAULT;
  }
  const rights = deliverRights(c, m, flags);
  if (rights < 0) return rights;
  const pktInfo = m.pktInfo ? deliverPktInfo(c, m, rights) : 0;
  if (pktInfo < 0) return pktInfo;
  const control = rights + pktInfo;
  if (!mem.writeI64(pid, addr + MSG_CONTROLLEN, control)) return -E.EFAULT;
  return mem.writeI32(pid, addr + MSG_FLAGS, m.outFlags) ? 0 : -E.EFAULT;
}

/** Reads a setsockopt value into v: its length, and its first bytes unless NULL or unreadable. */
export function loadOptValue(c: SyscallCall, v: OptValue, addr: number, len: number): void {
  v.len = len;
  v.isNull = addr === 0;
  const n = Math.min(Math.max(len, 0), OPTVAL_BYTES);
  v.fault = v.isNull || (n > 0 && c.k.mem.readBuf(c.t.process.nativePid, addr, v.bytes, 0, n) !== n);
}
