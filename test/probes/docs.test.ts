// Every ```ts block of docs/probes.md and docs/getting-started.md runs as written, against the real kernel.
import { runDocBlocks } from '../support/doc-blocks.js';

runDocBlocks('probes.md', 7);
runDocBlocks('getting-started.md', 1);
