/**
 * Asterisk's voicemail spool (`<spool>/<context>/<mailbox>/<folder>/msgNNNN.{txt,wav,WAV,gsm,...}`): the one
 * place where jade reads (and, for a delete, changes) Asterisk's disk (catalog 70 §4.6-4.7). Every name that
 * reaches a path is checked first (`checkSpoolName`), and every path is resolved with its symlinks and must
 * stay inside the spool (`insideSpool`): a symlink planted in the spool that points out is refused like `../`.
 */
import { promises as fsp, realpathSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { InvalidInputError } from '../validation.js';

/** app_voicemail's folder names (`mbox()` in app_voicemail.c). */
export const voicemailFolders = ['INBOX', 'Old', 'Work', 'Family', 'Friends', 'Cust1', 'Cust2', 'Cust3', 'Cust4', 'Cust5', 'Deleted', 'Urgent'] as const;

/** The largest message number app_voicemail uses (MAXMSGLIMIT 9999). */
export const maxMessageNumber = 9999;

const namePattern = /^[A-Za-z0-9_.-]+$/;
const msgnamePattern = /^msg\d{4}$/;

/** One message of a mailbox: the keys of its `[message]` section, plus `msgname`, `dir` and `status` (all strings). */
export type VoicemailMessage = Readonly<Record<string, string>> & { readonly msgname: string; readonly dir: string; readonly status: string };

/** A `context`, `mailbox`, `dir` or `msgname` that cannot name a spool entry: 400 naming the field, nothing read. */
export function checkSpoolName(field: 'context' | 'mailbox' | 'dir' | 'msgname', value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new InvalidInputError(`${field} is required`, [field]);
  // `.` and `..` match the letters but name no entry of their own.
  if (!namePattern.test(value) || /^\.+$/.test(value) || value.includes('..')) {
    throw new InvalidInputError(`${field} must be letters, digits, "_", "." or "-" (no "..")`, [field]);
  }
  if (field === 'dir' && !(voicemailFolders as readonly string[]).includes(value)) {
    throw new InvalidInputError(`dir must be one of ${voicemailFolders.join(', ')}`, [field]);
  }
  if (field === 'msgname' && !msgnamePattern.test(value)) throw new InvalidInputError('msgname must be msg followed by 4 digits (msg0000)', [field]);
  return value;
}

/** The path resolved (symlinks too) stays inside the spool root (itself resolved). False for a missing path. */
export function insideSpool(root: string, candidate: string): boolean {
  let real: string;
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
    real = realpathSync(candidate);
  } catch {
    return false;
  }
  return real === realRoot || real.startsWith(realRoot + path.sep);
}

/** `msgNNNN.txt`'s `[message]` section as strings (a `;` line is a comment; other sections are ignored). */
export function parseMessageInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';')) continue;
    const header = /^\[([^\]]*)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      continue;
    }
    if (section !== 'message') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** Content types by extension (Asterisk's format names as files); the case matters: `.WAV` is wav49 (GSM in WAV). */
const audioTypes: Readonly<Record<string, string>> = {
  wav: 'audio/wav', WAV: 'audio/wav', wav49: 'audio/wav', gsm: 'audio/gsm', ulaw: 'audio/basic', alaw: 'audio/x-alaw-basic',
  g722: 'audio/G722', g729: 'audio/G729', sln: 'audio/L16', ogg: 'audio/ogg', mp3: 'audio/mpeg',
};
/** Which recorded format a download serves first (the catalog: `.wav`, else another one). */
const audioPreference = ['wav', 'WAV', 'gsm', 'ulaw', 'alaw', 'g722', 'g729', 'sln', 'ogg', 'mp3', 'wav49'];

export const audioContentType = (ext: string): string => audioTypes[ext] ?? 'application/octet-stream';

/** `<msgname>.<ext>` audio files among `names`, in download preference order. */
export function audioFilesOf(names: readonly string[], msgname: string): string[] {
  const exts = names.filter((n) => n.startsWith(`${msgname}.`)).map((n) => n.slice(msgname.length + 1)).filter((e) => e !== 'txt' && e !== '' && !e.includes('.'));
  const rank = (e: string): number => {
    const at = audioPreference.indexOf(e);
    return at < 0 ? audioPreference.length : at;
  };
  return exts.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1)).map((e) => `${msgname}.${e}`);
}

/**
 * The renames that make a folder's messages contiguous again, as app_voicemail's `resequence_mailbox` does:
 * numbers ascending, each moved down to the next free number. `[{from, to}]` in the order to run them (each
 * target is free when its rename runs: it is below the source and every lower one has already moved).
 */
export function renumberPlan(numbers: readonly number[]): Array<{ readonly from: number; readonly to: number }> {
  const sorted = [...new Set(numbers)].filter((n) => Number.isInteger(n) && n >= 0 && n <= maxMessageNumber).sort((a, b) => a - b);
  return sorted.flatMap((from, to) => (from === to ? [] : [{ from, to }]));
}

/** How many msgNNNN.txt files a listing reads at once. */
const readBatch = 64;

export const msgName = (n: number): string => `msg${String(n).padStart(4, '0')}`;
const msgNumber = (name: string): number | undefined => {
  const m = /^msg(\d{4})\./.exec(name);
  return m ? Number(m[1]) : undefined;
};

/** The spool of one jade: a root directory and the reads and changes the API makes in it. */
export class VoicemailSpool {
  constructor(readonly root: string) {}

  /** `<root>/<context>/<mailbox>[/<dir>[/<file>]]` after the names are checked; not yet resolved. */
  private join(context: string, mailbox: string, ...rest: string[]): string {
    return path.join(this.root, checkSpoolName('context', context), checkSpoolName('mailbox', mailbox), ...rest);
  }

