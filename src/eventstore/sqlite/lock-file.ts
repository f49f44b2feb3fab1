import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A pid file in the data dir says "a jade process holds this store". Other tools (`jade rebuild`)
 * read it to refuse to run beside a server. A holder killed with SIGKILL leaves the file behind;
 * the next opener sees its pid is gone and takes over.
 * Known limit: two processes taking over the same stale lock at the same instant can both win;
 * starting two servers on one data dir within microseconds of each other is not a case we guard.
 */
export const lockFileName = 'jade.lock';

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`data dir ${dataDir} is held by process ${pid} (${join(dataDir, lockFileName)})`);
  }
}

export interface DataDirLock {
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The pid of the live process holding `dataDir`, or undefined when none does. */
export function lockHolder(dataDir: string): number | undefined {
  const pid = readPid(join(dataDir, lockFileName));
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

/** Takes the data dir for this process; throws DataDirLockedError when a live process (this one included) holds it. */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const path = join(dataDir, lockFileName);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      return {
        release: () => {
          if (readPid(path) === process.pid) unlinkSync(path);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = lockHolder(dataDir);
    if (holder !== undefined) throw new DataDirLockedError(dataDir, holder);
    try {
      unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new DataDirLockedError(dataDir, readPid(path) ?? 0);
}
