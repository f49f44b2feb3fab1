/**
 * The minimal UpdateConfig steps between two models of a file, a model of how Asterisk 22 applies them
 * (applyConfigChanges, what the unit tests check plans against; the e2e tier checks it against Asterisk),
 * and the packing of the steps into actions of fewer than 128 headers. Facts: see the top of model.ts.
 */
import { maxHeadersPerAction, updateConfig, type ConfigChange } from '../ami/config-actions.js';
import type { AmiAction } from '../ami/port.js';
import { checkConfigFile, InvalidConfigError, sameCategory, sameConfig, sameLine, type ConfigCategory, type ConfigFile, type ConfigLine } from './base.js';

export type { ConfigChange };

/** A change Asterisk's UpdateConfig cannot make (templates, categories inheriting from them). */
export class UnsupportedConfigChangeError extends InvalidConfigError {
  override readonly name: string = 'UnsupportedConfigChangeError';
}

const lower = (s: string) => s.toLowerCase();
const eqi = (a: string, b: string) => lower(a) === lower(b);
const isPlain = (c: ConfigCategory) => c.template !== true && (c.inherits ?? []).length === 0;

/** The Value header of a line: `>` before a `=>` line's value. */
const valueOf = (line: ConfigLine) => (line.arrow === true ? `>${line.value}` : line.value);

function hasDuplicateNames(file: ConfigFile): boolean {
  const seen = new Set<string>();
  for (const c of file) {
    if (seen.has(lower(c.name))) return true;
    seen.add(lower(c.name));
  }
  return false;
}

function unsupported(category: ConfigCategory, what: string): never {
  throw new UnsupportedConfigChangeError(
    category.name,
    `${what}: Asterisk's UpdateConfig cannot edit template categories or categories built from templates; change the file on the Asterisk host`,
  );
}

const appends = (name: string, lines: readonly ConfigLine[]): ConfigChange[] =>
  lines.map((line) => ({ action: 'Append', category: name, variable: line.key, value: valueOf(line) }));

// ---- lines of one category ----------------------------------------------------------------------------

const INF = Number.MAX_SAFE_INTEGER;
/** Above this many DP cells a category's lines are diffed by common prefix only. */
const maxDpCells = 2_000_000;

/** Whether `Update Var=after.key Match=before[i].value` hits line i (the last such line) and yields `after`. */
function updatable(before: readonly ConfigLine[], i: number, after: ConfigLine): boolean {
  const b = before[i]!;
  if (!eqi(b.key, after.key)) return false;
  if (b.arrow === true && after.arrow !== true) return false; // Update never clears `=>`
  for (let k = i + 1; k < before.length; k++) {
    const later = before[k]!;
    if (eqi(later.key, b.key) && (b.value === '' || eqi(later.value, b.value))) return false;
  }
  return true;
}

/**
 * Steps turning category `name`'s lines `before` into `after` with Delete (by line number, highest first so
 * nothing shifts), Update (in place) and Append (at the end): the kept and updated lines are a prefix of
 * `after`, chosen to need the fewest steps. Or EmptyCat and append everything, when that is fewer.
 */
