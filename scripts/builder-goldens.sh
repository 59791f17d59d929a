#!/bin/sh
# Remakes test/fixtures/builder/llvm19-programs.tsv: llvm-mc-19's bytes for each `# program:`
# block of programs.s (the LLVM twins of test/isa/builder/programs.ts). Columns: name, slots,
# sha256 of the .text bytes, and the hex itself for programs up to 512 slots.
set -eu
cd "$(dirname "$0")/.."
FIX=test/fixtures/builder
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
awk -v dir="$TMP" '/^# program: /{ name=$3; next } name { print > (dir "/" name ".s") }' "$FIX/programs.s"
{
  printf '# name\tslots\tsha256\thex (llvm-mc-19 -triple bpfel -mcpu=v4)\n'
  for s in $(ls "$TMP"/*.s | sort); do
    name=$(basename "$s" .s)
    llvm-mc-19 -triple bpfel -mcpu=v4 -filetype=obj -o "$TMP/$name.o" "$s"
    llvm-objcopy-19 -O binary --only-section=.text "$TMP/$name.o" "$TMP/$name.bin"
    bytes=$(wc -c < "$TMP/$name.bin")
    sha=$(sha256sum "$TMP/$name.bin" | cut -d' ' -f1)
    hex='-'
    if [ "$bytes" -le 4096 ]; then hex=$(xxd -p "$TMP/$name.bin" | tr -d '\n'); fi
    printf '%s\t%s\t%s\t%s\n' "$name" $((bytes / 8)) "$sha" "$hex"
  done
} > "$FIX/llvm19-programs.tsv"
echo "wrote $FIX/llvm19-programs.tsv"
