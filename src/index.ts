// tsbpf: the kernel side (maps, programs, links, events) and file formats, plus the pure cores.
export * from '../isa/index.js';
