// System V IPC constants of x86-64 Linux (sys/ipc.h, sys/shm.h, sys/sem.h,
// sys/msg.h) and the byte offsets of the kernel's 64-bit *_ds structures.

export const IPC_PRIVATE = 0;
export const IPC_CREAT = 0o1000;
export const IPC_EXCL = 0o2000;
export const IPC_NOWAIT = 0o4000;

export const IPC_RMID = 0;
export const IPC_SET = 1;
export const IPC_STAT = 2;
export const IPC_INFO = 3;
/** glibc may or the command with IPC_64; x86-64's kernel takes every layout as the 64-bit one. */
export const IPC_64 = 0x100;

export const SHM_RDONLY = 0o10000;
export const SHM_RND = 0o20000;
export const SHM_REMAP = 0o40000;
export const SHM_EXEC = 0o100000;
export const SHM_LOCK = 11;
export const SHM_UNLOCK = 12;
export const SHM_STAT = 13;
export const SHM_INFO = 14;
export const SHM_STAT_ANY = 15;
/** Mode bits the kernel sets in shm_perm.mode. */
export const SHM_DEST = 0o1000;
export const SHM_LOCKED = 0o2000;
export const SHMLBA = 4096;

export const SEM_UNDO = 0x1000;
export const GETPID = 11;
export const GETVAL = 12;
export const GETALL = 13;
export const GETNCNT = 14;
export const GETZCNT = 15;
export const SETVAL = 16;
export const SETALL = 17;
export const SEM_STAT = 18;
export const SEM_INFO = 19;
export const SEM_STAT_ANY = 20;

export const MSG_STAT = 11;
export const MSG_INFO = 12;
export const MSG_STAT_ANY = 13;
export const MSG_NOERROR = 0o10000;
export const MSG_EXCEPT = 0o20000;
export const MSG_COPY = 0o40000;

/** Linux's default limits (ipcs -l on a stock kernel). */
export const SHMMNI = 4096;
export const SHMMIN = 1;
/** Linux's is ULONG_MAX - 2^24; sizes above 2^53 cannot be mapped anyway. */
export const SHMMAX = Number.MAX_SAFE_INTEGER;
export const SEMMNI = 32000;
export const SEMMSL = 32000;
export const SEMOPM = 500;
export const SEMVMX = 32767;
export const SEMAEM = SEMVMX;
export const MSGMNI = 32000;
export const MSGMAX = 8192;
export const MSGMNB = 16384;
/** Ids: sequence number times IPCMNI plus the index (ipc_buildid without extended ids). */
export const IPCMNI = 32768;

/** struct ipc64_perm (48 bytes). */
export const PERM = Object.freeze({ key: 0, uid: 4, gid: 8, cuid: 12, cgid: 16, mode: 20, seq: 24, size: 48 });
/** struct shmid64_ds (112 bytes). */
export const SHMID_DS = Object.freeze({
  segsz: 48,
  atime: 56,
  dtime: 64,
  ctime: 72,
  cpid: 80,
  lpid: 84,
  nattch: 88,
  size: 112,
});
/** struct semid64_ds (104 bytes). */
export const SEMID_DS = Object.freeze({ otime: 48, ctime: 64, nsems: 80, size: 104 });
/** struct msqid64_ds (120 bytes). */
export const MSQID_DS = Object.freeze({
  stime: 48,
  rtime: 56,
  ctime: 64,
  cbytes: 72,
  qnum: 80,
  qbytes: 88,
  lspid: 96,
  lrpid: 100,
  size: 120,
});
/** struct sembuf: unsigned short sem_num; short sem_op; short sem_flg. */
export const SEMBUF_BYTES = 6;
