// The environment for the node children a benchmark times. NODE_EXTRA_CA_CERTS (set on some
// machines, this one included) makes every node parse a certificate file at start, tens of ms
// that the C floors and the peers (bpftrace, bpftool, llvm-mc) never pay and that no part of
// tsbpf's start is: the children run without it.
export function nodeChildEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}
