// Open-file flags (O_*), fcntl commands (F_*) and descriptor flags (FD_*) of
// Linux x86-64: the values open, pipe2, fcntl and the *fd creation calls take.

// Access modes (the low two bits of the open flags).
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_ACCMODE = 3;

// Creation and status flags (octal, as in the kernel headers).
export const O_CREAT = 0o100;
/** O_TMPFILE includes O_DIRECTORY, as Linux defines it. */
export const O_TMPFILE = 0o20200000;
/** Also the bit pipe2 reads as O_NOTIFICATION_PIPE (watch-queue pipes). */
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
/** FASYNC: SIGIO on readiness. */
export const O_ASYNC = 0o20000;
/** On a pipe: packet mode (each write is one record). */
export const O_DIRECT = 0o40000;
export const O_NOATIME = 0o1000000;
export const O_CLOEXEC = 0o2000000;

/** The status flags F_SETFL may change (Linux's SETFL_MASK). */
export const SETFL_MASK = O_APPEND | O_ASYNC | O_NONBLOCK | O_DIRECT | O_NOATIME;

// fcntl commands.
export const F_DUPFD = 0;
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const F_SETOWN = 8;
export const F_GETOWN = 9;
export const F_SETSIG = 10;
export const F_GETSIG = 11;
export const F_DUPFD_CLOEXEC = 1030;
export const F_SETPIPE_SZ = 1031;
export const F_GETPIPE_SZ = 1032;

/** The one descriptor flag (F_GETFD / F_SETFD). */
export const FD_CLOEXEC = 1;

/** close_range(2) flags. */
export const CLOSE_RANGE_UNSHARE = 1 << 1;
export const CLOSE_RANGE_CLOEXEC = 1 << 2;

/** The *at() calls' "relative to the working directory" descriptor. */
export const AT_FDCWD = -100;
/** open(2): do not follow a final symlink; open only a path handle. */
export const O_NOFOLLOW = 0o400000;
export const O_PATH = 0o10000000;
