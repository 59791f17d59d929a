// Steady event source for launch-latency runs: calls getppid(2) every millisecond until killed,
// so a tracer filtering on this pid sees its first event within ~1 ms of being attached.
// usage: getppid_tick
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(void) {
  const struct timespec ms = {0, 1000000};
  for (;;) {
    syscall(SYS_getppid);
    nanosleep(&ms, NULL);
  }
}
