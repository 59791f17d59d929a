#!/bin/sh
# Remakes test/fixtures/btf/ goldens with outside tools (clang-19, llvm-objcopy-19, bpftool).
# Run from the repo root after `npm run build`; the tests never run these tools themselves.
set -eu
cd "$(dirname "$0")/../test/fixtures/btf"
CLANG=${CLANG:-clang-19}
OBJCOPY=${OBJCOPY:-llvm-objcopy-19}

# A small BTF with every kind clang emits, its bpftool raw and C dumps.
$CLANG -g -O2 -target bpf -c types.c -o types.o
$OBJCOPY --dump-section .BTF=types.btf types.o
bpftool btf dump file types.btf format raw > types.raw
bpftool btf dump file types.btf format c > types.h

# Split BTF on top of types.btf, made by our builder, dumped by bpftool as the oracle.
node ../../../scripts/btf-make-split.mjs types.btf split.btf
bpftool btf dump -B types.btf file split.btf format raw > split.raw
bpftool btf dump -B types.btf file split.btf format c > split.h

# A CO-RE program compiled against bpftool's vmlinux.h: its .BTF and .BTF.ext for the ext tests.
bpftool btf dump file /sys/kernel/btf/vmlinux format c > /tmp/btf-fixture-vmlinux.h
cp /tmp/btf-fixture-vmlinux.h ./vmlinux.h
$CLANG -g -O2 -target bpf -c core_prog.c -o core_prog.o
rm vmlinux.h
$OBJCOPY --strip-debug core_prog.o
$OBJCOPY --dump-section .BTF=core_prog.btf --dump-section .BTF.ext=core_prog.btf.ext core_prog.o
# func_info oracle: the symbol table's function offsets per section.
llvm-objdump-19 -t core_prog.o > core_prog.syms
rm -f types.o
