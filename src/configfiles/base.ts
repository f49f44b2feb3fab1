/** The model's types, its validation and equality (shared by model.ts and diff.ts). */
import { InvalidInputError } from '../validation.js';

/** One `key = value` / `key => value` line of a category, in file order. `arrow`: written with `=>` (GetConfig cannot tell). */
export interface ConfigLine {
  readonly key: string;
  readonly value: string;
  readonly arrow?: boolean;
}

/** A `[name]` category, its lines in order; `template`: `[name](!)`; `inherits`: `[name](a,b)`, as GetConfig reports them. */
export interface ConfigCategory {
  readonly name: string;
  readonly lines: readonly ConfigLine[];
  readonly template?: boolean;
  readonly inherits?: readonly string[];
}

export type ConfigFile = readonly ConfigCategory[];

/** §0's JSON shape: `{section: {key: value | value[]}}`. */
export type SettingJson = Record<string, Record<string, string | string[]>>;

/** A configuration (JSON, text or model) jade refuses to write; `field` names where (`section`, `section.key`, `line 3`). */
export class InvalidConfigError extends InvalidInputError {
  override readonly name: string = 'InvalidConfigError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`, [field]);
  }
}

/** Asterisk's category name buffer is 80 bytes. */
export const maxCategoryNameBytes = 79;
/** AMI reads a header line into a 1025-byte buffer; keep a value well inside it. */
export const maxValueBytes = 900;

const CONTROL = /[\r\n\0]/;

export function checkText(field: string, what: string, text: string): void {
  if (CONTROL.test(text)) throw new InvalidConfigError(field, `${what} must not contain CR, LF or NUL`);
}

/** Refuses a category name Asterisk would misread. */
export function checkCategoryName(name: string, field = name): void {
  checkText(field, 'a section name', name);
  if (name.trim() === '') throw new InvalidConfigError(field, 'a section name must not be empty');
  if (name !== name.trim()) throw new InvalidConfigError(field, 'a section name must not start or end with blanks');
  if (/[[\];]/.test(name)) throw new InvalidConfigError(field, 'a section name must not contain "[", "]" or ";"');
  if (Buffer.byteLength(name) > maxCategoryNameBytes) {
    throw new InvalidConfigError(field, `a section name has at most ${maxCategoryNameBytes} bytes`);
  }
}

/** Refuses a key Asterisk would misread (a directive, a category, a comment, a split at `=`). */
export function checkKey(key: string, field: string): void {
  checkText(field, 'a key', key);
  if (key.trim() === '') throw new InvalidConfigError(field, 'a key must not be empty');
  if (key !== key.trim()) throw new InvalidConfigError(field, 'a key must not start or end with blanks');
  if (/[=;]/.test(key)) throw new InvalidConfigError(field, 'a key must not contain "=" or ";"');
  if (/^[#[]/.test(key)) throw new InvalidConfigError(field, 'a key must not start with "#" or "["');
  if (key.endsWith('>')) throw new InvalidConfigError(field, 'a key must not end with ">"');
}

/** Refuses a value that cannot reach Asterisk as it is. */
export function checkValue(value: string, field: string, arrow: boolean): void {
  checkText(field, 'a value', value);
  if (value !== value.trim()) throw new InvalidConfigError(field, 'a value must not start or end with blanks');
  if (Buffer.byteLength(value) > maxValueBytes) throw new InvalidConfigError(field, `a value has at most ${maxValueBytes} bytes`);
  // Asterisk strips one ">" from a Value header and writes `=>`: a plain value cannot start with one.
  if (!arrow && value.startsWith('>')) throw new InvalidConfigError(field, 'a value starting with ">" is written "key => value"');
  // A ";" is fine: Asterisk 22 saves it as "\\;" and reads it back as ";".
}

/** Validates a whole model (what diffConfig is asked to write). */
export function checkConfigFile(file: ConfigFile): void {
  if (!Array.isArray(file)) throw new InvalidConfigError('body', 'a configuration is a list of categories');
  file.forEach((category) => {
    checkCategoryName(category.name);
    for (const parent of category.inherits ?? []) checkCategoryName(parent, `${category.name}(${parent})`);
    category.lines.forEach((line: ConfigLine, i: number) => {
      const field = `${category.name}.${line.key}`;
      checkKey(line.key, `${category.name}[${i}]`);
      checkValue(line.value, field, line.arrow === true);
    });
  });
}

export const sameLine = (a: ConfigLine, b: ConfigLine): boolean => a.key === b.key && a.value === b.value && (a.arrow === true) === (b.arrow === true);

const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined): boolean =>
  (a ?? []).length === (b ?? []).length && (a ?? []).every((x, i) => x === (b ?? [])[i]);

/** Same name, flags and lines (`arrow` absent = false). */
export function sameCategory(a: ConfigCategory, b: ConfigCategory): boolean {
  return (
    a.name === b.name &&
    (a.template === true) === (b.template === true) &&
    sameList(a.inherits, b.inherits) &&
    a.lines.length === b.lines.length &&
    a.lines.every((line, i) => sameLine(line, b.lines[i]!))
  );
}

export function sameConfig(a: ConfigFile, b: ConfigFile): boolean {
  return a.length === b.length && a.every((c, i) => sameCategory(c, b[i]!));
}


