// The C floor for bench/xdp.ts: the same bpf(2) calls tsbpf makes, with nothing around them.
//   xdp_floor attach xdp|tcx IFINDEX N   load a one-instruction program, then N times
//                                        BPF_LINK_CREATE (BPF_XDP / BPF_TCX_INGRESS) + close();
//                                        prints "us PER_PAIR" (mean over the N pairs)
//   xdp_floor run REPEAT CALLS           BPF_PROG_TEST_RUN of an XDP program on a 64-byte frame,
//                                        CALLS calls of REPEAT runs each; prints "pps PACKETS_PER_S"
// The program is `r0 = 2 (XDP_PASS / TC_ACT_... ); exit`.
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

// The system headers may predate tcx (6.6): its attach type by number (enum bpf_attach_type).
#define TCX_INGRESS 46

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int sys_bpf(int cmd, union bpf_attr *attr) { return syscall(SYS_bpf, cmd, attr, sizeof *attr); }

static int load(int type) {
  struct bpf_insn insns[] = {
      {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 2},
      {.code = BPF_JMP | BPF_EXIT},
  };
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.prog_type = type;
  a.insns = (unsigned long)insns;
  a.insn_cnt = 2;
  a.license = (unsigned long)"GPL";
  int fd = sys_bpf(BPF_PROG_LOAD, &a);
  if (fd < 0) { perror("BPF_PROG_LOAD"); exit(1); }
  return fd;
}

int main(int argc, char **argv) {
  if (argc == 5 && !strcmp(argv[1], "attach")) {
    int tcx = !strcmp(argv[2], "tcx");
    int ifindex = atoi(argv[3]), n = atoi(argv[4]);
    int prog = load(tcx ? BPF_PROG_TYPE_SCHED_CLS : BPF_PROG_TYPE_XDP);
    long long t0 = now_ns();
    for (int i = 0; i < n; i++) {
      union bpf_attr a;
      memset(&a, 0, sizeof a);
      a.link_create.prog_fd = prog;
      a.link_create.target_ifindex = ifindex;
      a.link_create.attach_type = tcx ? TCX_INGRESS : BPF_XDP;
      int link = sys_bpf(BPF_LINK_CREATE, &a);
      if (link < 0) { perror("BPF_LINK_CREATE"); return 1; }
      close(link);
    }
    printf("us %.3f\n", (now_ns() - t0) / 1e3 / n);
    return 0;
  }
  if (argc == 4 && !strcmp(argv[1], "run")) {
    int repeat = atoi(argv[2]), calls = atoi(argv[3]);
    int prog = load(BPF_PROG_TYPE_XDP);
    unsigned char in[64] = {0}, out[64 + 256];
    in[12] = 0x08; // EtherType IPv4
    long long t0 = now_ns();
    for (int i = 0; i < calls; i++) {
      union bpf_attr a;
      memset(&a, 0, sizeof a);
      a.test.prog_fd = prog;
      a.test.data_in = (unsigned long)in;
      a.test.data_size_in = sizeof in;
      a.test.data_out = (unsigned long)out;
      a.test.data_size_out = sizeof out;
      a.test.repeat = repeat;
      if (sys_bpf(BPF_PROG_TEST_RUN, &a) < 0) { perror("BPF_PROG_TEST_RUN"); return 1; }
    }
    printf("pps %.0f\n", (double)repeat * calls / ((now_ns() - t0) / 1e9));
    return 0;
  }
  fprintf(stderr, "usage: xdp_floor attach xdp|tcx IFINDEX N | run REPEAT CALLS\n");
  return 2;
}
