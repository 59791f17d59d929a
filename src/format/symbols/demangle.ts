// Itanium C++ ABI name demangling (written for tsbpf). Work in progress: returns undefined (the
// caller keeps the mangled name) until the grammar lands.

/** The demangled form of an Itanium-mangled name (`_Z…`), or undefined if it is not one. */
export function demangle(name: string): string | undefined {
  if (!name.startsWith('_Z')) return undefined;
  return undefined;
}
