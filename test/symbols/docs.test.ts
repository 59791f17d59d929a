// Every ```ts block of docs/stacks.md runs as written, against the real kernel.
import { runDocBlocks } from '../support/doc-blocks.js';

runDocBlocks('stacks.md', 2);
