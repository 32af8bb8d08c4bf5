// ioctl request numbers (x86-64) that emulated descriptors answer: the generic
// file ones, the queue sizes of pipes and sockets, and the terminal and
// network-interface requests programs commonly issue.

// Generic file requests.
export const FIONREAD = 0x541b;
export const FIONBIO = 0x5421;
export const FIONCLEX = 0x5450;
export const FIOCLEX = 0x5451;
export const FIOASYNC = 0x5452;

// Terminals.
export const TCGETS = 0x5401;
export const TIOCGPGRP = 0x540f;
export const TIOCOUTQ = 0x5411;
export const TIOCGWINSZ = 0x5413;

// Socket queue sizes: SIOCINQ is FIONREAD, SIOCOUTQ is TIOCOUTQ.
export const SIOCINQ = FIONREAD;
export const SIOCOUTQ = TIOCOUTQ;
export const SIOCATMARK = 0x8905;
export const SIOCOUTQNSD = 0x894b;

// Network interfaces (struct ifreq / ifconf).
export const SIOCGIFNAME = 0x8910;
export const SIOCGIFCONF = 0x8912;
export const SIOCGIFFLAGS = 0x8913;
export const SIOCGIFADDR = 0x8915;
export const SIOCGIFBRDADDR = 0x8919;
export const SIOCGIFNETMASK = 0x891b;
export const SIOCGIFMTU = 0x8921;
export const SIOCGIFHWADDR = 0x8927;
export const SIOCGIFINDEX = 0x8933;
