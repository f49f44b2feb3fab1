import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashing with scrypt (memory-hard, in node:crypto, so no dependency).
 *
 * Stored as a self-describing string, `$scrypt$ln=15,r=8,p=1$<salt>$<key>` (base64, no padding),
 * like the PHC string format: verification reads the parameters from the hash, so raising the
 * cost later leaves existing hashes valid.
 */
export interface ScryptParams {
  /** log2 of scrypt's N (CPU/memory cost). */
  readonly log2N: number;
  /** Block size. Memory used is 128 * N * r bytes. */
  readonly r: number;
  /** Parallelism. */
  readonly p: number;
}

/** 2^15 * 8 * 128 B = 32 MiB and about 60 ms per hash on a small server: the usual interactive-login choice. */
export const defaultScryptParams: ScryptParams = { log2N: 15, r: 8, p: 1 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Refuse absurd parameters read from a stored hash: a corrupted or hostile log must not make one login take minutes or GBs. */
const MAX_LOG2N = 20;
const MAX_R = 32;
const MAX_P = 16;

/** Unicode passwords typed on different systems may arrive composed or decomposed; NFC makes them the same bytes. */
function passwordBytes(password: string): Buffer {
  return Buffer.from(password.normalize('NFC'), 'utf8');
}

function derive(password: string, salt: Buffer, keyLength: number, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.log2N;
  // Node refuses when 128*N*r exceeds maxmem (32 MiB by default, exactly our default need): give headroom.
  const maxmem = 256 * N * params.r;
  return new Promise((resolve, reject) => {
    scrypt(passwordBytes(password), salt, keyLength, { N, r: params.r, p: params.p, maxmem }, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

const b64 = (buffer: Buffer): string => buffer.toString('base64').replace(/=+$/, '');

export async function hashPassword(password: string, params: ScryptParams = defaultScryptParams): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, KEY_BYTES, params);
  return `$scrypt$ln=${params.log2N},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

interface ParsedHash {
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly key: Buffer;
}

const hashPattern = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function parseHash(encoded: string): ParsedHash | undefined {
  const match = hashPattern.exec(encoded);
  if (!match) return undefined;
  const [, ln, r, p, salt, key] = match;
  const params = { log2N: Number(ln), r: Number(r), p: Number(p) };
  if (params.log2N < 1 || params.log2N > MAX_LOG2N || params.r < 1 || params.r > MAX_R || params.p < 1 || params.p > MAX_P) return undefined;
  const keyBuffer = Buffer.from(key!, 'base64');
  if (keyBuffer.length < 16) return undefined;
  return { params, salt: Buffer.from(salt!, 'base64'), key: keyBuffer };
}

/** True when `password` matches `encoded`; false for a wrong password and for a hash it cannot read. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parseHash(encoded);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.key.length, parsed.params);
  // Constant-time: the comparison must not tell an attacker how many leading bytes matched.
  return timingSafeEqual(key, parsed.key);
}

