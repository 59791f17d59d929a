// The ts blocks of docs/sockets.md run as written.
import { runDocBlocks } from '../support/doc-blocks.js';

runDocBlocks('sockets.md', 1);
