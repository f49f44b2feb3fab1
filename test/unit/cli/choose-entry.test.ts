import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { chooseEntry, chooseEntryAt, compiledPathOf, type SourceFile } from '../../../bin/choose-entry.js';

const sources: SourceFile[] = [
  { path: 'src/cli.ts', mtimeMs: 1_000 },
  { path: 'src/cli/events.ts', mtimeMs: 2_000 },
  { path: 'projections/calls/index.ts', mtimeMs: 1_500 },
];

/** A build whose files were all written at `at`, minus the ones left out. */
const built = (at: number, overrides: Record<string, number | undefined> = {}) => (path: string): number | undefined =>
  path in overrides ? overrides[path] : sources.some((s) => compiledPathOf(s.path) === path) ? at : undefined;

describe('bin/jade.js: compiled build or sources', () => {
  it('maps a source to its compiled file', () => {
    expect(compiledPathOf('src/cli/events.ts')).to.equal('dist/src/cli/events.js');
  });

  it('runs the build when every source has a compiled file at least as new', () => {
    expect(chooseEntry(sources, built(2_000))).to.deep.equal({ entry: 'dist' });
  });

  it('runs the sources when there is no build', () => {
    expect(chooseEntry(sources, () => undefined)).to.deep.equal({ entry: 'sources', reason: 'no build' });
  });

  it('runs the sources, naming the file, when one source is newer than its compiled file', () => {
    const choice = chooseEntry(sources, built(3_000, { 'dist/src/cli/events.js': 1_999 }));
    expect(choice).to.deep.equal({ entry: 'sources', reason: 'src/cli/events.ts is newer than the build', stale: 'src/cli/events.ts' });
  });

  it('runs the sources when a source was added after the build', () => {
    const choice = chooseEntry(sources, built(3_000, { 'dist/projections/calls/index.js': undefined }));
    expect(choice).to.include({ entry: 'sources', stale: 'projections/calls/index.ts' });
  });
});

describe('bin/jade.js: the decision read off a project directory', () => {
  let root: string;
  /** Writes a file with its mtime set to `at` seconds. */
  const file = (path: string, at: number): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), '');
    utimesSync(join(root, path), at, at);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'jade-entry-'));
    file('src/cli.ts', 1_000);
    file('src/cli/events.ts', 1_000);
    file('src/types.d.ts', 5_000);
    file('test/unit/x.test.ts', 5_000);
    file('dist/src/cli.js', 2_000);
    file('dist/src/cli/events.js', 2_000);
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('uses the build when it is newer than every runtime source (declarations and tests do not count)', () => {
    expect(chooseEntryAt(root)).to.deep.equal({ entry: 'dist' });
  });

  it('falls back to the sources once a nested source is edited after the build', () => {
    utimesSync(join(root, 'src/cli/events.ts'), 3_000, 3_000);
    expect(chooseEntryAt(root)).to.include({ entry: 'sources', stale: 'src/cli/events.ts' });
  });

  it('falls back to the sources when a migration is added after the build', () => {
    file('migrations/0099_new.ts', 1_500);
    expect(chooseEntryAt(root)).to.include({ entry: 'sources', stale: 'migrations/0099_new.ts' });
  });
});
