// tsbpf/btf: BTF types, parsing, encoding, CO-RE. Pure: no Node APIs, no FFI.
