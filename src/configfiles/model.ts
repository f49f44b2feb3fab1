/**
 * The pure model of an Asterisk configuration file as jade reads it through AMI (GetConfig) and writes it
 * (UpdateConfig), ARCHITECTURE.md "Configuration writes". No I/O here: the service (K1) sends the actions.
 *
 * Facts about Asterisk 22 this module is built on (read in main/manager.c and main/config.c, and checked on
 * the sandbox by test/e2e/config-model.test.ts):
 * - GetConfig answers `Category-NNNNNN: name` and `Line-NNNNNN-MMMMMM: key=value`. It does NOT say whether a
 *   line was written `=>` (the object flag is not sent): a model read from GetConfig has no `arrow`.
 * - GetConfig skips template categories (`[name](!)`) unless asked with `Filter: TEMPLATES=include`; then it
 *   adds `IsTemplate-NNNNNN: 1`. A category built from templates gets `Templates-NNNNNN: a,b`, and its lines
 *   include the inherited ones (first, in template order).
 * - UpdateConfig: a `Value` starting with `>` writes a `=>` line (the `>` is dropped), for Append and Update;
 *   Update finds the LAST line of that name whose value equals `Match` case-insensitively (any value when
 *   Match is empty) and can set `=>` but never clear it; Delete with `Line: n` removes exactly the n-th line
 *   (0-based), with Var+Match it removes EVERY matching line; Insert drops `=>` and corrupts the category's
 *   tail pointer (a later Append loses lines), so jade never sends it. Every action addresses categories by
 *   name only and hits ALL categories of that name (case-insensitive); `catfilter` cannot be given a
 *   `name=value` (the options are split at `=`), so duplicate-named categories cannot be told apart and
 *   template categories cannot be appended to, emptied or deleted through AMI at all.
 * - NewCat with `Match` inserts before the first category of that name; without it, at the end. NewCat of a
 *   name that exists fails unless `Options: allowdups`. Category names are cut at 79 bytes.
 * - A step that fails (e.g. Update whose Match hits nothing) makes the whole UpdateConfig answer
 *   `Response: Error` (`Message: Update did not complete successfully`, or `Given category does not exist`)
 *   and nothing of that action is saved; earlier actions of a split diff stay saved.
 * - Asterisk reads at most 128 headers of an action and silently drops the rest (see updateConfigActions).
 * - The header reader skips blanks after the colon, and the file parser trims keys and values, so values
 *   are trimmed here too. A `;` in a value is saved escaped (`x\;y`) and GetConfig gives it back as `x;y`.
 * - Append to (or EmptyCat/DelCat of) a template answers `Given category does not exist`; NewCat with
 *   `Options: template` or `inherit=tpl` works (saved `[tpl](!)`, `[b](tpl)`).
 */
import {
  checkCategoryName,
  checkKey,
  checkText,
  checkValue,
  InvalidConfigError,
  type ConfigFile,
  type ConfigLine,
  type SettingJson,
} from './base.js';

export * from './base.js';
// ---- GetConfig ----------------------------------------------------------------------------------------

const CATEGORY_HEADER = /^category-(\d+)$/i;
const LINE_HEADER = /^line-(\d+)-(\d+)$/i;
const TEMPLATE_HEADER = /^istemplate-(\d+)$/i;
const TEMPLATES_HEADER = /^templates-(\d+)$/i;

/** Asterisk's GetConfig answer headers -> the file (no `arrow`: GetConfig does not tell). */
export function parseGetConfig(fields: Readonly<Record<string, string>>): ConfigFile {
  const categories = new Map<number, { name: string; lines: Map<number, ConfigLine>; template?: boolean; inherits?: string[] }>();
  const entry = (n: number) => {
    let found = categories.get(n);
    if (found === undefined) {
      found = { name: '', lines: new Map() };
      categories.set(n, found);
    }
    return found;
  };
  for (const [header, raw] of Object.entries(fields)) {
    const value = String(raw);
    let m: RegExpExecArray | null;
    if ((m = CATEGORY_HEADER.exec(header))) entry(Number(m[1])).name = value;
    else if ((m = LINE_HEADER.exec(header))) {
      const eq = value.indexOf('=');
      const line = eq < 0 ? { key: value, value: '' } : { key: value.slice(0, eq), value: value.slice(eq + 1) };
      entry(Number(m[1])).lines.set(Number(m[2]), line);
    } else if ((m = TEMPLATE_HEADER.exec(header))) entry(Number(m[1])).template = value.trim() === '1';
    else if ((m = TEMPLATES_HEADER.exec(header))) {
      entry(Number(m[1])).inherits = value.split(',').map((t) => t.trim()).filter((t) => t !== '');
    }
  }
  return [...categories.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, c]) => ({
      name: c.name,
      lines: [...c.lines.entries()].sort(([a], [b]) => a - b).map(([, l]) => l),
      ...(c.template ? { template: true } : {}),
      ...(c.inherits !== undefined && c.inherits.length > 0 ? { inherits: c.inherits } : {}),
    }));
}

