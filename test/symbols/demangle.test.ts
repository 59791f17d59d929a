// The Itanium demangler against GNU c++filt as the oracle, on the mangled names of real binaries
// (libstdc++'s and node's dynamic symbols): the fraction that match exactly is printed and must
// stay at least 97% (98.5% when written; what differs is mostly template argument expressions,
// which demangle() declines: those names stay mangled, never wrong). Plus exact small cases.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { demangle } from 'tsbpf';
import { describe, expect, it } from 'vitest';

function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const LIBSTDCXX = '/usr/lib/x86_64-linux-gnu/libstdc++.so.6';
const canCompare = hasTool('c++filt') && hasTool('nm');

describe('demangle', () => {
  it('names the parts c++filt names', () => {
    const cases: [string, string][] = [
      ['_Z3foov', 'foo()'],
      ['_Z3fooiPKcRSt6vectorIiSaIiEE', 'foo(int, char const*, std::vector<int, std::allocator<int> >&)'],
      ['_ZN2v88internal7Isolate4InitEv', 'v8::internal::Isolate::Init()'],
      ['_ZNK4node11Environment7is_mainEv', 'node::Environment::is_main() const'],
      ['_ZN1aC2Ev', 'a::a()'],
      ['_ZN1aD1Ev', 'a::~a()'],
      ['_Z1fPFviE', 'f(void (*)(int))'],
      ['_Z1fPA4_i', 'f(int (*) [4])'],
      ['_Z1fM1AFvvE', 'f(void (A::*)())'],
      ['_Z3maxIiET_S0_S0_', 'int max<int>(int, int)'],
      ['_ZNSt6vectorIiSaIiEE9push_backEOi', 'std::vector<int, std::allocator<int> >::push_back(int&&)'],
      ['_ZZ4mainE5count', 'main::count'],
      ['_ZTVN10__cxxabiv117__class_type_infoE', 'vtable for __cxxabiv1::__class_type_info'],
      ['_ZN1AplERKS_', 'A::operator+(A const&)'],
      ['_Z1fSs', 'f(std::basic_string<char, std::char_traits<char>, std::allocator<char> >)'],
      ['_Z3foov.cold', 'foo() [clone .cold]'],
      ['_ZN12_GLOBAL__N_13barEv', '(anonymous namespace)::bar()'],
    ];
    for (const [mangled, want] of cases) expect(demangle(mangled), mangled).toBe(want);
    expect(demangle('main')).toBeUndefined();
    expect(demangle('_Z')).toBeUndefined(); // malformed: declined, not thrown
    expect(demangle('_ZN3foo')).toBeUndefined();
  });

  it.skipIf(!canCompare)('matches c++filt on the dynamic symbols of libstdc++ and node', () => {
    const binaries = [LIBSTDCXX, process.execPath].filter((p) => existsSync(p));
    const names = new Set<string>();
    for (const bin of binaries)
      for (const line of execFileSync('nm', ['-D', '--defined-only', bin], {
        encoding: 'latin1',
        maxBuffer: 1 << 28,
      }).split('\n')) {
        const name = line.split(' ')[2]?.replace(/@.*$/, '');
        if (name?.startsWith('_Z')) names.add(name);
      }
    const list = [...names];
    expect(list.length).toBeGreaterThan(1000);
    const oracle = execFileSync('c++filt', [], {
      input: list.join('\n'),
      encoding: 'latin1',
      maxBuffer: 1 << 28,
    })
      .trimEnd()
      .split('\n');
    expect(oracle.length).toBe(list.length);
    let exact = 0;
    let declined = 0;
    let wrong = 0;
    list.forEach((name, i) => {
      const got = demangle(name);
      if (got === oracle[i]) exact++;
      else if (got === undefined) declined++;
      else wrong++;
    });
    const fraction = exact / list.length;
    console.log(
      `demangle vs c++filt: ${exact}/${list.length} exact (${(fraction * 100).toFixed(2)}%), ${declined} declined, ${wrong} differ`,
    );
    expect(fraction).toBeGreaterThanOrEqual(0.97);
  });
});
