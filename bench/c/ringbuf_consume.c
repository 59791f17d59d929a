// C floor for consuming a ringbuf fed at full speed: inherits the ringbuf as fd 3 and the
// program's drop counter (array map, u64 at key 0) as fd 4; sleeps in epoll_wait on the ring,
// drains on each wakeup, and stops once received + dropped == EXPECTED. Prints the records it
// received and its own CPU time.
// usage: ringbuf_consume SIZE EXPECTED
#include "ringbuf_common.h"
#include <sys/epoll.h>

static uint64_t dropped(void) {
  uint32_t k = 0;
  uint64_t v = 0;
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.map_fd = 4;
  a.key = (uint64_t)(uintptr_t)&k;
  a.value = (uint64_t)(uintptr_t)&v;
  if (syscall(__NR_bpf, BPF_MAP_LOOKUP_ELEM, &a, sizeof a)) { perror("lookup drops"); exit(1); }
  return v;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: ringbuf_consume SIZE EXPECTED\n"); return 2; }
  unsigned long size = strtoul(argv[1], 0, 0);
  long expected = atol(argv[2]);
  struct ring r;
  ring_map(&r, 3, size);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, 3, &ev)) { perror("epoll_ctl"); return 1; }
  printf("ready\n");
  fflush(stdout);
  long long c0 = cpu_ns();
  long got = 0;
  uint64_t sum = 0;
  for (;;) {
    got += ring_drain(&r, &sum);
    if (got + (long)dropped() >= expected) break;
    epoll_wait(ep, &ev, 1, 100);
  }
  printf("received %ld dropped %llu cpu_ns %lld\n", got, (unsigned long long)dropped(), cpu_ns() - c0);
  return 0;
}
