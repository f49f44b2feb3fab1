import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

/**
 * The shape of the code, read from its imports (README "Where things live"): a new part copies an
 * existing one, so a wrong edge spreads. Each rule here names the edge it forbids and why.
 */

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const sourceRoots = ['src', 'projections', 'migrations'];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(repo, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

interface ImportEdge {
  readonly from: string;
  readonly to: string;
  /** `import type`: no run-time edge (kysely's `Database` is built from the projections' table types, which query it). */
  readonly typeOnly: boolean;
}

const importPattern = /(?:^|\n)\s*(?:import|export)\s+(type\s+)?[^'";]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function resolveImport(from: string, specifier: string): string {
  const target = posix.normalize(posix.join(posix.dirname(from), specifier)).replace(/\.js$/, '.ts');
  if (existsSync(join(repo, target))) return target;
  const index = target.replace(/\.ts$/, '/index.ts');
  return existsSync(join(repo, index)) ? index : target;
}

function importsOf(file: string): ImportEdge[] {
  const text = readFileSync(join(repo, file), 'utf8');
  const edges: ImportEdge[] = [];
  for (const match of text.matchAll(importPattern)) {
    const specifier = match[2] ?? match[3];
    if (specifier !== undefined) edges.push({ from: file, to: resolveImport(file, specifier), typeOnly: match[1] !== undefined });
  }
  return edges;
}

/** `src/<role>/...` belongs to its role folder; `src/main.ts` and the other top files are their own. */
function folderOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] !== 'src') return parts[0]!;
  return parts.length > 2 ? `src/${parts[1]}` : file;
}

/** Strongly connected components with more than one member (Tarjan). */
function cycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

function graphOf(edges: readonly ImportEdge[], key: (file: string) => string): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const edge of edges) {
    const from = key(edge.from);
    const to = key(edge.to);
    if (from === to) continue;
    if (!graph.has(from)) graph.set(from, new Set());
    graph.get(from)!.add(to);
  }
  return graph;
}

const files = sourceRoots.flatMap((root) => sourceFiles(root));
const edges = files.flatMap((file) => importsOf(file)).filter((edge) => sourceRoots.some((root) => edge.to.startsWith(`${root}/`)));
const adapter = /^src\/eventstore\/(sqlite|esdb|memory|postgres)\//;

/** A forbidden edge: which imports break it, and why the rule exists. */
interface EdgeRule {
  readonly name: string;
  readonly breaks: (edge: ImportEdge) => boolean;
}

const edgeRules: readonly EdgeRule[] = [
  {
    name: 'projections/ is a leaf: it imports only src/events/ and projections/ (a rebuild must not depend on running code)',
    breaks: ({ from, to }) => from.startsWith('projections/') && !to.startsWith('projections/') && !to.startsWith('src/events/'),
  },
  {
    name: 'src/events/ is the vocabulary and imports nothing else',
    breaks: ({ from, to }) => from.startsWith('src/events/') && !to.startsWith('src/events/'),
  },
  {
    name: 'migrations/ are frozen in time and import nothing of src/ or projections/',
    breaks: ({ from, to }) => from.startsWith('migrations/') && !to.startsWith('migrations/'),
  },
  {
    name: 'src/http and src/realtime never import an event-store adapter',
    breaks: ({ from, to }) => /^src\/(http|realtime)\//.test(from) && adapter.test(to),
  },
  {
    name: 'src/http and src/realtime never import the AMI link',
    breaks: ({ from, to }) => /^src\/(http|realtime)\//.test(from) && to.startsWith('src/ami/connection'),
  },
  {
    name: 'only the composition root (src/main.ts, and the CLI) picks an event-store adapter',
    breaks: ({ from, to }) =>
      adapter.test(to) && !from.startsWith('src/eventstore/') && from !== 'src/main.ts' && from !== 'src/cli.ts' && !from.startsWith('src/cli/'),
  },
  {
    name: 'only src/main.ts builds HTTP routers into the app (no other module imports src/http/routes)',
    breaks: ({ from, to }) => to.startsWith('src/http/routes/') && from !== 'src/main.ts' && !from.startsWith('src/http/routes/'),
  },
];

/** AMI actions that a command or the dialer could be tempted to spell out itself. */
const amiActionLiteral =
  /\b[Aa]ction\s*:\s*['"`](Originate|Hangup|QueueAdd|QueueRemove|QueuePause|QueuePenalty|Park|ModuleLoad|AGI|GetConfig|GetConfigJSON|UpdateConfig|Redirect|Command|VoicemailRefresh)['"`]/;

describe('architecture: the import graph', () => {
  it('reads the whole source tree', () => {
    expect(files.length).to.be.greaterThan(100);
    expect(edges.length).to.be.greaterThan(200);
  });

  for (const rule of edgeRules) {
    it(rule.name, () => {
      const broken = edges.filter((edge) => rule.breaks(edge)).map((edge) => `${edge.from} -> ${edge.to}`);
      expect(broken, broken.join('\n')).to.deep.equal([]);
    });
  }

  it('has no import cycle between folders', () => {
    const found = cycles(graphOf(edges, folderOf)).map((cycle) => cycle.join(' <-> '));
    expect(found, found.join('\n')).to.deep.equal([]);
  });

  it('has no run-time import cycle between files', () => {
    const found = cycles(graphOf(edges.filter((edge) => !edge.typeOnly), (file) => file)).map((cycle) => cycle.join(' <-> '));
    expect(found, found.join('\n')).to.deep.equal([]);
  });

  it('builds AMI actions only in src/ami/', () => {
    const offenders = files
      .filter((file) => !file.startsWith('src/ami/') && !file.startsWith('migrations/'))
      .flatMap((file) => {
        const match = amiActionLiteral.exec(readFileSync(join(repo, file), 'utf8'));
        return match ? [`${file}: ${match[1]}`] : [];
      });
    expect(offenders, offenders.join('\n')).to.deep.equal([]);
  });

  it('has one composition root: only src/main.ts wires adapters and routers', () => {
    const roots = files.filter((file) => /\bcreateHttpApp\s*\(/.test(readFileSync(join(repo, file), 'utf8')) && !file.startsWith('src/http/'));
    expect(roots).to.deep.equal(['src/main.ts']);
  });
});
