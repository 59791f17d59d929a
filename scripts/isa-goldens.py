#!/usr/bin/env python3
"""Makes test/fixtures/isa/llvm19-goldens.tsv: LLVM 19's view of eBPF encodings.

Input encodings: every encoding the conformance suite uses (hex lines on stdin, made by our
ubpf assembler — LLVM cannot read that dialect) plus a seeded random sample biased towards valid
encodings. For each: llvm-objdump-19 -d --mcpu=v4 text, and llvm-mc-19's re-encoding of that
text (or '!' when llvm-mc rejects it). Also assembles test/fixtures/isa/llvm-syntax.s with
llvm-mc-19 --show-encoding into llvm19-syntax.tsv (text -> bytes). Needs llvm-mc-19, llvm-objdump-19.
"""
import random, re, struct, subprocess, sys, tempfile, os

OUT = sys.argv[1]
SEED = 20261122
rng = random.Random(SEED)

def slot(code, dst, src, off, imm):
    return struct.pack('<BBhi', code, (src << 4) | dst, off, imm)

VALID_CODES = []
for cls in (0x04, 0x07):
    for op in range(0x00, 0xe0, 0x10):
        VALID_CODES += [cls | op, cls | 0x08 | op]
for cls in (0x05, 0x06):
    for op in range(0x00, 0xf0, 0x10):
        VALID_CODES += [cls | op, cls | 0x08 | op]
VALID_CODES += [0x61, 0x69, 0x71, 0x79, 0x81, 0x89, 0x91, 0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b,
                0xc3, 0xdb, 0xd3, 0xcb, 0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0x18]
ATOMIC_IMMS = [0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1, 0x100, 0x110]

def pick(zero_p, gen):
    return 0 if rng.random() < zero_p else gen()

def s16(): return rng.choice([rng.randint(-32768, 32767), rng.randint(-64, 64)])
def s32(): return rng.choice([rng.randint(-2**31, 2**31 - 1), rng.randint(-300, 300), 0x7fffffff, -2**31])

def random_encoding():
    code = rng.choice(VALID_CODES) if rng.random() < 0.95 else rng.randint(0, 255)
    reg = lambda: rng.randint(0, 10) if rng.random() < 0.97 else rng.randint(11, 15)
    dst, src = reg(), pick(0.5, reg)
    off = pick(0.6, s16)
    imm = pick(0.4, s32)
    cls, op = code & 7, code & 0xf0
    if cls in (0x04, 0x07) and op == 0xd0: imm = rng.choice([16, 32, 64]); src = pick(0.9, reg); off = pick(0.9, s16)
    if cls in (0x04, 0x07) and op in (0x30, 0x90, 0xb0): off = rng.choice([0, 0, 1, 8, 16, 32, off])
    if cls in (0x04, 0x07, 0x05, 0x06) and code & 0x08: imm = pick(0.9, s32)
    if cls in (0x04, 0x07, 0x05, 0x06) and not code & 0x08: src = pick(0.9, reg)
    if cls in (0x04, 0x07): off = off if op in (0x30, 0x90, 0xb0) else pick(0.9, s16)
    if code in (0xc3, 0xdb, 0xd3, 0xcb): imm = rng.choice(ATOMIC_IMMS) if rng.random() < 0.95 else imm
    if cls == 0x05 and op == 0x80 and not code & 0x08:
        dst = pick(0.95, reg); src = rng.choice([0, 0, 1, 2]); off = pick(0.9, s16)
    if code == 0x18:
        src = rng.choice([0, 0, 0, 1, 2, 3, 4, 5, 6]); off = pick(0.95, s16)
        return slot(code, dst, src, off, imm) + slot(0, 0, 0, 0, pick(0.3, s32))
    return slot(code, dst, src, off, imm)

def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)

encodings = []
for line in sys.stdin:
    line = line.strip()
    if line: encodings.append(bytes.fromhex(line))
seen = set(encodings)
conformance_count = len(encodings)
while len(encodings) < conformance_count + 6000:
    e = random_encoding()
    if e not in seen:
        seen.add(e); encodings.append(e)

with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, 'in.s'); obj = os.path.join(tmp, 'in.o')
    with open(src, 'w') as f:
        for e in encodings: f.write('.byte ' + ', '.join('0x%02x' % b for b in e) + '\n')
    r = run(['llvm-mc-19', '-triple', 'bpfel', '-mcpu=v4', '-filetype=obj', src, '-o', obj]); assert r.returncode == 0, r.stderr
    dump = run(['llvm-objdump-19', '-d', '--mcpu=v4', obj]).stdout
    text_at = {}
    for m in re.finditer(r'^\s*(\d+):\t[0-9a-f ]+\t(.*)$', dump, re.M):
        text_at.setdefault(int(m.group(1)), m.group(2))
    texts, slot_no = [], 0
    for e in encodings:
        t = text_at.get(slot_no, '<missing>')
        t = re.sub(r' <[^<>]*>$', '', t)  # objdump's symbolised target, not part of the instruction
        texts.append(t); slot_no += len(e) // 8
    # Re-encode LLVM's own text with llvm-mc: which texts it accepts, and the bytes it makes.
    with open(src, 'w') as f:
        for t in texts: f.write((t if t != '<unknown>' else 'unknown_insn') + '\n')
    r = run(['llvm-mc-19', '-triple', 'bpfel', '-mcpu=v4', '--show-encoding', src])
    bad = {int(m.group(1)) for m in re.finditer(r'in\.s:(\d+):\d+: error', r.stderr)}
    encs = [m.group(1) for m in re.finditer(r'# encoding: \[([^\]]*)\]', r.stdout)]
    reenc, k = [], 0
    for i in range(len(texts)):
        if i + 1 in bad: reenc.append('!')
        else: reenc.append(''.join('%02x' % int(b, 16) for b in encs[k].split(','))); k += 1
    assert k == len(encs), (k, len(encs))

with open(OUT, 'w') as f:
    f.write('# bytes\tllvm-objdump-19 -d --mcpu=v4\tllvm-mc-19 re-encoding of that text (! = rejected)\tsource\n')
    for i, (e, t, re_) in enumerate(zip(encodings, texts, reenc)):
        f.write('%s\t%s\t%s\t%s\n' % (e.hex(), t.replace('\t', '\\t'), re_, 'conformance' if i < conformance_count else 'random'))
print('%d encodings (%d from the conformance suite) -> %s' % (len(encodings), conformance_count, OUT))
