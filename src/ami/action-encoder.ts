import { AmiUnsafeValueError, isAmiSafe, type AmiAction } from './port.js';

export interface EncodedAction {
  /** The `Action` header's value (`Originate`, `Command`, ...). */
  readonly name: string;
  readonly actionId: string;
  /** The bytes to write, ending with the blank line that completes the frame. */
  readonly text: string;
}

/** A header name we are willing to write: no separator, no line break, no NUL. */
const headerName = /^[A-Za-z0-9_()-]+$/;

/**
 * Turns an action into wire text, or throws before anything reaches the socket.
 *
 * Every name and value is checked: a CR or LF would end the header early and let the rest of the value be read
 * as further headers (or a whole second action), and Asterisk truncates at NUL. `undefined` values are left
 * out so callers can spread optional fields. `ActionID` is the caller's when given (any spelling, since
 * Asterisk reads headers case-insensitively), else `generateId()`.
 */
export function encodeAction(action: AmiAction, generateId: () => string): EncodedAction {
  let name: string | undefined;
  let actionId: string | undefined;
  const rest: string[] = [];
  for (const key of Object.keys(action)) {
    const raw = action[key];
    if (raw === undefined) continue;
    if (!headerName.test(key)) throw new AmiUnsafeValueError(key);
    const value = typeof raw === 'number' ? String(raw) : raw;
    if (typeof value !== 'string' || !isAmiSafe(value)) throw new AmiUnsafeValueError(key);
    const lower = key.toLowerCase();
    if (lower === 'action') name = value;
    else if (lower === 'actionid') actionId = value === '' ? undefined : value;
    else rest.push(`${key}: ${value}\r\n`);
  }
  if (name === undefined || name === '') throw new TypeError('an AMI action needs an Action header');
  const id = actionId ?? generateId();
  return { name, actionId: id, text: `Action: ${name}\r\nActionID: ${id}\r\n${rest.join('')}\r\n` };
}