/**
 * `fromAsterisk` (a GetConfig answer, which never says `=>`) with the `arrow` of `known` (the file as jade
 * last wrote it) put back on the lines that match it: same category (by position and name), same position,
 * key and value. Diff against this, not the bare answer, or a `=>` line turning into `=` goes unnoticed.
 */
export function withKnownArrows(fromAsterisk: ConfigFile, known: ConfigFile): ConfigFile {
  return fromAsterisk.map((category, ci) => {
    const k = known[ci];
    if (k === undefined || k.name !== category.name) return category;
    return {
      ...category,
      lines: category.lines.map((line, li) => {
        const kl = k.lines[li];
        return kl !== undefined && kl.arrow === true && kl.key === line.key && kl.value === line.value ? { ...line, arrow: true } : line;
      }),
    };
  });
}

/**
 * `wanted` with the template marks of `current` put back on categories of the same name that do not say
 * their own: §0's JSON cannot carry `[name](tpl)` or `[tpl](!)`, so a client that PUTs back what it GOT
 * would otherwise ask to re-create every category built from a template, which UpdateConfig cannot do.
 */
export function withKnownTemplates(current: ConfigFile, wanted: ConfigFile): ConfigFile {
  const marks = new Map(current.filter((c) => c.template === true || (c.inherits ?? []).length > 0).map((c) => [c.name.toLowerCase(), c]));
  if (marks.size === 0) return wanted;
  return wanted.map((category) => {
    const known = marks.get(category.name.toLowerCase());
    if (known === undefined || category.template !== undefined || category.inherits !== undefined) return category;
    return { ...category, ...(known.template === true ? { template: true } : {}), ...(known.inherits !== undefined ? { inherits: known.inherits } : {}) };
  });
}

// ---- §0 JSON ------------------------------------------------------------------------------------------

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/**
 * §0's JSON: a repeated key becomes an array, a `=>` line's value gets "> " (only when the model knows it).
 * Categories of the same name (pjsip.conf style) are merged into one section: the JSON cannot hold both.
 */
export function toSettingJson(file: ConfigFile): SettingJson {
  const json: SettingJson = Object.create(null) as SettingJson;
  for (const category of file) {
    const section = (json[category.name] ??= {});
    for (const line of category.lines) {
      const value = line.arrow === true ? `> ${line.value}` : line.value;
      const existing = section[line.key];
      if (existing === undefined) section[line.key] = value;
      else if (Array.isArray(existing)) existing.push(value);
      else section[line.key] = [existing, value];
    }
  }
  return { ...json };
}

function lineFromJson(key: string, raw: string, field: string): ConfigLine {
  checkText(field, 'a value', raw);
  const arrow = raw.startsWith('>');
  const value = (arrow ? raw.slice(1) : raw).trim();
  checkValue(value, field, arrow);
  return arrow ? { key, value, arrow: true } : { key, value };
}

/** §0's JSON -> the file, validated (InvalidConfigError naming the field). A value starting with ">" is a `=>` line. */
export function fromSettingJson(json: unknown): ConfigFile {
  if (!isPlainObject(json)) throw new InvalidConfigError('body', 'the setting is an object of sections');
  return Object.entries(json).map(([name, section]) => {
    checkCategoryName(name);
    if (!isPlainObject(section)) throw new InvalidConfigError(name, 'a section is an object of keys');
    const lines = Object.entries(section).flatMap(([key, value]): ConfigLine[] => {
      const field = `${name}.${key}`;
      checkKey(key, field);
      if (typeof value === 'string') return [lineFromJson(key, value, field)];
      if (Array.isArray(value)) {
        return value.map((item, i) => {
          if (typeof item !== 'string') throw new InvalidConfigError(`${field}[${i}]`, 'a value is a string');
          return lineFromJson(key, item, `${field}[${i}]`);
        });
      }
      throw new InvalidConfigError(field, 'a value is a string or an array of strings');
    });
    return { name, lines };
  });
}

// ---- text ---------------------------------------------------------------------------------------------

/** The file as text: `[cat]` (`(!)`, `(a,b)`), `key = value` / `key => value`, a blank line between categories. */
export function renderConfig(file: ConfigFile): string {
  return file
    .map((category) => {
      const flags = [...(category.template ? ['!'] : []), ...(category.inherits ?? [])];
      const head = `[${category.name}]${flags.length > 0 ? `(${flags.join(',')})` : ''}`;
      return [head, ...category.lines.map((l) => `${l.key} ${l.arrow ? '=>' : '='} ${l.value}`.trimEnd())].join('\n');
    })
    .map((block) => `${block}\n`)
    .join('\n');
}

