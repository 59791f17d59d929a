// The ```ts blocks of docs/objects.md's global-variables section run as written, against the real kernel.
import { runDocBlocks } from '../support/doc-blocks.js';

runDocBlocks('objects.md', 1, 'Global variables after load');
