// Before the tests: emits dist/src/ (what package.json's `bin` runs) so the end-to-end tests spawn the real `bailiff`
// entry point. The emit is TypeScript's own, file by file (ts.transpileModule) with the project's compiler options:
// the project sets isolatedModules and verbatimModuleSyntax, which guarantee that a per-file emit equals what
// `tsc -p tsconfig.build.json` writes (compared file for file when this was introduced; only the source-map comment
// differs). Type checking is `npm run lint`'s job (tsc --noEmit), so the tests no longer pay a full program build
// (~10 s on an idle machine, ~45 s on a busy one) before they start: this takes ~2 s, and only the files changed
// since the last run are emitted again (a file whose output is newer than its source is left alone).

import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type ts from 'typescript';

const ROOT = join(import.meta.dirname, '..', '..');

function sources(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sources(path, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The compiler options of tsconfig.build.json, for a per-file ESM emit without source maps. */
function compilerOptions(ts: typeof import('typescript')): ts.CompilerOptions {
  const file = join(ROOT, 'tsconfig.build.json');
  const read = ts.readConfigFile(file, (p) => ts.sys.readFile(p));
  if (read.error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, ROOT, undefined, file);
  // package.json says "type": "module", so NodeNext emits every .ts as an ES module; transpileModule cannot read
  // package.json, so it is told directly.
  return { ...parsed.options, module: ts.ModuleKind.ESNext, sourceMap: false, declaration: false, noEmit: false };
}

/** Modification time in ms, or -1 when the file does not exist. */
function mtimeMs(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

export default async function setup(): Promise<void> {
  const outDir = join(ROOT, 'dist');
  const target = (file: string): string => join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
  const stale = sources(join(ROOT, 'src')).filter((file) => mtimeMs(target(file)) < mtimeMs(file));
  if (stale.length === 0) return;
  const ts = (await import('typescript')).default;
  const options = compilerOptions(ts);
  if (options.outDir !== undefined && options.outDir !== outDir) throw new Error(`tsconfig.build.json outDir is ${options.outDir}; the tests run ${outDir}`);
  for (const file of stale) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file, reportDiagnostics: false });
    mkdirSync(dirname(target(file)), { recursive: true });
    writeFileSync(target(file), outputText);
  }
}
