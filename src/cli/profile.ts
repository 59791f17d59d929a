// `tsbpf profile`: a CPU profile of every process or one, sampled on every CPU and counted in the
// kernel, written as folded stacks, speedscope JSON or a flame graph SVG.
import { command } from './command.js';
import { positiveInteger } from './probe-common.js';
import { PROFILE_HELP, PROFILE_OPTIONS, profileRun, runProfileCommand } from './profile-common.js';

const HELP = `usage: tsbpf profile [options]

Samples the running stacks on every CPU (a cpu-clock perf event), counts each distinct
{process, kernel stack, user stack} in the kernel, and writes the profile at the end.
      --hz N            samples per second on each CPU (default 99)
${PROFILE_HELP}
examples:
  tsbpf profile --pid 1234 --duration 10 --format svg -o cpu.svg
  tsbpf profile --duration 5 > cpu.folded
  node --perf-basic-prof --interpreted-frames-native-stack app.js   (names JavaScript frames)
`;

export const run = command({
  help: HELP,
  options: { ...PROFILE_OPTIONS, hz: { type: 'string' } },
  positionals: false,
  async run(values) {
    const { run, format } = profileRun(values);
    const hz = positiveInteger('hz', values.hz) ?? 99;
    const { profile } = await import('../profile/run.js');
    return runProfileCommand('profile', values, format, run.pid, (end) =>
      profile({ ...run, hz, signal: end.signal, onStart: end.started }),
    );
  },
});
