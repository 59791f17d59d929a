// What a profile run gives back: its stacks (root first, with their weights) and the outputs
// made from them — folded text, a tree, speedscope JSON and a flame graph SVG.
import { type FlameGraphOptions, flameGraphSvg } from '../format/profile/flamegraph.js';
import { type SpeedscopeFile, speedscopeProfile } from '../format/profile/speedscope.js';
import {
  foldedText,
  type StackNode,
  type StackSample,
  stackTree,
  totalValue,
} from '../format/profile/stacks.js';

/** The output formats of `tsbpf profile` and `tsbpf offcpu`. */
export type ProfileFormat = 'folded' | 'speedscope' | 'svg';

export const PROFILE_FORMATS: readonly ProfileFormat[] = ['folded', 'speedscope', 'svg'];

export class ProfileResult {
  /** Each distinct stack, root first, and its weight. */
  readonly samples: StackSample[];
  /** What a weight counts: on-CPU samples, or microseconds off-CPU. */
  readonly unit: 'samples' | 'microseconds';
  /** Samples whose stack the kernel could not keep (stack map collisions); they stay in the output, marked. */
  readonly lostStacks: number;
  /** Events the kernel could not count because the count map was full (missing from the output). */
  readonly dropped: number;
  /** How long the profile ran, in milliseconds. */
  readonly durationMs: number;
  readonly name: string;

  /** @internal */
  constructor(fields: {
    samples: StackSample[];
    unit: 'samples' | 'microseconds';
    lostStacks: number;
    dropped: number;
    durationMs: number;
    name: string;
  }) {
    this.samples = fields.samples;
    this.unit = fields.unit;
    this.lostStacks = fields.lostStacks;
    this.dropped = fields.dropped;
    this.durationMs = fields.durationMs;
    this.name = fields.name;
  }

  /** The sum of every stack's weight. */
  get total(): number {
    return totalValue(this.samples);
  }

  /** Folded stacks (`comm;frame;frame_[k] N` per line), flamegraph.pl's input. */
  folded(): string {
    return foldedText(this.samples);
  }

  /** The stacks as a tree under a root named `all`. */
  tree(): StackNode {
    return stackTree(this.samples);
  }

  /** A speedscope document (https://www.speedscope.app). */
  speedscope(): SpeedscopeFile {
    return speedscopeProfile(this.samples, {
      name: this.name,
      unit: this.unit === 'microseconds' ? 'microseconds' : 'none',
    });
  }

  /** A self-contained flame graph SVG (click to zoom, search, tooltips). */
  svg(opts: FlameGraphOptions = {}): string {
    return flameGraphSvg(this.samples, {
      title: this.name,
      unit: this.unit === 'microseconds' ? 'µs' : 'samples',
      ...opts,
    });
  }

  /** The output in `format`, as `tsbpf profile --format` writes it. */
  format(format: ProfileFormat): string {
    if (format === 'folded') return this.folded();
    if (format === 'speedscope') return `${JSON.stringify(this.speedscope())}\n`;
    return this.svg();
  }
}
