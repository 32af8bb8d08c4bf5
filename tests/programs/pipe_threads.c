/* A pipe between threads under umbra: a blocked reader woken by a writer,
 * one 256 KiB blocking write that completes as the reader drains, EOF, and
 * PIPE_BUF-sized records from two writers that never interleave. Times are
 * simulated, so they are exact. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TOTAL (256 * 1024)
#define RECORD 4096
#define RECORDS 64

static int p[2];
static unsigned char out[TOTAL], in[TOTAL];
static struct timespec t0;

static long ms_since_start(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (ts.tv_sec - t0.tv_sec) * 1000 + (ts.tv_nsec - t0.tv_nsec) / 1000000;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
  nanosleep(&ts, NULL);
}

static void *late_writer(void *arg) {
  (void)arg;
  sleep_ms(100);
  write(p[1], "wake", 4);
  return NULL;
}

static void *big_writer(void *arg) {
  (void)arg;
  ssize_t n = write(p[1], out, TOTAL);
  printf("writer: write returned %zd at %ld ms\n", n, ms_since_start());
  close(p[1]);
  return NULL;
}

static void *record_writer(void *arg) {
  unsigned char rec[RECORD];
  memset(rec, (int)(intptr_t)arg, sizeof rec);
  for (int i = 0; i < RECORDS; i++) write(p[1], rec, sizeof rec);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pthread_t a, b;

  /* 1. The reader blocks on an empty pipe until the writer's data arrives. */
  pipe(p);
  pthread_create(&a, NULL, late_writer, NULL);
  char w[8] = {0};
  ssize_t n = read(p[0], w, sizeof w);
  printf("reader: got %zd '%s' at %ld ms\n", n, w, ms_since_start());
  pthread_join(a, NULL);
  close(p[0]);
  close(p[1]);

  /* 2. One big blocking write, drained 64 KiB every 10 ms. */
  for (int i = 0; i < TOTAL; i++) out[i] = (unsigned char)((i * 7) % 251);
  pipe(p);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pthread_create(&a, NULL, big_writer, NULL);
  size_t got = 0;
  for (;;) {
    sleep_ms(10);
    n = read(p[0], in + got, TOTAL - got < 65536 ? TOTAL - got : 65536);
    if (n <= 0) break;
    got += (size_t)n;
  }
  pthread_join(a, NULL);
  printf("reader: %zu bytes, %s, eof at %ld ms\n", got,
         memcmp(in, out, TOTAL) == 0 ? "intact" : "CORRUPT", ms_since_start());
  close(p[0]);

  /* 3. Two writers of PIPE_BUF-sized records: each record arrives whole. */
  pipe(p);
  pthread_create(&a, NULL, record_writer, (void *)(intptr_t)'A');
  pthread_create(&b, NULL, record_writer, (void *)(intptr_t)'B');
  int whole = 0, mixed = 0, counts[2] = {0, 0};
  unsigned char rec[RECORD];
  for (int r = 0; r < 2 * RECORDS; r++) {
    size_t have = 0;
    while (have < RECORD) {
      n = read(p[0], rec + have, RECORD - have);
      if (n <= 0) break;
      have += (size_t)n;
    }
    int same = 1;
    for (int i = 1; i < RECORD; i++) same &= rec[i] == rec[0];
    if (same)
      whole++, counts[rec[0] == 'B']++;
    else
      mixed++;
  }
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("records: %d whole (A %d, B %d), %d mixed\n", whole, counts[0], counts[1], mixed);
  return 0;
}
