/* System V IPC as programs see it: shared memory really shared with a forked
 * child and kept alive after IPC_RMID while attached, semaphores that block
 * (semop, semtimedop, SEM_UNDO at exit, EIDRM on removal), message queues with
 * type selection. The output must be the same natively and under umbra.
 * `sysv_ipc excl KEY` only tries shmget(KEY, IPC_CREAT|IPC_EXCL) and says what happened. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) {
  (void)sig;
  alarms++;
}

static const char *err(int r) {
  return r < 0 ? strerror(errno) : "ok";
}

static int wait_child(pid_t pid) {
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static unsigned long nattch(int id) {
  struct shmid_ds ds;
  if (shmctl(id, IPC_STAT, &ds) < 0) return 9999;
  return ds.shm_nattch;
}

static void shm_part(key_t key) {
  int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
  printf("shm: private %s\n", id >= 0 ? "ok" : strerror(errno));
  struct shmid_ds ds;
  shmctl(id, IPC_STAT, &ds);
  printf("shm: segsz %zu nattch %lu mode %o cpid-is-me %d uid-is-me %d\n", ds.shm_segsz,
         ds.shm_nattch, ds.shm_perm.mode & 0777, ds.shm_cpid == getpid(),
         ds.shm_perm.uid == geteuid());
  char *mem = shmat(id, NULL, 0);
  printf("shm: attach %s, zero-filled %d, nattch %lu\n", mem == (void *)-1 ? strerror(errno) : "ok",
         mem[0] == 0 && mem[9999] == 0, nattch(id));
  pid_t pid = fork();
  if (pid == 0) {
    printf("child: nattch after fork %lu\n", nattch(id));
    fflush(stdout);
    strcpy(mem, "written by the child");
    mem[9999] = 'z';
    _exit(0);
  }
  wait_child(pid);
  printf("shm: parent reads '%s' and '%c', nattch %lu\n", mem, mem[9999], nattch(id));
  /* A second attachment of the same segment sees the same bytes. */
  char *again = shmat(id, NULL, SHM_RDONLY);
  printf("shm: second attach sees '%s', nattch %lu\n", again, nattch(id));
  int dt2 = shmdt(again);
  printf("shm: dt second %s", err(dt2));
  printf(", dt bad address %s\n", err(shmdt(mem + 4096)));
  /* Removed while attached: the id lives on (SHM_DEST) until the last detach. */
  printf("shm: rmid %s\n", err(shmctl(id, IPC_RMID, NULL)));
  shmctl(id, IPC_STAT, &ds);
  printf("shm: after rmid nattch %lu dest %d key-private %d, memory still '%s'\n", ds.shm_nattch,
         (ds.shm_perm.mode & SHM_DEST) != 0, ds.shm_perm.__key == IPC_PRIVATE, mem);
  int dt = shmdt(mem);
  printf("shm: dt %s", err(dt));
  printf(", then stat %s\n", err(shmctl(id, IPC_STAT, &ds)));

  /* Keys: create, find again, EEXIST, ENOENT, a size too large for the existing one. */
  int k1 = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0644);
  printf("shm: key create %s, again same id %d\n", k1 >= 0 ? "ok" : strerror(errno),
         shmget(key, 0, 0) == k1);
  printf("shm: excl again %s\n", err(shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0644)));
  printf("shm: bigger than it %s\n", err(shmget(key, 8192, 0)));
  printf("shm: absent key %s\n", err(shmget(key + 1, 4096, 0)));
  printf("shm: size 0 %s\n", err(shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600)));
  /* IPC_SET changes the mode. */
  shmctl(k1, IPC_STAT, &ds);
  ds.shm_perm.mode = 0600;
  printf("shm: set %s", err(shmctl(k1, IPC_SET, &ds)));
  shmctl(k1, IPC_STAT, &ds);
  printf(", mode now %o\n", ds.shm_perm.mode & 0777);
  /* Fixed address, then exec-less exit of a child that attached it on its own. */
  char *fixed = shmat(k1, NULL, 0);
  pid_t c2 = fork();
  if (c2 == 0) {
    char *own = shmat(k1, NULL, 0);
    printf("child: own attach, nattch %lu\n", nattch(k1));
    fflush(stdout);
    own[0] = 'Q';
    _exit(0); /* exit detaches both attachments */
  }
  wait_child(c2);
  printf("shm: after child exit nattch %lu, sees '%c'\n", nattch(k1), fixed[0]);
  /* exec drops the attachments of the old image. */
  pid_t c3 = fork();
  if (c3 == 0) {
    shmat(k1, NULL, 0);
    execl("/bin/sh", "sh", "-c", "exit 3", (char *)NULL);
    _exit(1);
  }
  int st3 = wait_child(c3);
  printf("shm: child exec'd (status %d), nattch %lu\n", st3, nattch(k1));
  /* A fixed address: taken without SHM_REMAP is EINVAL, with it the segment replaces the mapping.
   */
  char *other = shmat(k1, fixed, 0);
  printf("shm: same address %s", other == (void *)-1 ? strerror(errno) : "ok");
  other = shmat(k1, fixed, SHM_REMAP);
  printf(", with SHM_REMAP %s, nattch %lu\n", other == fixed ? "same address" : strerror(errno),
         nattch(k1));
  shmdt(other);
  printf("shm: unaligned %s", shmat(k1, fixed + 1, 0) == (void *)-1 ? strerror(errno) : "ok");
  char *rounded = shmat(k1, fixed + 1, SHM_RND);
  printf(", rounded %s\n", rounded == fixed ? "to the page" : strerror(errno));
  shmdt(rounded);
  shmdt(fixed);
  int rm = shmctl(k1, IPC_RMID, NULL);
  printf("shm: rmid unattached %s", err(rm));
  printf(", then get %s\n", err(shmget(key, 0, 0)));
}

