#!/bin/sh
# Remakes the LLVM 19 golden files under test/fixtures/isa/ (tests read them; they never run LLVM).
#   llvm19-goldens.tsv  bytes -> llvm-objdump-19 text -> llvm-mc-19 bytes, for every encoding the
#                       conformance suite uses and a seeded random sample (scripts/isa-goldens.py)
#   llvm19-syntax.tsv   hand-written LLVM-syntax lines (llvm-syntax.s) -> llvm-mc-19 bytes
#   llvm19-elf.txt      llvm-objdump-19 -dr of an object our ELF writer made (tsbpf asm --format elf)
set -eu
cd "$(dirname "$0")/.."
FIX=test/fixtures/isa
npm run build >/dev/null
# The conformance programs' encodings, via our ubpf assembler (LLVM cannot read that dialect).
node --input-type=module -e "
import { readdirSync, readFileSync } from 'node:fs';
import { assemble, encode } from './dist/isa/index.js';
const dir = '/work/shared/conformance/tests';
const seen = new Set();
for (const f of readdirSync(dir).sort()) {
  const text = readFileSync(dir + '/' + f, 'utf8');
  const asm = text.split(/^-- asm$/m)[1]?.split(/^--/m)[0] ?? '';
  for (const ins of assemble(asm, { dialect: 'ubpf' }).instructions) {
    const hex = Buffer.from(encode([ins])).toString('hex');
    if (!seen.has(hex)) { seen.add(hex); console.log(hex); }
  }
}" | python3 scripts/isa-goldens.py "$FIX/llvm19-goldens.tsv"

# Hand-written LLVM syntax -> llvm-mc-19 bytes, one instruction per line.
{
  printf '# line\tllvm-mc-19 -triple bpfel -mcpu=v4 --show-encoding\n'
  grep -v '^\s*\(#\|$\)' "$FIX/llvm-syntax.s" | while IFS= read -r line; do
    enc=$(printf '%s\n' "$line" | llvm-mc-19 -triple bpfel -mcpu=v4 --show-encoding 2>/dev/null | sed -n 's/.*# encoding: \[\(.*\)\]/\1/p' | tr -d ',' | sed 's/0x//g')
    printf '%s\t%s\n' "$line" "${enc:-!}"
  done
} > "$FIX/llvm19-syntax.tsv"

# An ELF object from our writer must be readable by llvm-objdump-19.
node dist/src/cli/main.js asm --format elf -o /tmp/isa-golden.o "$FIX/elf-sample.s"
llvm-objdump-19 -dr --mcpu=v4 /tmp/isa-golden.o | sed 1,2d > "$FIX/llvm19-elf.txt"
echo "goldens written to $FIX"

# ELF reader fixtures: objects from clang-19/llvm-mc-19 and llvm-readobj-19's JSON view of them.
for endian in el eb; do
  clang-19 -target bpf$endian -O2 -g -c test/fixtures/isa/elf-sample.c -o "$FIX/clang19-bpf$endian.o"
  llvm-readobj-19 --sections --symbols --relocations --elf-output-style=JSON "$FIX/clang19-bpf$endian.o" > "$FIX/clang19-bpf$endian.json"
done
llvm-mc-19 -triple bpfel -mcpu=v4 -filetype=obj "$FIX/elf-sample.s" -o "$FIX/llvm19-sample.o"
llvm-readobj-19 --sections --symbols --relocations --elf-output-style=JSON "$FIX/llvm19-sample.o" > "$FIX/llvm19-sample.json"
cp /tmp/isa-golden.o "$FIX/tsbpf-sample.o"
echo "ELF fixtures written to $FIX"

# The kernel's own view: bpftool loads our object (needs root and bpffs) and prints the
# translated program in verifier syntax, which the assembler must read back to the same bytes.
node dist/src/cli/main.js asm --format elf --section xdp --license GPL -o /tmp/isa-bpftool.o "$FIX/bpftool-sample.s"
pin=/sys/fs/bpf/tsbpf_isa_goldens_$$
bpftool prog load /tmp/isa-bpftool.o "$pin"
bpftool prog dump xlated pinned "$pin" > "$FIX/bpftool-xlated.txt"
rm -f "$pin"
echo "bpftool fixture written"
