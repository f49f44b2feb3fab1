import { mkdir, open, type FileHandle } from 'node:fs/promises';
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

/** Bytes read at a time while looking back for the last complete line. */
const SCAN_CHUNK = 64 * 1024;

const NEWLINE = 0x0a;

interface Waiting {
  readonly line: string;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The offset just past the file's last newline: where its complete lines end. A UTF-8 newline byte never
 * occurs inside a multi-byte character, so the scan works on bytes.
 */
async function completeLinesEnd(handle: FileHandle, size: number): Promise<number> {
  const buffer = Buffer.alloc(Math.min(SCAN_CHUNK, size));
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - buffer.length);
    const { bytesRead } = await handle.read(buffer, 0, end - start, start);
    const at = buffer.subarray(0, bytesRead).lastIndexOf(NEWLINE);
    if (at >= 0) return start + at + 1;
    end = start;
  }
  return 0;
}

export class ResultFile {
  private handle: FileHandle | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  /** Lines waiting for the write in progress to finish: they go out together, with one fsync (group commit). */
  private waiting: Waiting[] = [];
  /** The file may end in a torn line (just opened: the last run's crash; a write that failed part-way): cut before the next use. */
  private mayBeTorn = false;

  constructor(readonly path: string) {}

  /**
   * Opens the file and cuts a torn last line (a crash or a failed write mid-record): the file then ends
   * after its last complete line. A torn record is never a written one: its dialing's entry is still held
   * (the release comes after the fsync), so recovery writes the record again, whole, from the log, and the
   * next record starts a line of its own. Resolves to the bytes cut (0 when the file was whole).
   * The dialer's recovery calls it before anything else; any first use of the file does it too.
   */
  open(): Promise<number> {
    return this.serially(async () => (await this.whole()).cut);
  }

  /** Appends one record as one line; resolves once it is fsync'd. Lines never interleave. */
  append(record: Readonly<Record<string, unknown>>): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ line, resolve, reject });
      if (this.waiting.length === 1) void this.serially(() => this.flush());
    });
  }

  /** Writes every waiting line in one append and one fsync. */
  private async flush(): Promise<void> {
    const group = this.waiting;
    this.waiting = [];
    try {
      const { handle } = await this.whole();
      // Until the fsync returns, the file may end in part of this write.
      this.mayBeTorn = true;
      await handle.appendFile(group.map((entry) => entry.line).join(''), 'utf8');
      await handle.sync();
      this.mayBeTorn = false;
      for (const entry of group) entry.resolve();
    } catch (error) {
      for (const entry of group) entry.reject(error);
    }
  }

  /**
   * Whether a record for this dialing is already in the file's last few MB. A crash between writing the
   * record and releasing the entry leaves it there; recovery then releases the entry without a second line.
   * Only complete lines count: the file is cut to them when it is opened.
   */
  contains(dialingUuid: string): Promise<boolean> {
    return this.serially(async () => {
      const { handle } = await this.whole();
      const size = (await handle.stat()).size;
      if (size === 0) return false;
      const length = Math.min(size, TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer.toString('utf8').includes(`{"uuid":${JSON.stringify(dialingUuid)},`);
    });
  }

  async close(): Promise<void> {
    await this.chain;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  /** Runs `fn` after every file operation before it: a cut never meets a write under way. */
  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** The open file, its torn tail (if it may have one) cut first. */
  private async whole(): Promise<{ readonly handle: FileHandle; readonly cut: number }> {
    const handle = await this.file();
    return { handle, cut: this.mayBeTorn ? await this.cutTornTail(handle) : 0 };
  }

  private async cutTornTail(handle: FileHandle): Promise<number> {
    const size = (await handle.stat()).size;
    const end = size === 0 ? 0 : await completeLinesEnd(handle, size);
    if (end < size) {
      await handle.truncate(end);
      await handle.sync();
    }
    this.mayBeTorn = false;
    return size - end;
  }

  private async file(): Promise<FileHandle> {
    if (this.handle === undefined) {
      await mkdir(dirname(this.path), { recursive: true });
      // 'a+': appends always go to the end; reads (recovery) see the whole file.
      this.handle = await open(this.path, 'a+');
      // Whatever opens the file first, a torn tail from the last run is cut before anything reads or appends.
      this.mayBeTorn = true;
    }
    return this.handle;
  }
}