function lineSteps(name: string, before: readonly ConfigLine[], after: readonly ConfigLine[]): ConfigChange[] {
  const n = before.length;
  const m = after.length;
  const deletes: number[] = [];
  const updates: { index: number; line: ConfigLine }[] = [];
  let kept = 0;
  if ((n + 1) * (m + 1) <= maxDpCells) {
    // dp[i][j]: fewest steps turning before[0..i) into after[0..j) by keep/update/delete.
    const w = m + 1;
    const dp = new Float64Array((n + 1) * w).fill(INF);
    dp[0] = 0;
    for (let i = 1; i <= n; i++) {
      dp[i * w] = i;
      for (let j = 1; j <= m; j++) {
        const del = dp[(i - 1) * w + j]! + 1;
        const diag = dp[(i - 1) * w + j - 1]!;
        const b = before[i - 1]!;
        const a = after[j - 1]!;
        const cost = sameLine(b, a) ? 0 : updatable(before, i - 1, a) ? 1 : INF;
        dp[i * w + j] = Math.min(del, diag >= INF || cost >= INF ? INF : diag + cost);
      }
    }
    let best = INF;
    for (let s = 0; s <= m; s++) {
      const total = dp[n * w + s]! >= INF ? INF : dp[n * w + s]! + (m - s);
      if (total < best) {
        best = total;
        kept = s;
      }
    }
    let i = n;
    let j = kept;
    while (i > 0) {
      const here = dp[i * w + j]!;
      if (j > 0) {
        const b = before[i - 1]!;
        const a = after[j - 1]!;
        const cost = sameLine(b, a) ? 0 : updatable(before, i - 1, a) ? 1 : INF;
        if (cost < INF && dp[(i - 1) * w + j - 1]! + cost === here) {
          if (cost === 1) updates.push({ index: i - 1, line: a });
          i--;
          j--;
          continue;
        }
      }
      deletes.push(i - 1);
      i--;
    }
  } else {
    while (kept < n && kept < m && sameLine(before[kept]!, after[kept]!)) kept++;
    for (let i = n - 1; i >= kept; i--) deletes.push(i);
  }
  const steps: ConfigChange[] = [
    ...deletes.sort((x, y) => y - x).map((i): ConfigChange => ({ action: 'Delete', category: name, variable: before[i]!.key, line: i })),
    ...updates
      .sort((x, y) => x.index - y.index)
      .map(({ index, line }): ConfigChange => {
        const match = before[index]!.value;
        return { action: 'Update', category: name, variable: line.key, value: valueOf(line), ...(match !== '' ? { match } : {}) };
      }),
    ...appends(name, after.slice(kept)),
  ];
  if (steps.length > 1 + m) return [{ action: 'EmptyCat', category: name }, ...appends(name, after)];
  return steps;
}

// ---- categories ---------------------------------------------------------------------------------------

/** Longest increasing subsequence of `values`: the indexes into `values` it keeps. */
function longestIncreasing(values: readonly number[]): Set<number> {
  const tails: number[] = [];
  const prev = new Array<number>(values.length).fill(-1);
  values.forEach((v, i) => {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[tails[mid]!]! < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tails[lo - 1]!;
    tails[lo] = i;
  });
  const keep = new Set<number>();
  for (let i = tails.length > 0 ? tails[tails.length - 1]! : -1; i >= 0; i = prev[i]!) keep.add(i);
  return keep;
}

/**
 * The whole file rebuilt, for files with categories of the same name (pjsip.conf style), which AMI cannot
 * address one by one: every category deleted, then each written in order; a duplicate name is built under a
 * scratch name and renamed, so its Appends do not land in its namesakes too.
 */
function rewrite(before: ConfigFile, after: ConfigFile): ConfigChange[] {
  for (const c of [...before, ...after]) if (!isPlain(c)) unsupported(c, 'a file with duplicate category names and templates');
  const names = new Set(after.map((c) => lower(c.name)));
  let scratch = 'jade-scratch';
  for (let k = 1; names.has(scratch); k++) scratch = `jade-scratch-${k}`;
  const count = new Map<string, number>();
  for (const c of after) count.set(lower(c.name), (count.get(lower(c.name)) ?? 0) + 1);
  const deleted = new Set<string>();
  const steps: ConfigChange[] = [];
  for (const c of before) {
    if (deleted.has(lower(c.name))) continue;
    deleted.add(lower(c.name));
    steps.push({ action: 'DelCat', category: c.name });
  }
  for (const c of after) {
    if (count.get(lower(c.name)) === 1) steps.push({ action: 'NewCat', category: c.name }, ...appends(c.name, c.lines));
    else {
      steps.push({ action: 'NewCat', category: scratch }, ...appends(scratch, c.lines), { action: 'RenameCat', category: scratch, value: c.name });
    }
  }
  return steps;
}

/**
 * The minimal UpdateConfig steps turning `before` into `after`, in an order Asterisk applies correctly:
 * DelCat of removed (or moved) categories, RenameCat, each kept category's line steps, then NewCat (placed
 * with Match before its successor) with its Appends. `after` is validated (InvalidConfigError); a change
 * to a template or a category built from one is UnsupportedConfigChangeError.
 */
