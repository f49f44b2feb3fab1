/**
 * Bundles the dashboard (ui/) into dist/ui/: one ES module with socket.io's browser client inside it,
 * plus the page and its style sheet, so jade serves everything itself (no CDN, nothing fetched at run
 * time but jade's own API). Run by `npm run build`; the e2e test and `npm run demo` call buildUi().
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const uiSourceDir = join(repo, 'ui');
export const uiBuildDir = join(repo, 'dist', 'ui');

export async function buildUi(outDir: string = uiBuildDir): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(uiSourceDir, 'main.ts')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    sourcemap: true,
    tsconfig: join(uiSourceDir, 'tsconfig.json'),
    logLevel: 'warning',
    legalComments: 'eof',
  });
  for (const file of ['index.html', 'style.css']) copyFileSync(join(uiSourceDir, file), join(outDir, file));
  return outDir;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // No top-level await: test files import this module, and mocha loads them as CommonJS.
  buildUi(process.argv[2] === undefined ? uiBuildDir : resolve(process.argv[2])).then(
    (out) => process.stdout.write(`dashboard bundled into ${out}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
