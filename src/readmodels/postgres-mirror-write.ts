import type { PgClient } from '../postgres/connection.js';
import { quoteIdent } from '../postgres/connection.js';
import { mirrorLockKey } from '../postgres/lock-keys.js';
import { LeaseLostError } from '../eventstore/port.js';

/** What one runner commit (or a leader's catch-up of the shared tables) leaves to write to PostgreSQL. */
export interface MirrorJob {
  /** The runner's position after the commit. */
  readonly position: number;
  readonly upserts: ReadonlyMap<string, readonly Record<string, unknown>[]>;
  readonly deletes: ReadonlyMap<string, readonly string[]>;
  readonly checkpoints: readonly Record<string, unknown>[];
  readonly changes: readonly unknown[];
}

/** The NOTIFY channel a mirror write ends with (payload: the position written), so followers know what PostgreSQL holds. */
export const mirrorNotifyChannel = 'jade_readmodels';

/** The runner position PostgreSQL's read models stand at: every projection's checkpoint is at least this. */
export async function storedPosition(client: Pick<PgClient, 'query'>): Promise<number> {
  const { rows } = await client.query<{ position: number }>('SELECT COALESCE(MIN(position), 0)::bigint AS position FROM projection_checkpoints');
  return Number(rows[0]!.position);
}

/**
 * Writes `jobs` in the caller's transaction: the final state per key across them (a later job's row or delete
 * replaces an earlier one) and the last checkpoints, then notifies the position. Under the mirror lock; with an
 * `epoch`, refuses (LeaseLostError, nothing written) unless jade_leadership still holds it, which cannot
 * change before commit since the epoch's increment takes the mirror lock too.
 */
export async function writeMirrorJobs(client: PgClient, keys: ReadonlyMap<string, string>, jobs: readonly MirrorJob[], epoch: number | undefined): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [mirrorLockKey]);
  if (epoch !== undefined) {
    const { rows } = await client.query<{ epoch: number }>('SELECT epoch FROM jade_leadership WHERE id = 1');
    const current = Number(rows[0]?.epoch ?? 0);
    if (current !== epoch) throw new LeaseLostError(`leadership epoch ${epoch} is over (now ${current}): read-model write refused`);
  }
  const last = jobs[jobs.length - 1]!.position;
  // Without leadership (tests, tools) two runners may share the tables: the one behind must not overwrite newer rows.
  const stored = await client.query<{ position: number }>('SELECT COALESCE(MAX(position), 0)::bigint AS position FROM projection_checkpoints');
  if (Number(stored.rows[0]!.position) > last) return;
  const final = new Map<string, Map<string, Record<string, unknown> | null>>();
  const slot = (table: string): Map<string, Record<string, unknown> | null> => {
    let rows = final.get(table);
    if (!rows) final.set(table, (rows = new Map()));
    return rows;
  };
  for (const job of jobs) {
    for (const [table, rows] of job.upserts) {
      const key = keys.get(table)!;
      for (const row of rows) slot(table).set(String(row[key]), row);
    }
    for (const [table, removed] of job.deletes) for (const key of removed) slot(table).set(key, null);
  }
  const checkpoints = jobs[jobs.length - 1]!.checkpoints;
  for (const row of checkpoints) slot('projection_checkpoints').set(String(row['name']), row);
  for (const [table, rows] of final) {
    const key = keys.get(table)!;
    const removed = [...rows].filter(([, row]) => row === null).map(([id]) => id);
    if (removed.length > 0) await client.query(`DELETE FROM ${quoteIdent(table)} WHERE ${quoteIdent(key)} = ANY($1::text[])`, [removed]);
    const kept = [...rows.values()].filter((row): row is Record<string, unknown> => row !== null);
    for (let i = 0; i < kept.length; i += 500) await upsert(client, table, key, kept.slice(i, i + 500));
  }
  await client.query('SELECT pg_notify($1, $2)', [mirrorNotifyChannel, String(last)]);
}

async function upsert(client: PgClient, table: string, key: string, rows: readonly Record<string, unknown>[]): Promise<void> {
  const columns = Object.keys(rows[0]!);
  const values: unknown[] = [];
  const tuples = rows.map((row) => `(${columns.map((column) => `$${values.push(forPostgres(row[column]))}`).join(', ')})`);
  const updates = columns.filter((column) => column !== key).map((column) => `${quoteIdent(column)} = excluded.${quoteIdent(column)}`);
  await client.query(
    `INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (${quoteIdent(key)}) DO ${
      updates.length > 0 ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'
    }`,
    values,
  );
}

/**
 * PostgreSQL text cannot hold U+0000, which SQLite stores and hostile AMI frames do carry: it becomes U+FFFD
 * (the replacement character) in PostgreSQL, where a NUL would fail the whole batch and stop the mirror.
 */
function forPostgres(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' && value.includes('\u0000') ? value.replace(/\u0000/g, '\uFFFD') : value;
}