export function diffConfig(before: ConfigFile, after: ConfigFile): readonly ConfigChange[] {
  checkConfigFile(after);
  if (sameConfig(before, after)) return [];
  if (hasDuplicateNames(before) || hasDuplicateNames(after)) return rewrite(before, after);

  const afterIndex = new Map(after.map((c, i) => [lower(c.name), i]));
  const pairOfBefore = new Map<number, number>();
  before.forEach((c, bi) => {
    const ai = afterIndex.get(lower(c.name));
    if (ai === undefined) return;
    const a = after[ai]!;
    if ((c.template === true) !== (a.template === true) || (c.inherits ?? []).join(',') !== (a.inherits ?? []).join(',')) return;
    pairOfBefore.set(bi, ai);
  });
  // A category that left under one name and came back under another with the same lines: RenameCat.
  const pairedAfter = new Set(pairOfBefore.values());
  before.forEach((c, bi) => {
    if (pairOfBefore.has(bi) || !isPlain(c)) return;
    const ai = after.findIndex((a, k) => !pairedAfter.has(k) && isPlain(a) && sameCategory({ ...a, name: c.name }, c));
    if (ai < 0 || before.some((other) => eqi(other.name, after[ai]!.name))) return;
    pairOfBefore.set(bi, ai);
    pairedAfter.add(ai);
  });
  const pairs = [...pairOfBefore.entries()].sort(([x], [y]) => x - y);
  const stableIdx = longestIncreasing(pairs.map(([, ai]) => ai));
  const stable = new Map(pairs.filter((_, k) => stableIdx.has(k)));
  const stableAfter = new Set(stable.values());

  const steps: ConfigChange[] = [];
  before.forEach((c, bi) => {
    if (stable.has(bi)) return;
    if (!isPlain(c)) unsupported(c, after.some((a) => eqi(a.name, c.name)) ? 'moving or re-creating it' : 'deleting it');
    steps.push({ action: 'DelCat', category: c.name });
  });
  for (const [bi, ai] of stable) {
    if (before[bi]!.name !== after[ai]!.name) steps.push({ action: 'RenameCat', category: before[bi]!.name, value: after[ai]!.name });
  }
  for (const [bi, ai] of stable) {
    const b = before[bi]!;
    const a = after[ai]!;
    if (b.lines.length === a.lines.length && b.lines.every((l, i) => sameLine(l, a.lines[i]!))) continue;
    if (!isPlain(a)) unsupported(a, 'changing its lines');
    steps.push(...lineSteps(a.name, b.lines, a.lines));
  }
  for (let ai = after.length - 1; ai >= 0; ai--) {
    if (stableAfter.has(ai)) continue;
    const a = after[ai]!;
    if (!isPlain(a)) unsupported(a, 'creating it');
    const next = after[ai + 1];
    steps.push({ action: 'NewCat', category: a.name, ...(next !== undefined ? { match: next.name } : {}) }, ...appends(a.name, a.lines));
  }
  return steps;
}

// ---- what Asterisk does with the steps ----------------------------------------------------------------

/** A step Asterisk would refuse; `message` is the `Message` its UpdateConfig answers. */
export class ConfigStepError extends Error {
  override readonly name = 'ConfigStepError';
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}

interface MutableCategory {
  name: string;
  lines: ConfigLine[];
  template?: boolean;
  inherits?: string[];
}

/**
 * `changes` applied to `file` as Asterisk 22's UpdateConfig applies them (main/manager.c handle_updates),
 * for plans without templates; Insert is not modelled (jade never sends it). Throws ConfigStepError where
 * Asterisk answers an error.
 */
