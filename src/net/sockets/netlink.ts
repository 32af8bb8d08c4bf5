// AF_NETLINK NETLINK_ROUTE socket files: requests sent to the kernel (port 0)
// are answered at once from net/netlink.ts and queued as datagrams to read
// back; port ids are unique per host (the stack's netlinkPorts).
import type { Thread } from '../../host/thread';
import { E } from '../../abi/errno';
import { AF_NETLINK, MSG_PEEK, MSG_TRUNC, SOCKADDR_NL_SIZE, SOL_NETLINK } from '../../abi/socket';
import type { Kernel } from '../../kernel/kernel';
import { ArrayQueue } from '../../core/array-queue';
import { rtnetlinkAnswer } from '../netlink';
import { Ready, type NetworkStack } from '../stack';
import { nlGroups, nlPid, putSockaddrNl, type SockAddr } from './address';
import type { UserMsg } from './message';
import type { OptValue } from './option';
import { SocketFile } from './socket-file';

/** Linux's net.core.{w,r}mem_default: a netlink socket's buffers until set. */
const DEFAULT_BUF_BYTES = 212992;

export class NetlinkFile extends SocketFile {
  readonly domain = AF_NETLINK;
  readonly protocol: number;
  private portId = 0;
  private groups = 0;
  private readonly rq = new ArrayQueue<Uint8Array>();
  private rqBytes = 0;
  private rcvBuf = DEFAULT_BUF_BYTES;
  private sndBuf = DEFAULT_BUF_BYTES;

  constructor(
    readonly type: number,
    protocol: number,
    private readonly stack: NetworkStack,
    private readonly pid: number,
  ) {
    super();
    this.protocol = protocol;
  }

  poll(): number {
    return (this.rq.length > 0 ? Ready.IN : 0) | Ready.OUT;
  }

  release(): void {
    if (this.portId !== 0) this.stack.netlinkPorts.delete(this.portId);
    this.rq.clear();
  }

  /** Linux gives the first socket of a process its pid, later ones unique negative ids. */
  private autobind(): void {
    if (this.portId !== 0) return;
    this.portId = this.stack.claimNetlinkPort(this.pid);
  }

  override bind(_t: Thread, a: SockAddr): number {
    if (a.len < SOCKADDR_NL_SIZE) return -E.EINVAL;
    if (a.family !== AF_NETLINK) return -E.EINVAL;
    const want = nlPid(a);
    this.groups = nlGroups(a);
    if (want === 0 || want === this.portId) {
      this.autobind();
      return 0;
    }
    if (this.portId !== 0) return -E.EINVAL;
    const ports = this.stack.netlinkPorts;
    if (ports.has(want)) return -E.EADDRINUSE;
    this.portId = want;
    ports.add(want);
    return 0;
  }

  override connect(_t: Thread, a: SockAddr): number {
    if (a.len < SOCKADDR_NL_SIZE) return -E.EINVAL;
    if (a.family !== AF_NETLINK) return -E.EINVAL;
    this.autobind();
    return 0;
  }

  sendMsg(k: Kernel, t: Thread, m: UserMsg, _flags: number): number {
    if (m.hasDest && m.dest.len !== 0) {
      const a = m.dest;
      if (a.len < SOCKADDR_NL_SIZE) return -E.EINVAL;
      if (a.family !== AF_NETLINK) return -E.EINVAL;
      // Only the kernel (port 0) answers; other processes' netlink sockets are not modelled.
      if (nlPid(a) !== 0) return -E.ECONNREFUSED;
    }
    if (m.total > this.sndBuf) return -E.EMSGSIZE;
    this.autobind();
    const data = m.gather(k, t, 0, m.total);
    if (data === null) return -E.EFAULT;
    const ip6 = this.stack.ip6;
    let ip6Bytes: Uint8Array | null = null;
    if (ip6 !== 0) this.stack.ip6Table.write(ip6, (ip6Bytes = new Uint8Array(16)), 0);
    for (const reply of rtnetlinkAnswer(data, this.portId, t.process.host.ip, ip6Bytes)) {
      this.rq.push(reply);
      this.rqBytes += reply.length;
    }
    if (this.rq.length > 0) this.watchers.notify();
    return m.total;
  }

  recvMsg(k: Kernel, t: Thread, m: UserMsg, flags: number): number {
    const msg = this.rq.peek();
    if (msg === undefined) return -E.EAGAIN;
    const size = msg.length;
    const n = size < m.total ? size : m.total;
    if (n > 0 && m.scatter(k, t, 0, msg, 0, n) < 0) return -E.EFAULT;
    putSockaddrNl(m.src, 0, 0); // from the kernel
    if ((flags & MSG_PEEK) === 0) {
      this.rq.shift();
      this.rqBytes -= size;
    }
    if (size > m.total) m.outFlags |= MSG_TRUNC;
    return (flags & MSG_TRUNC) !== 0 ? size : n;
  }

  sockName(peer: boolean, out: SockAddr): number {
    if (peer) putSockaddrNl(out, 0, 0);
    else putSockaddrNl(out, this.portId, this.groups);
    return 0;
  }

  readableBytes(): number {
    return this.rqBytes;
  }

  // ------------------------------------------------------------- options

  protected takeError(): number {
    return 0;
  }

  protected sndBufBytes(): number {
    return this.sndBuf;
  }

  protected setSndBufBytes(bytes: number): void {
    this.sndBuf = bytes;
  }

  protected rcvBufBytes(): number {
    return this.rcvBuf;
  }

  protected setRcvBufBytes(bytes: number): void {
    this.rcvBuf = bytes;
  }

  protected override setLevelOption(level: number, name: number, v: number, val: OptValue): number {
    if (level !== SOL_NETLINK) return -E.ENOPROTOOPT;
    if (val.len < 4) return -E.EINVAL;
    this.storeOpt(level, name, v); // NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK ...: accepted
    return 0;
  }

  protected override getLevelOption(level: number, name: number, out: DataView): number {
    if (level !== SOL_NETLINK) return -E.ENOPROTOOPT;
    out.setInt32(0, this.storedOpt(level, name, 0), true);
    return 4;
  }
}
