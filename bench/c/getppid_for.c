// Sustained event generator: waits for a line on stdin (so the tracer can learn its pid first),
// pins itself to CPU C, then calls getppid(2) as fast as it can for S seconds; prints how many
// calls it made and how long they took (the in-kernel hits of a probe filtering on its pid).
// usage: getppid_for SECONDS CPU
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: getppid_for SECONDS CPU\n"); return 2; }
  long long span = (long long)(atof(argv[1]) * 1e9);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(atoi(argv[2]), &set);
  if (sched_setaffinity(0, sizeof set, &set)) { perror("sched_setaffinity"); return 1; }
  char line[16];
  if (!fgets(line, sizeof line, stdin)) return 1;
  long calls = 0;
  long long t0 = now_ns(), t = t0;
  while (t - t0 < span) {
    for (int i = 0; i < 1024; i++) syscall(SYS_getppid);
    calls += 1024;
    t = now_ns();
  }
  printf("calls %ld ns %lld\n", calls, t - t0);
  return 0;
}
