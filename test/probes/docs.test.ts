// Every ```ts block of docs/probes.md runs as written, against the real kernel.
import { runDocBlocks } from '../support/doc-blocks.js';

runDocBlocks('probes.md', 6);
