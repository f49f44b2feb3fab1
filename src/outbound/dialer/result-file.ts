import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DialingObject } from '../resources/index.js';

/**
 * The outbound result file (catalog 50-outbound §5; ARCHITECTURE.md "Outbound": `outbound.result_file`,
 * JSON Lines): one compact record per finished dialing, appended and fsync'd before the dialing's entry is
 * released, so a record the dial list shows as done is on disk.
 */

/** The catalog's result record, in the order of its example: identity, results, dial info, resources, timestamps; then the rest of the dialing. */
export function resultRecord(dialing: DialingObject): Record<string, unknown> {
  return {
    uuid: dialing.uuid,
    // The catalog's records always show a null name: a dialing has none.
    name: null,
    action_id: dialing.action_id,
    status: dialing.status,
    res_dial: dialing.res_dial,
    res_dial_detail: dialing.res_dial_detail,
    res_hangup: dialing.res_hangup,
    res_hangup_detail: dialing.res_hangup_detail,
    dial_addr: dialing.dial_addr,
    dial_channel: dialing.dial_channel,
    // `""` when the destination has no data (catalog §5).
    dial_data: dialing.dial_data ?? '',
    dial_application: dialing.dial_application,
    dial_type: dialing.dial_type,
    dial_index: dialing.dial_index,
    dial_trycnt: dialing.dial_trycnt,
    dial_timeout: dialing.dial_timeout,
    dial_exten: dialing.dial_exten,
    uuid_camp: dialing.uuid_camp,
    uuid_plan: dialing.uuid_plan,
    uuid_dest: dialing.uuid_dest,
    uuid_dlma: dialing.uuid_dlma,
    uuid_dl_list: dialing.uuid_dl_list,
    tm_create: dialing.tm_create,
    tm_update: dialing.tm_update,
    // Written as the dialing finishes, before it is removed: null, as in the catalog's examples.
    tm_delete: null,
    // Allowed beyond the catalog's list (§5): the rest of the dialing record.
    channel: dialing.channel,
    dial_context: dialing.dial_context,
    dial_priority: dialing.dial_priority,
    dial_variables: dialing.dial_variables,
  };
}

/** Bytes of the file's end searched for a record already written (recovery after a crash). */
const TAIL_BYTES = 4 * 1024 * 1024;

interface Waiting {
  readonly line: string;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class ResultFile {
  private handle: FileHandle | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  /** Lines waiting for the write in progress to finish: they go out together, with one fsync (group commit). */
  private waiting: Waiting[] = [];

  constructor(readonly path: string) {}

  /** Appends one record as one line; resolves once it is fsync'd. Lines never interleave. */
  append(record: Readonly<Record<string, unknown>>): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ line, resolve, reject });
      if (this.waiting.length === 1) this.chain = this.chain.then(() => this.flush());
    });
  }

  /** Writes every waiting line in one append and one fsync. */
  private async flush(): Promise<void> {
    const group = this.waiting;
    this.waiting = [];
    try {
      const handle = await this.file();
      await handle.appendFile(group.map((entry) => entry.line).join(''), 'utf8');
      await handle.sync();
      for (const entry of group) entry.resolve();
    } catch (error) {
      for (const entry of group) entry.reject(error);
    }
  }

  /**
   * Whether a record for this dialing is already in the file's last few MB. A crash between writing the
   * record and releasing the entry leaves it there; recovery then releases the entry without a second line.
   */
  async contains(dialingUuid: string): Promise<boolean> {
    await this.chain;
    const size = await stat(this.path).then((s) => s.size, () => 0);
    if (size === 0) return false;
    const handle = await this.file();
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8').includes(`{"uuid":${JSON.stringify(dialingUuid)},`);
  }

  async close(): Promise<void> {
    await this.chain;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private async file(): Promise<FileHandle> {
    if (this.handle === undefined) {
      await mkdir(dirname(this.path), { recursive: true });
      // 'a+': appends always go to the end; reads (recovery) see the whole file.
      this.handle = await open(this.path, 'a+');
    }
    return this.handle;
  }
}
