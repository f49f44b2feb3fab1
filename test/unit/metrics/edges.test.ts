import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('metrics are observed at the edges', () => {
  it('imports prom-client only in src/metrics/: no projection, command or adapter knows about it', () => {
    const importers = [...sources(join(root, 'src')), ...sources(join(root, 'projections'))]
      .filter((file) => /from ['"]prom-client['"]/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    expect(importers).to.not.be.empty;
    expect(importers.filter((file) => !file.startsWith('src/metrics/'))).to.deep.equal([]);
  });
});