static void sem_part(key_t key) {
  int id = semget(key, 2, IPC_CREAT | IPC_EXCL | 0600);
  printf("sem: create %s", id >= 0 ? "ok" : strerror(errno));
  printf(", nsems too many %s\n", err(semget(key, 3, 0)));
  int v0 = semctl(id, 0, GETVAL);
  printf("sem: initial %d %d\n", v0, semctl(id, 1, GETVAL));
  struct sembuf down = {0, -1, 0};
  pid_t pid = fork();
  if (pid == 0) {
    int r = semop(id, &down, 1);
    printf("child: down %s, value %d\n", err(r), semctl(id, 0, GETVAL));
    fflush(stdout);
    _exit(0);
  }
  sleep_ms(200);
  printf("sem: waiting for increase %d\n", semctl(id, 0, GETNCNT));
  fflush(stdout);
  struct sembuf up = {0, 2, 0};
  semop(id, &up, 1);
  wait_child(pid);
  printf("sem: after child value %d\n", semctl(id, 0, GETVAL));
  /* Atomic: the second op cannot go, so neither does the first. */
  struct sembuf both[2] = {{0, -1, IPC_NOWAIT}, {1, -1, IPC_NOWAIT}};
  int at = semop(id, both, 2);
  printf("sem: atomic nowait %s, value still %d\n", err(at), semctl(id, 0, GETVAL));
  struct timespec ts = {0, 300000000};
  struct sembuf d1 = {1, -1, 0};
  printf("sem: timedop %s\n", err(semtimedop(id, &d1, 1, &ts)));
  /* A signal ends a waiting semop with EINTR even with SA_RESTART (semop is never restarted). */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = {{0, 0}, {0, 100000}};
  setitimer(ITIMER_REAL, &it, NULL);
  int intr = semop(id, &d1, 1);
  printf("sem: interrupted %s, handler ran %d\n", err(intr), (int)alarms);
  struct sembuf bad = {5, 1, 0};
  printf("sem: bad num %s\n", err(semop(id, &bad, 1)));
  /* Wait-for-zero. */
  pid = fork();
  if (pid == 0) {
    struct sembuf zero = {0, 0, 0};
    printf("child: zero %s\n", err(semop(id, &zero, 1)));
    fflush(stdout);
    _exit(0);
  }
  sleep_ms(100);
  printf("sem: waiting for zero %d\n", semctl(id, 0, GETZCNT));
  fflush(stdout);
  semop(id, &down, 1);
  wait_child(pid);
  /* SEM_UNDO: the child's +3 is undone when it exits. */
  pid = fork();
  if (pid == 0) {
    struct sembuf u = {1, 3, SEM_UNDO};
    semop(id, &u, 1);
    printf("child: with undo %d\n", semctl(id, 1, GETVAL));
    fflush(stdout);
    _exit(0);
  }
  wait_child(pid);
  printf("sem: after undo %d, last pid is child %d\n", semctl(id, 1, GETVAL),
         semctl(id, 1, GETPID) == pid);
  unsigned short all[2] = {4, 7};
  semctl(id, 0, SETALL, all);
  unsigned short got[2] = {0, 0};
  semctl(id, 0, GETALL, got);
  printf("sem: setall/getall %d %d, setval too big %s\n", got[0], got[1],
         err(semctl(id, 0, SETVAL, 40000)));
  struct semid_ds ds;
  semctl(id, 0, IPC_STAT, &ds);
  printf("sem: stat nsems %lu mode %o\n", (unsigned long)ds.sem_nsems, ds.sem_perm.mode & 0777);
  /* Removal wakes a waiter with EIDRM. */
  pid = fork();
  if (pid == 0) {
    struct sembuf big = {0, -100, 0};
    printf("child: blocked op ends %s\n", err(semop(id, &big, 1)));
    fflush(stdout);
    _exit(0);
  }
  sleep_ms(100);
  int rm = semctl(id, 0, IPC_RMID);
  wait_child(pid);
  printf("sem: rmid %s\n", err(rm));
  printf("sem: after rmid %s\n", err(semctl(id, 0, GETVAL)));
}

