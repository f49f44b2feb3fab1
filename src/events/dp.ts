import { streams } from './streams.js';

/**
 * Async dialplans (issue 14, catalog 60-core-dialplan §9-12 and 20-admin adps/adpmas): a **dpma** (dialplan
 * master, stream `dpma-<uuid>`) holds ordered **dialplans** (steps, stream `dialplan-<uuid>`), each an AGI
 * command line. Lifecycle events decided on the generic resource path (src/dp/commands.ts) and folded by
 * projections/dialplans.ts. Every `tm_*` is in the event's data, so a replay derives the same objects.
 */
export const dpEventTypes = {
  dpmaCreated: 'DpmaCreated',
  dpmaUpdated: 'DpmaUpdated',
  /** The dpma is gone (the catalog's dpma has no `in_use`): it leaves the read model; the log keeps it. */
  dpmaDeleted: 'DpmaDeleted',
  dialplanCreated: 'DialplanCreated',
  dialplanUpdated: 'DialplanUpdated',
  /** A hard delete (catalog §10): the step leaves the read model. */
  dialplanDeleted: 'DialplanDeleted',
} as const;

export const dpStreamKinds = { dpma: 'dpma', dialplan: 'dialplan' } as const;

export const dpStreams = {
  dpma: (uuid: string): string => streams.object(dpStreamKinds.dpma, uuid),
  dialplan: (uuid: string): string => streams.object(dpStreamKinds.dialplan, uuid),
} as const;

/** What a dpma does when its script fails (unknown command, 510/520): hang the call up (default) or leave it in the dialplan. */
export const dpmaOnError = ['hangup', 'continue'] as const;
export type DpmaOnError = (typeof dpmaOnError)[number];

export interface DpmaFields {
  readonly name: string | null;
  readonly detail: string | null;
  readonly on_error: DpmaOnError;
}

export interface DialplanFields {
  readonly dpma_uuid: string;
  readonly sequence: number;
  readonly name: string | null;
  readonly detail: string | null;
  /** An AGI command line (`EXEC Playback beep`); never holds CR, LF or NUL (refused at submit). */
  readonly command: string | null;
}

export type DpmaCreatedData = { readonly uuid: string; readonly tm_create: string } & DpmaFields;
export interface DpmaUpdatedData {
  readonly uuid: string;
  readonly changes: Partial<DpmaFields>;
  readonly tm_update: string;
}
export interface DpmaDeletedData {
  readonly uuid: string;
  readonly tm_delete: string;
}

export type DialplanCreatedData = { readonly uuid: string; readonly tm_create: string } & DialplanFields;
export interface DialplanUpdatedData {
  readonly uuid: string;
  readonly changes: Partial<DialplanFields>;
  readonly tm_update: string;
}
export interface DialplanDeletedData {
  readonly uuid: string;
  readonly tm_delete: string;
}
