// tsbpf/isa: the eBPF instruction set. Pure: no Node APIs, no FFI.
