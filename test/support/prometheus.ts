/**
 * A small reader of Prometheus' text exposition format (what `/metrics` answers), for tests: prom-client
 * writes the format but cannot read it. Each sample is keyed `name{label="value",...}` with labels sorted.
 */
export type Samples = ReadonlyMap<string, number>;

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
}

function keyOf(name: string, labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return pairs.length === 0 ? name : `${name}{${pairs.map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(',')}}`;
}

function numberOf(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** Parses the exposition text; throws on a line that is neither a comment nor a sample. */
export function parseExposition(text: string): Samples {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const match = sampleLine.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(labelPair)) labels[pair[1]!] = unescape(pair[2]!);
    samples.set(keyOf(match[1]!, labels), numberOf(match[3]!));
  }
  return samples;
}

/** One sample's value; undefined when the scrape does not have it. */
export function sampleOf(samples: Samples, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  return samples.get(keyOf(name, labels));
}

/** Every sample of `name`, with its labels. */
export function samplesNamed(samples: Samples, name: string): Array<{ readonly labels: Record<string, string>; readonly value: number }> {
  const found: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const [key, value] of samples) {
    const match = /^([^{]+)(?:\{(.*)\})?$/.exec(key);
    if (match?.[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(labelPair)) labels[pair[1]!] = unescape(pair[2]!);
    found.push({ labels, value });
  }
  return found;
}
