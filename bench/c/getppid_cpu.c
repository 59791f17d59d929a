// N getppid(2) calls in a tight loop; prints the process CPU ns per call on stdout (CPU time is
// less disturbed than wall time by other processes on a shared machine).
// usage: getppid_cpu N
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long cpu_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  long long c0 = cpu_ns();
  for (long i = 0; i < n; i++) syscall(SYS_getppid);
  printf("%.2f\n", (double)(cpu_ns() - c0) / n);
  return 0;
}