struct msgbuf_ {
  long type;
  char text[64];
};

static void msg_part(key_t key) {
  int id = msgget(key, IPC_CREAT | 0600);
  struct msgbuf_ m;
  for (int i = 1; i <= 4; i++) {
    m.type = i == 4 ? 2 : 4 - i; /* types 3, 2, 1, 2 */
    snprintf(m.text, sizeof m.text, "message %d", i);
    msgsnd(id, &m, strlen(m.text) + 1, 0);
  }
  struct msqid_ds ds;
  msgctl(id, IPC_STAT, &ds);
  printf("msg: qnum %lu cbytes %lu\n", (unsigned long)ds.msg_qnum, (unsigned long)ds.__msg_cbytes);
  long r = msgrcv(id, &m, sizeof m.text, 2, 0);
  printf("msg: type 2 -> %ld '%s'\n", r, m.text);
  r = msgrcv(id, &m, sizeof m.text, -2, 0);
  printf("msg: type -2 -> %ld type %ld '%s'\n", r, m.type, m.text);
  r = msgrcv(id, &m, sizeof m.text, 3, MSG_EXCEPT);
  printf("msg: except 3 -> type %ld '%s'\n", m.type, m.text);
  printf("msg: too small %s\n", err(msgrcv(id, &m, 3, 0, 0)));
  r = msgrcv(id, &m, 3, 0, MSG_NOERROR);
  printf("msg: noerror -> %ld type %ld\n", r, m.type);
  printf("msg: empty nowait %s\n", err(msgrcv(id, &m, sizeof m.text, 0, IPC_NOWAIT)));
  pid_t pid = fork();
  if (pid == 0) {
    sleep_ms(150);
    m.type = 7;
    strcpy(m.text, "late");
    printf("child: send %s\n", err(msgsnd(id, &m, 5, 0)));
    fflush(stdout);
    _exit(0);
  }
  r = msgrcv(id, &m, sizeof m.text, 7, 0);
  wait_child(pid); /* natively both run at once: print after the child's line */
  printf("msg: waited -> %ld '%s'\n", r, m.text);
  /* A full queue: the sender waits until a receiver makes room. */
  ds.msg_qbytes = 100;
  msgctl(id, IPC_SET, &ds);
  m.type = 1;
  memset(m.text, 'x', sizeof m.text);
  printf("msg: fill %s", err(msgsnd(id, &m, 60, 0)));
  printf(", full nowait %s\n", err(msgsnd(id, &m, 60, IPC_NOWAIT)));
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    printf("child: blocked send %s\n", err(msgsnd(id, &m, 60, 0)));
    fflush(stdout);
    _exit(0);
  }
  sleep_ms(100);
  r = msgrcv(id, &m, sizeof m.text, 0, 0);
  wait_child(pid);
  printf("msg: received %ld to make room\n", r);
  msgctl(id, IPC_STAT, &ds);
  printf("msg: qnum %lu\n", (unsigned long)ds.msg_qnum);
  pid = fork();
  if (pid == 0) {
    printf("child: receive ends %s\n", err(msgrcv(id, &m, sizeof m.text, 99, 0)));
    fflush(stdout);
    _exit(0);
  }
  sleep_ms(100);
  int rm = msgctl(id, IPC_RMID, NULL);
  wait_child(pid);
  printf("msg: rmid %s\n", err(rm));
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 3 && strcmp(argv[1], "excl") == 0) {
    key_t key = (key_t)strtol(argv[2], NULL, 0);
    int id = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600);
    printf("%s\n", id >= 0 ? "created" : strerror(errno));
    sleep_ms(500); /* hold it while the other host tries */
    if (id >= 0) shmctl(id, IPC_RMID, NULL);
    return 0;
  }
  /* A key of our own: natively other programs may use IPC at the same time. */
  key_t base = argc > 1 ? (key_t)strtol(argv[1], NULL, 0) : 0x5e5e0000;
  shm_part(base);
  sem_part(base + 16);
  msg_part(base + 32);
  return 0;
}
