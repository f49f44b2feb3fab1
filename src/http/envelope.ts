import type { Context } from 'koa';
import { nowTimestamp } from '../events/time.js';

export const API_VERSION = '0.1';

export interface Envelope {
  readonly api_ver: string;
  readonly statuscode: number;
  readonly timestamp: string;
  readonly result?: unknown;
  readonly error?: { readonly code: number; readonly message: string; readonly details?: unknown };
}

/** The manual's envelope: `result` only when there is one (writes answer without it). */
export function envelope(statuscode: number, result?: unknown): Envelope {
  const base = { api_ver: API_VERSION, statuscode, timestamp: nowTimestamp() };
  return result === undefined ? base : { ...base, result };
}

export function errorEnvelope(statuscode: number, message: string, details?: unknown): Envelope {
  const error = details === undefined ? { code: statuscode, message } : { code: statuscode, message, details };
  return { api_ver: API_VERSION, statuscode, timestamp: nowTimestamp(), error };
}

/** Answers 200 with the envelope. */
export function reply(ctx: Context, result?: unknown): void {
  ctx.status = 200;
  ctx.body = envelope(200, result);
}

/** Answers 200 with a pre-serialised `result` JSON (SQLite-built JSON skips a parse/stringify round trip). */
export function replyRawResult(ctx: Context, resultJson: string): void {
  ctx.status = 200;
  ctx.type = 'application/json';
  ctx.body = `{"api_ver":"${API_VERSION}","statuscode":200,"timestamp":"${nowTimestamp()}","result":${resultJson}}`;
}
