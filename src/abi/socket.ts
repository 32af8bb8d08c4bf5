// Linux socket constants (x86-64): address families, socket types, option
// levels and names, message flags, control messages and the socket ioctls.
// Values from include/linux/socket.h, asm-generic/socket.h, linux/in.h, linux/tcp.h.

// ------------------------------------------------------------ address families

export const AF_UNSPEC = 0,
  AF_UNIX = 1,
  AF_INET = 2,
  AF_INET6 = 10,
  AF_NETLINK = 16,
  AF_PACKET = 17;

// ---------------------------------------------------------------- socket types

export const SOCK_STREAM = 1,
  SOCK_DGRAM = 2,
  SOCK_RAW = 3,
  SOCK_SEQPACKET = 5;
/** The bits of socket(2)'s type that name the type; the others are flags. */
export const SOCK_TYPE_MASK = 0xf;
/** Equal to O_NONBLOCK and O_CLOEXEC. */
export const SOCK_NONBLOCK = 0o4000,
  SOCK_CLOEXEC = 0o2000000;

// ------------------------------------------------------------------- protocols

export const IPPROTO_IP = 0,
  IPPROTO_TCP = 6,
  IPPROTO_UDP = 17,
  IPPROTO_IPV6 = 41;
export const NETLINK_ROUTE = 0;

// ---------------------------------------------------------------- option levels

export const SOL_SOCKET = 1,
  SOL_NETLINK = 270;

// ------------------------------------------------------------ SOL_SOCKET names

export const SO_DEBUG = 1,
  SO_REUSEADDR = 2,
  SO_TYPE = 3,
  SO_ERROR = 4,
  SO_DONTROUTE = 5,
  SO_BROADCAST = 6,
  SO_SNDBUF = 7,
  SO_RCVBUF = 8,
  SO_KEEPALIVE = 9,
  SO_OOBINLINE = 10,
  SO_NO_CHECK = 11,
  SO_PRIORITY = 12,
  SO_LINGER = 13,
  SO_REUSEPORT = 15,
  SO_PASSCRED = 16,
  SO_PEERCRED = 17,
  SO_RCVLOWAT = 18,
  SO_SNDLOWAT = 19,
  SO_RCVTIMEO_OLD = 20,
  SO_SNDTIMEO_OLD = 21,
  SO_BINDTODEVICE = 25,
  SO_ATTACH_FILTER = 26,
  SO_DETACH_FILTER = 27,
  SO_TIMESTAMP = 29,
  SO_ACCEPTCONN = 30,
  SO_PEERSEC = 31,
  SO_SNDBUFFORCE = 32,
  SO_RCVBUFFORCE = 33,
  SO_TIMESTAMPNS = 35,
  SO_MARK = 36,
  SO_PROTOCOL = 38,
  SO_DOMAIN = 39,
  SO_RXQ_OVFL = 40,
  SO_PEEK_OFF = 42,
  SO_BUSY_POLL = 46,
  SO_INCOMING_CPU = 49,
  SO_ZEROCOPY = 60,
  SO_RCVTIMEO_NEW = 66,
  SO_SNDTIMEO_NEW = 67;

// ------------------------------------------------------------ IPPROTO_IP names

export const IP_TOS = 1,
  IP_TTL = 2,
  IP_OPTIONS = 4,
  IP_MTU_DISCOVER = 10,
  IP_RECVERR = 11,
  IP_MTU = 14,
  IP_MULTICAST_TTL = 33,
  IP_MULTICAST_LOOP = 34;
export const IP_PMTUDISC_WANT = 1;

// ----------------------------------------------------------- IPPROTO_TCP names

export const TCP_NODELAY = 1,
  TCP_MAXSEG = 2,
  TCP_CORK = 3,
  TCP_KEEPIDLE = 4,
  TCP_KEEPINTVL = 5,
  TCP_KEEPCNT = 6,
  TCP_SYNCNT = 7,
  TCP_LINGER2 = 8,
  TCP_DEFER_ACCEPT = 9,
  TCP_WINDOW_CLAMP = 10,
  TCP_INFO = 11,
  TCP_QUICKACK = 12,
  TCP_CONGESTION = 13,
  TCP_USER_TIMEOUT = 18,
  TCP_FASTOPEN = 23,
  TCP_NOTSENT_LOWAT = 25,
  TCP_FASTOPEN_CONNECT = 30;

// ------------------------------------------------------------------ MSG flags

export const MSG_OOB = 0x1,
  MSG_PEEK = 0x2,
  MSG_CTRUNC = 0x8,
  MSG_TRUNC = 0x20,
  MSG_DONTWAIT = 0x40,
  MSG_EOR = 0x80,
  MSG_WAITALL = 0x100,
  MSG_ERRQUEUE = 0x2000,
  MSG_NOSIGNAL = 0x4000,
  MSG_MORE = 0x8000,
  MSG_WAITFORONE = 0x10000,
  MSG_CMSG_CLOEXEC = 0x40000000;

// ------------------------------------------------------------ control messages

export const SCM_RIGHTS = 1;
/** sizeof(struct cmsghdr): cmsg_len (8), cmsg_level (4), cmsg_type (4). */
export const CMSGHDR_SIZE = 16;

// -------------------------------------------------------------------- structs

/** sizeof(struct msghdr) and sizeof(struct mmsghdr). */
export const MSGHDR_SIZE = 56,
  MMSGHDR_SIZE = 64;
/** sizeof(struct sockaddr_storage): the longest address a call takes. */
export const SOCKADDR_MAX = 128;
/** sizeof(struct sockaddr_in), sizeof(struct sockaddr_nl). */
export const SOCKADDR_IN_SIZE = 16,
  SOCKADDR_NL_SIZE = 12;
/** sun_path's size, and sizeof(struct sockaddr_un). */
export const SUN_PATH_MAX = 108,
  SOCKADDR_UN_SIZE = 2 + SUN_PATH_MAX;
/** UIO_MAXIOV: the most iovecs one call may pass. */
export const IOV_MAX = 1024;
/** MAX_RW_COUNT: the most bytes one read or write transfers. */
export const MAX_RW_COUNT = 0x7ffff000;

// --------------------------------------------------------------------- ioctls

export const FIONREAD = 0x541b,
  SIOCOUTQ = 0x5411,
  SIOCATMARK = 0x8905,
  SIOCOUTQNSD = 0x894b;
export const SIOCGIFNAME = 0x8910,
  SIOCGIFCONF = 0x8912,
  SIOCGIFFLAGS = 0x8913,
  SIOCGIFADDR = 0x8915,
  SIOCGIFBRDADDR = 0x8919,
  SIOCGIFNETMASK = 0x891b,
  SIOCGIFMTU = 0x8921,
  SIOCGIFHWADDR = 0x8927,
  SIOCGIFINDEX = 0x8933;
/** sizeof(struct ifreq). */
export const IFREQ_SIZE = 40;

// ------------------------------------------------------------ IPPROTO_IPV6 names (linux/in6.h)

export const IPV6_UNICAST_HOPS = 16,
  IPV6_MULTICAST_HOPS = 18,
  IPV6_MTU_DISCOVER = 23,
  IPV6_MTU = 24,
  IPV6_RECVERR = 25,
  IPV6_V6ONLY = 26,
  IPV6_RECVPKTINFO = 49,
  IPV6_PKTINFO = 50,
  IPV6_TCLASS = 67;
/** sizeof(struct sockaddr_in6), and the shorter RFC 2133 form Linux still accepts (no sin6_scope_id). */
export const SOCKADDR_IN6_SIZE = 28,
  SOCKADDR_IN6_MIN = 24;
