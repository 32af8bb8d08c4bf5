// Advisory file locks of Linux x86-64: flock operations, fcntl lock commands
// (POSIX record locks and open-file-description locks) and struct flock.

export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

export const F_GETLK = 5;
export const F_SETLK = 6;
export const F_SETLKW = 7;
export const F_OFD_GETLK = 36;
export const F_OFD_SETLK = 37;
export const F_OFD_SETLKW = 38;

// struct flock's l_type.
export const F_RDLCK = 0;
export const F_WRLCK = 1;
export const F_UNLCK = 2;

/** struct flock: l_type (short), l_whence (short), l_start, l_len (off_t), l_pid (pid_t), padded. */
export const FLOCK_SIZE = 32;
export const FLOCK_L_TYPE = 0;
export const FLOCK_L_PID = 24;
