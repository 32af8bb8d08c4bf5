// epoll and poll event bits, epoll_ctl operations and the layout of struct
// epoll_event (x86-64). poll's POLL* bits share the values of their EPOLL* twins.

export const EPOLLIN = 0x001;
export const EPOLLPRI = 0x002;
export const EPOLLOUT = 0x004;
export const EPOLLERR = 0x008;
export const EPOLLHUP = 0x010;
/** poll only: the descriptor is not open. */
export const POLLNVAL = 0x020;
export const EPOLLRDNORM = 0x040;
export const EPOLLRDBAND = 0x080;
export const EPOLLWRNORM = 0x100;
export const EPOLLWRBAND = 0x200;
export const EPOLLRDHUP = 0x2000;

// Flags that steer epoll itself rather than name events.
export const EPOLLEXCLUSIVE = 1 << 28;
export const EPOLLWAKEUP = 1 << 29;
export const EPOLLONESHOT = 1 << 30;
/** Bit 31: written as a power of two so it stays a positive number. */
export const EPOLLET = 2 ** 31;

export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLL_CTL_MOD = 3;

/** sizeof(struct epoll_event): packed on x86-64, u32 events then u64 data. */
export const EPOLL_EVENT_SIZE = 12;