export function applyConfigChanges(file: ConfigFile, changes: readonly ConfigChange[]): ConfigFile {
  const cats: MutableCategory[] = file.map((c) => ({
    name: c.name,
    lines: [...c.lines],
    ...(c.template ? { template: true } : {}),
    ...(c.inherits ? { inherits: [...c.inherits] } : {}),
  }));
  const matching = (name: string) => cats.filter((c) => c.template !== true && eqi(c.name, name));
  changes.forEach((change, index) => {
    const fail = (message: string): never => {
      throw new ConfigStepError(index, message);
    };
    const noCategory = 'Given category does not exist';
    const raw = 'value' in change ? change.value : '';
    const object = raw.startsWith('>');
    const value = object ? raw.slice(1) : raw;
    switch (change.action) {
      case 'NewCat': {
        const options = (change.options ?? '').split(',').map((o) => o.trim().toLowerCase());
        if (!options.includes('allowdups') && cats.some((c) => eqi(c.name, change.category))) fail('Create category did not complete successfully');
        const created: MutableCategory = { name: change.category, lines: [] };
        const match = change.match;
        if (match === undefined || match === '') cats.push(created);
        else {
          const at = cats.findIndex((c) => eqi(c.name, match));
          if (at < 0) fail('Create category did not complete successfully');
          cats.splice(at, 0, created);
        }
        return;
      }
      case 'RenameCat': {
        if (value === '') fail('Problem with category, value, or line (if required)');
        const found = matching(change.category);
        if (found.length === 0) fail(noCategory);
        for (const c of found) c.name = value;
        return;
      }
      case 'DelCat': {
        const found = matching(change.category);
        if (found.length === 0) fail(noCategory);
        for (const c of found) cats.splice(cats.indexOf(c), 1);
        return;
      }
      case 'EmptyCat': {
        const found = matching(change.category);
        if (found.length === 0) fail(noCategory);
        for (const c of found) c.lines = [];
        return;
      }
      case 'Update': {
        const found = matching(change.category);
        if (found.length === 0) fail(noCategory);
        let updated = false;
        for (const c of found) {
          let at = -1;
          c.lines.forEach((l, i) => {
            if (eqi(l.key, change.variable) && (!change.match || eqi(l.value, change.match))) at = i;
          });
          if (at < 0) continue;
          const arrow = c.lines[at]!.arrow === true || object;
          c.lines[at] = arrow ? { key: change.variable, value, arrow } : { key: change.variable, value };
          updated = true;
        }
        if (!updated) fail('Update did not complete successfully');
        return;
      }
      case 'Delete': {
        const found = matching(change.category);
        if (found.length === 0) fail(noCategory);
        let deleted = false;
        for (const c of found) {
          const before = c.lines.length;
          c.lines = c.lines.filter((l, i) =>
            change.line !== undefined ? i !== change.line : !(eqi(l.key, change.variable) && (!change.match || eqi(l.value, change.match))),
          );
          deleted ||= c.lines.length < before;
        }
        if (!deleted) fail('Update did not complete successfully');
        return;
      }
      case 'Append': {
        const found = matching(change.category);
        if (found.length === 0) fail(noCategory);
        for (const c of found) c.lines.push(object ? { key: change.variable, value, arrow: true } : { key: change.variable, value });
        return;
      }
      default:
        fail(`${change.action} is not modelled`);
    }
  });
  return cats.map((c) => ({ name: c.name, lines: c.lines, ...(c.template ? { template: true } : {}), ...(c.inherits?.length ? { inherits: c.inherits } : {}) }));
}

// ---- actions ------------------------------------------------------------------------------------------

/** Action, ActionID, SrcFilename, DstFilename and Reload: counted in every action, present or not. */
const baseHeaders = 5;

/** How many headers a change takes (Action-, Cat-, and each of Var-, Value-, Match-, Line-, Options- it has). */
export function headersOf(change: ConfigChange): number {
  return 2 + (['variable', 'value', 'match', 'line', 'options'] as const).filter((k) => k in change && (change as Record<string, unknown>)[k] !== undefined).length;
}

/**
 * The steps packed in order into UpdateConfig actions of fewer than 128 headers each (Asterisk drops the
 * headers past 128 without a word). `reload` goes on the last action only, so the module reloads once, after
 * the whole file is written. No changes: no actions.
 */
export function updateConfigActions(file: string, changes: readonly ConfigChange[], options: { reload?: string | boolean } = {}): readonly AmiAction[] {
  const batches: ConfigChange[][] = [];
  let batch: ConfigChange[] = [];
  let used = baseHeaders;
  for (const change of changes) {
    const size = headersOf(change);
    if (used + size > maxHeadersPerAction && batch.length > 0) {
      batches.push(batch);
      batch = [];
      used = baseHeaders;
    }
    batch.push(change);
    used += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches.map((b, i) =>
    updateConfig({
      srcFilename: file,
      dstFilename: file,
      ...(i === batches.length - 1 && options.reload !== undefined ? { reload: options.reload } : {}),
      changes: b,
    }),
  );
}
