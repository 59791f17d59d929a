// Every ```ts block of docs/builder.md runs as written.
import { runDocBlocks } from '../../support/doc-blocks.js';

runDocBlocks('builder.md', 6);
