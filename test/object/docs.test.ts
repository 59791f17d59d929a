// docs/objects.md's TypeScript blocks run as written: the first one loads fsdist.bpf.o and must
// keep going on a kernel that refuses some of its programs (no kprobes, no BPF trampolines here).
import { runDocBlocks } from '../support/doc-blocks.js';

runDocBlocks('objects.md', 1);
