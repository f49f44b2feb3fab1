import { actionOf, yesNo, type ActionIdentity, type FieldValue } from './action-fields.js';
import type { AmiAction } from './port.js';

/**
 * Asterisk's configuration files through AMI (ARCHITECTURE.md "Configuration writes"): jade never touches the
 * files on disk, so Asterisk may run on another host.
 */

export interface GetConfigInput extends ActionIdentity {
  /** A file in Asterisk's config directory, e.g. `queues.conf`. */
  readonly filename: string;
  /** Only this category. */
  readonly category?: string;
  /** Asterisk's `name_regex=value_regex,...` filter on the categories' variables. */
  readonly filter?: string;
}

const getConfigFields = (input: GetConfigInput): Readonly<Record<string, FieldValue>> => ({
  Filename: input.filename,
  Category: input.category,
  Filter: input.filter,
});

/** The file as `Category-000000` / `Line-000000-000000` headers. */
export function getConfig(input: GetConfigInput): AmiAction {
  return actionOf('GetConfig', input.actionId, getConfigFields(input));
}

/** The file as one `JSON` header. */
export function getConfigJson(input: GetConfigInput): AmiAction {
  return actionOf('GetConfigJSON', input.actionId, getConfigFields(input));
}

/** One edit of an UpdateConfig, as Asterisk's `Action-NNNNNN` names it. */
export type ConfigChange =
  | { readonly action: 'NewCat'; readonly category: string; readonly options?: string; /** Insert before the first category of this name (else at the end). */ readonly match?: string }
  | { readonly action: 'RenameCat'; readonly category: string; readonly value: string }
  | { readonly action: 'DelCat' | 'EmptyCat'; readonly category: string }
  | { readonly action: 'Update'; readonly category: string; readonly variable: string; readonly value: string; readonly match?: string }
  | { readonly action: 'Delete'; readonly category: string; readonly variable: string; readonly match?: string; readonly line?: number }
  | { readonly action: 'Append'; readonly category: string; readonly variable: string; readonly value: string }
  | { readonly action: 'Insert'; readonly category: string; readonly variable: string; readonly value: string; readonly line: number };

export interface UpdateConfigInput extends ActionIdentity {
  readonly srcFilename: string;
  readonly dstFilename: string;
  /** After writing: reload everything (`true`), one module (its name), or nothing (absent or `false`). */
  readonly reload?: boolean | string;
  readonly preserveEffectiveContext?: boolean;
  readonly changes: readonly ConfigChange[];
}

/** Asterisk reads at most 128 headers of an action (AST_MAX_MANHEADERS) and drops the rest without a word. */
export const maxHeadersPerAction = 127;

/** The headers of change `index`, numbered as Asterisk reads them (`%06d`). */
function changeHeaders(change: ConfigChange, index: number): Record<string, FieldValue> {
  const n = String(index).padStart(6, '0');
  return {
    [`Action-${n}`]: change.action,
    [`Cat-${n}`]: change.category,
    [`Var-${n}`]: 'variable' in change ? change.variable : undefined,
    [`Value-${n}`]: 'value' in change ? change.value : undefined,
    [`Match-${n}`]: 'match' in change ? change.match : undefined,
    [`Line-${n}`]: 'line' in change ? change.line : undefined,
    [`Options-${n}`]: 'options' in change ? change.options : undefined,
  };
}

/**
 * One UpdateConfig. Throws RangeError when it would exceed `maxHeadersPerAction`: the caller splits its diff
 * into several actions rather than have Asterisk apply part of it.
 */
export function updateConfig(input: UpdateConfigInput): AmiAction {
  const action = actionOf('UpdateConfig', input.actionId, {
    SrcFilename: input.srcFilename,
    DstFilename: input.dstFilename,
    // Not `Reload: no`: Asterisk reloads all on a true value and takes anything else as a module's name.
    Reload: typeof input.reload === 'string' ? input.reload : input.reload === true ? 'yes' : undefined,
    PreserveEffectiveContext: yesNo(input.preserveEffectiveContext),
    ...Object.assign({}, ...input.changes.map(changeHeaders)),
  });
  // The encoder adds an ActionID when none is given: it counts too.
  const headers = Object.keys(action).length + ('ActionID' in action ? 0 : 1);
  if (headers > maxHeadersPerAction) {
    throw new RangeError(`UpdateConfig of ${input.changes.length} changes needs ${headers} headers; Asterisk reads at most ${maxHeadersPerAction}`);
  }
  return action;
}
