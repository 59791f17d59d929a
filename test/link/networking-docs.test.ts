// docs/networking.md's examples run against the real kernel (XDP and tcx on loopback inside a
// network namespace each block makes and removes).
import { runDocBlocks } from '../support/doc-blocks.js';

runDocBlocks('networking.md', 2);
