// docs/btf.md's TypeScript block runs as written, on this kernel's vmlinux BTF.
import { runDocBlocks } from '../support/doc-blocks.js';

runDocBlocks('btf.md', 1);
