// Which CLI entry `bin/jade.js` runs: the compiled build (dist/, plain node, fast start) only when it is
// up to date, else the TypeScript sources through tsx. Plain JavaScript: it must run before any build.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The folders the server and CLI load code from at run time (tests, bench and scripts are not run by it). */
export const runtimeSourceDirs = ['src', 'projections', 'migrations'];

/** `src/cli/events.ts` → `dist/src/cli/events.js` (tsconfig: rootDir ".", outDir "dist"). */
export function compiledPathOf(sourcePath) {
  return `dist/${sourcePath.replace(/\.ts$/, '.js')}`;
}

/**
 * The pure decision. `sources`: every runtime .ts file as { path, mtimeMs } (paths relative to the project
 * root, "/"-separated); `compiledMtime(path)`: the mtime of a compiled file, or undefined when it is missing.
 * The build is used only if every source has a compiled file at least as new: a build older than any one
 * source (an edit, a `git pull`, a checkout) is stale and would run old code.
 */
export function chooseEntry(sources, compiledMtime) {
  if (compiledMtime('dist/src/cli.js') === undefined) return { entry: 'sources', reason: 'no build' };
  for (const source of sources) {
    const compiled = compiledMtime(compiledPathOf(source.path));
    if (compiled === undefined) return { entry: 'sources', reason: `${source.path} is not in the build`, stale: source.path };
    if (compiled < source.mtimeMs) return { entry: 'sources', reason: `${source.path} is newer than the build`, stale: source.path };
  }
  return { entry: 'dist' };
}

function listSources(root, dir, into) {
  let entries;
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return into;
  }
  for (const entry of entries) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) listSources(root, path, into);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) into.push({ path, mtimeMs: statSync(join(root, path)).mtimeMs });
  }
  return into;
}

/** The decision for the project at `root`, read off the file system (a few hundred stat calls). */
export function chooseEntryAt(root) {
  const sources = runtimeSourceDirs.flatMap((dir) => listSources(root, dir, []));
  const compiledMtime = (path) => {
    try {
      return statSync(join(root, path)).mtimeMs;
    } catch {
      return undefined;
    }
  };
  return chooseEntry(sources, compiledMtime);
}
