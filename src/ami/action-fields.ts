import type { AmiAction } from './port.js';

/** What every builder takes: the `ActionID`, a command's uuid so its answer and events correlate; generated when absent. */
export interface ActionIdentity {
  readonly actionId?: string;
}

/** A header value as a builder hands it over; `undefined` means "leave the header out". */
export type FieldValue = string | number | undefined;

/**
 * The action `name` with `fields` in the given order, `ActionID` second when given. Absent fields are left out of
 * the object (not kept as `undefined` keys), so what a builder returns is exactly what reaches the wire.
 */
export function actionOf(name: string, actionId: string | undefined, fields: Readonly<Record<string, FieldValue>> = {}): AmiAction {
  const action: Record<string, string | number> = { Action: name };
  if (actionId !== undefined) action.ActionID = actionId;
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) action[key] = value;
  return action;
}

/** AMI's booleans as Asterisk's `ast_true()` reads them in the queue actions. */
export const trueFalse = (value: boolean | undefined): string | undefined => (value === undefined ? undefined : value ? 'true' : 'false');

/** AMI's booleans as the config actions document them. */
export const yesNo = (value: boolean | undefined): string | undefined => (value === undefined ? undefined : value ? 'yes' : 'no');
