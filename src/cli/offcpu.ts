// `tsbpf offcpu`: where tasks wait — off-CPU time per stack from sched_switch, as bcc's
// offcputime — written as folded stacks, speedscope JSON or a flame graph SVG.
import { command } from './command.js';
import { positiveInteger } from './probe-common.js';
import { PROFILE_HELP, PROFILE_OPTIONS, profileRun, runProfileCommand } from './profile-common.js';

const HELP = `usage: tsbpf offcpu [options]

Measures the time tasks spend off-CPU (blocked, sleeping or waiting to run), in microseconds per
{process, kernel stack, user stack}, summed in the kernel from sched_switch, and writes it at the end.
      --min-us N        leave out off-CPU periods shorter than N microseconds (default 1)
${PROFILE_HELP}
examples:
  tsbpf offcpu --pid 1234 --duration 10 --format svg -o offcpu.svg
`;

export const run = command({
  help: HELP,
  options: { ...PROFILE_OPTIONS, 'min-us': { type: 'string' } },
  positionals: false,
  async run(values) {
    const { run, format } = profileRun(values);
    const minUs = positiveInteger('min-us', values['min-us']) ?? 1;
    const { offCpu } = await import('../profile/run.js');
    return runProfileCommand('offcpu', values, format, run.pid, (end) =>
      offCpu({ ...run, minUs, signal: end.signal, onStart: end.started }),
    );
  },
});
