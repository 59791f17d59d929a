// C floor for draining a pre-filled ringbuf. Inherits the ringbuf map as fd 3 and a program as
// fd 4 that writes one 64-byte record per BPF_PROG_TEST_RUN repetition. Each rep: fill with
// `records` runs, then time the drain. Prints ns per record, min and median over reps.
// usage: ringbuf_drain SIZE RECORDS REPS
#include "ringbuf_common.h"

static int cmp(const void *a, const void *b) { double x = *(double *)a, y = *(double *)b; return x < y ? -1 : x > y; }

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: ringbuf_drain SIZE RECORDS REPS\n"); return 2; }
  unsigned long size = strtoul(argv[1], 0, 0);
  long records = atol(argv[2]);
  int reps = atoi(argv[3]);
  struct ring r;
  ring_map(&r, 3, size);
  uint8_t pkt[64] = {0};
  double *v = calloc(reps, sizeof *v);
  uint64_t sum = 0;
  for (int i = 0; i < reps; i++) {
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.test.prog_fd = 4;
    a.test.data_in = (uint64_t)(uintptr_t)pkt;
    a.test.data_size_in = sizeof pkt;
    a.test.repeat = records;
    if (syscall(__NR_bpf, BPF_PROG_TEST_RUN, &a, sizeof a)) { perror("BPF_PROG_TEST_RUN"); return 1; }
    long long t = now_ns();
    long n = ring_drain(&r, &sum);
    t = now_ns() - t;
    if (n != records) { fprintf(stderr, "drained %ld of %ld\n", n, records); return 1; }
    v[i] = (double)t / n;
  }
  qsort(v, reps, sizeof *v, cmp);
  printf("min_ns_per_record %.3f median_ns_per_record %.3f sum %llu\n", v[0], v[reps / 2], (unsigned long long)sum);
  return 0;
}
