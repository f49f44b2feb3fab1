import { expect } from 'chai';
import { hashPassword, verifyPassword, defaultScryptParams, type ScryptParams } from '../../../src/auth/password.js';

/** Cheap parameters: these tests are about the format and the comparison, not the cost. */
const fast: ScryptParams = { log2N: 10, r: 8, p: 1 };

describe('password hashing (scrypt)', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('s3cret', fast);
    expect(await verifyPassword('s3cret', hash)).to.equal(true);
    expect(await verifyPassword('s3cret ', hash)).to.equal(false);
    expect(await verifyPassword('', hash)).to.equal(false);
  });

  it('never contains the password and salts every hash differently', async () => {
    const a = await hashPassword('same-password', fast);
    const b = await hashPassword('same-password', fast);
    expect(a).to.not.include('same-password');
    expect(a).to.not.equal(b);
    expect(await verifyPassword('same-password', b)).to.equal(true);
  });

  it('records its parameters, so hashes made with other costs keep verifying', async () => {
    const hash = await hashPassword('pw', fast);
    expect(hash).to.match(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(await verifyPassword('pw', hash)).to.equal(true);
  });

  it('uses a memory-hard default of 32 MiB (N=2^15, r=8)', async () => {
    expect(128 * 2 ** defaultScryptParams.log2N * defaultScryptParams.r).to.equal(32 * 1024 * 1024);
    const hash = await hashPassword('pw');
    expect(hash.startsWith('$scrypt$ln=15,r=8,p=1$')).to.equal(true);
    expect(await verifyPassword('pw', hash)).to.equal(true);
  });

  it('treats composed and decomposed unicode as the same password', async () => {
    const hash = await hashPassword('caf\u00e9', fast);
    expect(await verifyPassword('cafe\u0301', hash)).to.equal(true);
  });

  it('refuses (without throwing) a hash it cannot read or whose cost is absurd', async () => {
    expect(await verifyPassword('pw', 'plain-text')).to.equal(false);
    expect(await verifyPassword('pw', '')).to.equal(false);
    const hash = await hashPassword('pw', fast);
    expect(await verifyPassword('pw', hash.replace('ln=10', 'ln=40'))).to.equal(false);
  });

  it('refuses a hash whose key was tampered with', async () => {
    const hash = await hashPassword('pw', fast);
    const parts = hash.split('$');
    const key = Buffer.from(parts[4]!, 'base64');
    key[0] = key[0]! ^ 0xff;
    parts[4] = key.toString('base64').replace(/=+$/, '');
    expect(await verifyPassword('pw', parts.join('$'))).to.equal(false);
  });
});