/**
 * Raw text (PUT /dialplan/setting) -> the model. What AMI cannot carry (comments, blank lines, #include/#exec
 * and other directives, lines without "=") is returned in `dropped` with its 1-based line number. A line
 * before any category is refused (Asterisk refuses the whole file then).
 */
export function parseConfigText(text: string): { readonly file: ConfigFile; readonly dropped: readonly { line: number; text: string }[] } {
  if (text.includes('\0')) throw new InvalidConfigError('body', 'the text must not contain NUL');
  const dropped: { line: number; text: string }[] = [];
  const file: { name: string; lines: ConfigLine[]; template?: boolean; inherits?: string[] }[] = [];
  let current: (typeof file)[number] | undefined;
  let inBlockComment = false;
  text.split('\n').forEach((rawLine, index) => {
    const lineNo = index + 1;
    const raw = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (raw.includes('\r')) throw new InvalidConfigError(`line ${lineNo}`, 'a line must not contain CR');
    // Comments: `;` to the end of the line unless escaped `\;`; `;--` ... `--;` blocks.
    let content = '';
    let comment = false;
    for (let i = 0; i < raw.length; i++) {
      if (inBlockComment) {
        comment = true;
        if (raw.startsWith('--;', i)) {
          inBlockComment = false;
          i += 2;
        }
        continue;
      }
      if (raw[i] === '\\' && raw[i + 1] === ';') {
        content += ';';
        i++;
        continue;
      }
      if (raw[i] === ';') {
        comment = true;
        if (raw.startsWith(';--', i)) {
          inBlockComment = true;
          i += 2;
          continue;
        }
        break;
      }
      content += raw[i];
    }
    const body = content.trim();
    if (body === '') {
      dropped.push({ line: lineNo, text: raw });
      return;
    }
    if (comment) dropped.push({ line: lineNo, text: raw });
    if (body.startsWith('#')) {
      if (!comment) dropped.push({ line: lineNo, text: raw });
      return;
    }
    if (body.startsWith('[')) {
      const m = /^\[([^\]]*)\]\s*(?:\(([^)]*)\))?$/.exec(body);
      if (m === null) throw new InvalidConfigError(`line ${lineNo}`, `not a category header: ${body}`);
      const name = m[1]!.trim();
      checkCategoryName(name, `line ${lineNo}`);
      const flags = (m[2] ?? '').split(',').map((f) => f.trim()).filter((f) => f !== '');
      if (flags.includes('+')) {
        // `[name](+)` adds to the category of that name.
        current = [...file].reverse().find((c) => c.name.toLowerCase() === name.toLowerCase());
        if (current === undefined) throw new InvalidConfigError(`line ${lineNo}`, `(+) of a category not defined before: ${name}`);
        return;
      }
      const inherits = flags.filter((f) => f !== '!');
      current = {
        name,
        lines: [],
        ...(flags.includes('!') ? { template: true } : {}),
        ...(inherits.length > 0 ? { inherits } : {}),
      };
      file.push(current);
      return;
    }
    const eq = body.indexOf('=');
    if (eq < 0) {
      if (!comment) dropped.push({ line: lineNo, text: raw });
      return;
    }
    if (current === undefined) throw new InvalidConfigError(`line ${lineNo}`, 'a line before any [category]');
    const key = body.slice(0, eq).trim();
    const arrow = body[eq + 1] === '>';
    const value = body.slice(eq + (arrow ? 2 : 1)).trim();
    checkKey(key, `line ${lineNo}`);
    checkValue(value, `line ${lineNo}`, arrow);
    current.lines.push(arrow ? { key, value, arrow: true } : { key, value });
  });
  return { file, dropped };
}

/**
 * A line diff between two texts (for history): each line prefixed `+` (added), `-` (removed) or ` ` (kept),
 * the longest common subsequence kept.
 */
export function lineDiff(before: string, after: string): readonly string[] {
  const a = before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const b = after === '' ? [] : after.replace(/\n$/, '').split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const n = midA.length;
  const m = midB.length;
  // lcs[i][j]: longest common subsequence of midA[i..] and midB[j..].
  const lcs = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[at(i, j)] = midA[i] === midB[j] ? lcs[at(i + 1, j + 1)]! + 1 : Math.max(lcs[at(i + 1, j)]!, lcs[at(i, j + 1)]!);
    }
  }
  const out = a.slice(0, start).map((l) => ` ${l}`);
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && midA[i] === midB[j]) {
      out.push(` ${midA[i]}`);
      i++;
      j++;
    } else if (i < n && (j === m || lcs[at(i + 1, j)]! >= lcs[at(i, j + 1)]!)) {
      out.push(`-${midA[i]}`);
      i++;
    } else {
      out.push(`+${midB[j]}`);
      j++;
    }
  }
  out.push(...a.slice(endA).map((l) => ` ${l}`));
  return out;
}

export { diffConfig, updateConfigActions, applyConfigChanges, UnsupportedConfigChangeError, type ConfigChange } from './diff.js';
