// Event generator: waits for a line on stdin (so the tracer can learn its pid first), then
// makes N getppid(2) calls as fast as it can.
// usage: getppid_burst N
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  char line[16];
  if (!fgets(line, sizeof line, stdin)) return 1;
  for (long i = 0; i < n; i++) syscall(SYS_getppid);
  return 0;
}
