import { expect } from 'chai';
import { chooseEntry, compiledPathOf, type SourceFile } from '../../../bin/choose-entry.js';

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
