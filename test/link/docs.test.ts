// The ts blocks of docs/networking.md run as written.
import { runDocBlocks } from '../support/doc-blocks.js';

runDocBlocks('networking.md', 1);