  /** The folder's directory when it exists inside the spool (symlinks resolved), else undefined. */
  private folder(context: string, mailbox: string, dir: string): string | undefined {
    const at = this.join(context, mailbox, checkSpoolName('dir', dir));
    return insideSpool(this.root, at) ? at : undefined;
  }

  private async entries(folder: string): Promise<string[]> {
    return fsp.readdir(folder).catch(() => []);
  }

  /**
   * The messages of one folder, in number order. The folder is resolved once; an entry that is itself a symlink is
   * resolved too and skipped when it leads out of the spool. Files are read a batch at a time.
   */
  async listFolder(context: string, mailbox: string, dir: string): Promise<VoicemailMessage[]> {
    const folder = this.folder(context, mailbox, dir);
    if (folder === undefined) return [];
    const entries = (await fsp.readdir(folder, { withFileTypes: true }).catch(() => []))
      .filter((e) => /^msg\d{4}\.txt$/.test(e.name) && (e.isFile() || (e.isSymbolicLink() && insideSpool(this.root, path.join(folder, e.name)))))
      .map((e) => e.name)
      .sort();
    const out: VoicemailMessage[] = [];
    for (let at = 0; at < entries.length; at += readBatch) {
      const texts = await Promise.all(entries.slice(at, at + readBatch).map((name) => fsp.readFile(path.join(folder, name), 'utf8').catch(() => undefined)));
      texts.forEach((text, i) => {
        if (text === undefined) return;
        const msgname = entries[at + i]!.slice(0, -4);
        out.push({ ...parseMessageInfo(text), msgname, dir, status: dir === 'INBOX' ? 'unread' : 'read' });
      });
    }
    return out;
  }

  /** Every message of a mailbox (every folder, or only `dir`). */
  async list(context: string, mailbox: string, dir?: string): Promise<VoicemailMessage[]> {
    checkSpoolName('context', context);
    checkSpoolName('mailbox', mailbox);
    const folders = dir === undefined ? voicemailFolders : [checkSpoolName('dir', dir)];
    const out: VoicemailMessage[] = [];
    for (const folder of folders) out.push(...(await this.listFolder(context, mailbox, folder)));
    return out;
  }

  /** One message's metadata, or undefined. */
  async message(context: string, mailbox: string, dir: string, msgname: string): Promise<VoicemailMessage | undefined> {
    checkSpoolName('msgname', msgname);
    return (await this.listFolder(context, mailbox, dir)).find((m) => m.msgname === msgname);
  }

  /** The audio file to download (path, size, extension), or undefined when the message has none inside the spool. */
  async audio(context: string, mailbox: string, dir: string, msgname: string): Promise<{ readonly file: string; readonly name: string; readonly ext: string; readonly stats: Stats } | undefined> {
    checkSpoolName('msgname', msgname);
    const folder = this.folder(context, mailbox, dir);
    if (folder === undefined) return undefined;
    for (const name of audioFilesOf(await this.entries(folder), msgname)) {
      const file = path.join(folder, name);
      if (!insideSpool(this.root, file)) continue;
      const stats = await fsp.stat(file).catch(() => undefined);
      if (stats?.isFile()) return { file, name, ext: name.slice(msgname.length + 1), stats };
    }
    return undefined;
  }

  /**
   * Removes every `<msgname>.*` file and renumbers the folder like app_voicemail, under Asterisk's own folder
   * lock (`ast_lock_path`: a `.lock` hard link), so a message being saved at that moment is not renamed under it.
   * Returns the removed message's metadata, or undefined (nothing changed) when there is no such message, or when
   * `msgId` is given and the message now at `msgname` is another one (a delete beside it renumbered the folder).
   */
  async remove(context: string, mailbox: string, dir: string, msgname: string, msgId?: string): Promise<{ readonly message: VoicemailMessage; readonly removed: string[]; readonly renamed: Array<{ from: string; to: string }> } | undefined> {
    const folder = this.folder(context, mailbox, dir);
    if (folder === undefined) return undefined;
    const unlock = await lockFolder(folder);
    try {
      // Read under the lock: what is at `msgname` now is what goes.
      const message = await this.message(context, mailbox, dir, msgname);
      if (message === undefined || (msgId !== undefined && message.msg_id !== msgId)) return undefined;
      const names = await this.entries(folder);
      const removed = names.filter((n) => n.startsWith(`${msgname}.`));
      for (const name of removed) await fsp.unlink(path.join(folder, name)).catch(() => undefined);
      const left = names.filter((n) => !removed.includes(n));
      const numbers = left.filter((n) => n.endsWith('.txt')).map(msgNumber).filter((n): n is number => n !== undefined);
      const renamed: Array<{ from: string; to: string }> = [];
      for (const { from, to } of renumberPlan(numbers)) {
        for (const name of left.filter((n) => msgNumber(n) === from)) {
          const target = msgName(to) + name.slice(7);
          await fsp.rename(path.join(folder, name), path.join(folder, target));
        }
        renamed.push({ from: msgName(from), to: msgName(to) });
      }
      return { message, removed, renamed };
    } finally {
      await unlock();
    }
  }
}

/** Asterisk's `ast_lock_path` (lock.c, method `lockfile`): link a private file to `<dir>/.lock`; retried for a while. */
async function lockFolder(folder: string, timeoutMs = 10_000): Promise<() => Promise<void>> {
  const mine = path.join(folder, `.lock-jade-${process.pid}-${Math.random().toString(16).slice(2, 10)}`);
  const lock = path.join(folder, '.lock');
  await fsp.writeFile(mine, String(process.pid));
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await fsp.link(mine, lock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } finally {
    await fsp.unlink(mine).catch(() => undefined);
  }
  return () => fsp.unlink(lock).catch(() => undefined);
}
