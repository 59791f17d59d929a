// The public API report: one api/<entry>.api.md per package entry point (tsbpf, tsbpf/isa,
// tsbpf/btf), made by api-extractor from freshly emitted declarations. Committed, so any change to
// what the package exports shows up in review as a diff of these files.
//   node scripts/api-report.mjs          check: exit 1 and say which report is stale
//   node scripts/api-report.mjs --write  rewrite the reports after an intended API change
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = fileURLToPath(new URL('../', import.meta.url));
const write = process.argv.includes('--write');
const ENTRIES = [
  { name: 'tsbpf', dts: 'src/index.d.ts' },
  { name: 'tsbpf-isa', dts: 'isa/index.d.ts' },
  { name: 'tsbpf-btf', dts: 'btf/index.d.ts' },
];

const out = mkdtempSync(join(tmpdir(), `tsbpf-api-${process.pid}-`));
try {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.api.json'), '--outDir', out],
    { stdio: 'inherit' },
  );
  // api-extractor reads package.json next to the declarations for the package name.
  writeFileSync(join(out, 'package.json'), JSON.stringify({ name: 'tsbpf', version: '0.0.0' }));
  const stale = [];
  for (const entry of ENTRIES) {
    const config = ExtractorConfig.prepare({
      configObject: {
        projectFolder: out,
        mainEntryPointFilePath: join(out, entry.dts),
        compiler: {
          overrideTsconfig: {
            compilerOptions: {
              lib: ['ES2023', 'ESNext.Disposable'],
              types: ['node'],
              typeRoots: [join(root, 'node_modules/@types')],
              skipLibCheck: true,
            },
            include: ['**/*.d.ts'],
          },
        },
        apiReport: {
          enabled: true,
          reportFileName: `${entry.name}.api.md`,
          reportFolder: join(root, 'api'),
          reportTempFolder: join(out, 'api-temp'),
        },
        docModel: { enabled: false },
        dtsRollup: { enabled: false },
        tsdocMetadata: { enabled: false },
        newlineKind: 'lf',
        messages: {
          // The report lists the API; TSDoc style and release tags are not what it checks.
          // A type the API uses but no entry point exports is written into the report, to be seen.
          extractorMessageReporting: {
            default: { logLevel: 'none' },
            'ae-forgotten-export': { logLevel: 'none', addToApiReportFile: true },
          },
          tsdocMessageReporting: { default: { logLevel: 'none' } },
          compilerMessageReporting: { default: { logLevel: 'warning' } },
        },
      },
      configObjectFullPath: join(root, 'scripts/api-report.mjs'),
      packageJsonFullPath: join(out, 'package.json'),
    });
    const result = Extractor.invoke(config, { localBuild: write, showVerboseMessages: false });
    if (result.apiReportChanged && !write) stale.push(`api/${entry.name}.api.md`);
    else if (!result.succeeded) stale.push(`${entry.name}: api-extractor failed`);
  }
  if (stale.length > 0) {
    console.error(
      `the public API differs from the committed report (${stale.join(', ')}): run 'node scripts/api-report.mjs --write' and commit api/ if the change is intended`,
    );
    process.exit(1);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
