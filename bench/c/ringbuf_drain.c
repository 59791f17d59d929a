// C floor for draining a pre-filled ringbuf. Inherits the ringbuf map as fd 3 and a program as
// fd 4 that writes one 64-byte record per BPF_PROG_TEST_RUN repetition. Each rep: fill with
// `records` runs, then time the drain. Prints ns per record, min and median over reps: the loop
// with the sum inlined (even reps), and as libbpf's ring_buffer__consume() does it, a callback
// through a function pointer per record (odd reps).
// usage: ringbuf_drain SIZE RECORDS REPS
#include "ringbuf_common.h"

/** libbpf's shape: the record handed to a callback through a function pointer, not inlined. */
static __attribute__((noinline)) int sample_cb(void *ctx, void *data, size_t len) {
  (void)len;
  *(uint64_t *)ctx += *(uint32_t *)data;
  return 0;
}

static int cmp(const void *a, const void *b) { double x = *(double *)a, y = *(double *)b; return x < y ? -1 : x > y; }

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: ringbuf_drain SIZE RECORDS REPS\n"); return 2; }
  unsigned long size = strtoul(argv[1], 0, 0);
  long records = atol(argv[2]);
  int reps = atoi(argv[3]);
  struct ring r;
  ring_map(&r, 3, size);
  uint8_t pkt[64] = {0};
  double *v = calloc(reps, sizeof *v), *w = calloc(reps, sizeof *w);
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
    long n = (i & 1) ? ring_drain_cb(&r, sample_cb, &sum) : ring_drain(&r, &sum);
    t = now_ns() - t;
    if (n != records) { fprintf(stderr, "drained %ld of %ld\n", n, records); return 1; }
    ((i & 1) ? w : v)[i / 2] = (double)t / n;
  }
  int nv = (reps + 1) / 2, nw = reps / 2;
  qsort(v, nv, sizeof *v, cmp);
  qsort(w, nw, sizeof *w, cmp);
  printf("min_ns_per_record %.3f median_ns_per_record %.3f callback_min_ns_per_record %.3f callback_median_ns_per_record %.3f sum %llu\n",
         v[0], v[nv / 2], w[0], w[nw / 2], (unsigned long long)sum);
  return 0;
}
