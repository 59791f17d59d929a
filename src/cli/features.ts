// `tsbpf features [--json]`: what this kernel supports, probed for real.
import { command } from './command.js';

const HELP = `usage: tsbpf features [--json]

Probes this kernel for real: bpf(2), every map and program type, the helpers tsbpf uses, kprobe and
uprobe PMUs, tracefs, BTF, bpffs, fentry, tp_btf, bpf_link, BPF cookies, batch map ops.
  --json       print a JSON array of {group, name, supported, detail}
  -h, --help   show this help
Exit status 1 (with one line on stderr) when bpf(2) itself is not usable, e.g. without root.
`;

export const run = command({
  help: HELP,
  options: { json: { type: 'boolean' } },
  positionals: false,
  async run(values) {
    const { probeAll } = await import('../features.js');
    const { PERMISSION_HINT } = await import('../sys/errno.js');
    const features = probeAll();
    const bpf = features[0];
    if (bpf && !bpf.supported) {
      const hint = bpf.detail === 'EPERM' || bpf.detail === 'EACCES' ? ` — ${PERMISSION_HINT}` : '';
      process.stderr.write(`tsbpf features: bpf(2) is not usable here: ${bpf.detail}${hint}\n`);
      return 1;
    }
    if (values.json) {
      process.stdout.write(`${JSON.stringify(features, null, 2)}\n`);
      return 0;
    }
    const gw = Math.max(...features.map((f) => f.group.length));
    const nw = Math.max(...features.map((f) => f.name.length));
    for (const f of features) {
      const line = `${f.group.padEnd(gw)}  ${f.name.padEnd(nw)}  ${f.supported ? 'yes' : 'no '}  ${f.detail}`;
      process.stdout.write(`${line.trimEnd()}\n`);
    }
    return 0;
  },
});
