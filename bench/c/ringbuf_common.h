// The C floor's ringbuf consumer, libbpf's algorithm without libbpf: mmap the consumer page
// (RW) and producer page + twice-mapped data (RO), walk records by their 8-byte headers, and
// store consumer_pos after each record (release order).
#pragma once
#define _GNU_SOURCE
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct ring {
  unsigned long *consumer, *producer;
  uint8_t *data;
  unsigned long mask;
};

static inline long long now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000LL + t.tv_nsec; }
static inline long long cpu_ns(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec * 1000000000LL + t.tv_nsec; }

static void ring_map(struct ring *r, int fd, unsigned long size) {
  long page = sysconf(_SC_PAGESIZE);
  r->consumer = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  void *p = mmap(NULL, page + 2 * size, PROT_READ, MAP_SHARED, fd, page);
  if (r->consumer == MAP_FAILED || p == MAP_FAILED) { perror("mmap ringbuf"); exit(1); }
  r->producer = p;
  r->data = (uint8_t *)p + page;
  r->mask = size - 1;
}

/** Consumes every committed record; *sum accumulates the first u32 of each (touching the data). */
static long ring_drain(struct ring *r, uint64_t *sum) {
  unsigned long cons = __atomic_load_n(r->consumer, __ATOMIC_ACQUIRE);
  long n = 0;
  for (;;) {
    unsigned long prod = __atomic_load_n(r->producer, __ATOMIC_ACQUIRE);
    if (cons >= prod) break;
    while (cons < prod) {
      uint32_t *hdr = (uint32_t *)(r->data + (cons & r->mask));
      uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
      if (len & BPF_RINGBUF_BUSY_BIT) goto done;
      cons += ((len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)) + BPF_RINGBUF_HDR_SZ + 7) & ~7UL;
      if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
        *sum += *(uint32_t *)((uint8_t *)hdr + BPF_RINGBUF_HDR_SZ);
        n++;
      }
      __atomic_store_n(r->consumer, cons, __ATOMIC_RELEASE);
    }
  }
done:
  return n;
}

typedef int (*sample_fn)(void *ctx, void *data, size_t len);

/** ring_drain() with libbpf's per-record callback through a function pointer. */
static long ring_drain_cb(struct ring *r, sample_fn volatile fn, void *ctx) {
  unsigned long cons = __atomic_load_n(r->consumer, __ATOMIC_ACQUIRE);
  long n = 0;
  for (;;) {
    unsigned long prod = __atomic_load_n(r->producer, __ATOMIC_ACQUIRE);
    if (cons >= prod) break;
    while (cons < prod) {
      uint32_t *hdr = (uint32_t *)(r->data + (cons & r->mask));
      uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
      if (len & BPF_RINGBUF_BUSY_BIT) goto done;
      cons += ((len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)) + BPF_RINGBUF_HDR_SZ + 7) & ~7UL;
      if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
        fn(ctx, (uint8_t *)hdr + BPF_RINGBUF_HDR_SZ, len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT));
        n++;
      }
      __atomic_store_n(r->consumer, cons, __ATOMIC_RELEASE);
    }
  }
done:
  return n;
}
