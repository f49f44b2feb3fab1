import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { isCredentialName, maskedSecret, redactText, redactValue } from '../../../projections/lib/redact.js';
import { parseAmiFrames } from '../projections/support/ami-capture.js';

/** Asterisk 22's answers of the sandbox with a registered contact: ContactList, PJSIPShowEndpoint (AuthDetail, ContactStatusDetail), AuthList. */
const registered = parseAmiFrames(readFileSync(fileURLToPath(new URL('../../fixtures/ami-capture-pjsip-registered.txt', import.meta.url)), 'utf8'));

describe('credential redaction (issue 10: secrets in reads)', () => {
  it('names every credential header Asterisk 22 reports in AuthDetail/AuthList, and their snake_case columns, case-insensitively', () => {
    for (const name of ['Secret', 'secret', 'SECRET', 'Md5Cred', 'md5_cred', 'MD5CRED', 'Password', 'password', 'Passwd', 'AuthPass', 'PasswordDigest', 'password_digest', 'OauthSecret', 'oauth_secret', 'RefreshToken', 'refresh_token', 'authtoken', 'token_hash', 'password_hash', 'admin_password']) {
      expect(isCredentialName(name), name).to.equal(true);
    }
    for (const name of ['Username', 'username', 'UsingPassword', 'AuthType', 'Realm', 'OauthClientid', 'ObjectName', 'Hash', 'nonce_lifetime', 'SecretExists']) {
      expect(isCredentialName(name), name).to.equal(false);
    }
  });

  it('masks Password and Md5Cred of recorded AuthDetail and AuthList items with a constant, whatever their length', () => {
    const auths = registered.filter((frame) => frame.Event === 'AuthDetail' || frame.Event === 'AuthList');
    expect(auths.length).to.be.greaterThan(1);
    const secrets = auths.map((frame) => frame.Password).filter((value): value is string => value !== undefined && value !== '');
    expect(secrets.length).to.equal(auths.length);
    const masked = redactValue({ items: auths.map((frame) => ({ ...frame, Md5Cred: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' })) }) as { items: Array<Record<string, unknown>> };
    for (const item of masked.items) expect(item).to.include({ Password: maskedSecret, Md5Cred: maskedSecret, PasswordDigest: maskedSecret, OauthSecret: maskedSecret, RefreshToken: maskedSecret, Username: item.ObjectName });
    const text = JSON.stringify(masked);
    for (const secret of [...secrets, 'a1b2c3d4e5f60718293a4b5c6d7e8f90']) expect(text).not.to.include(secret);
  });

  it('masks config lines that carry a secret: GetConfig `Line-...: password=...`, `secret =>`, md5_cred, in any case', () => {
    const response = {
      Response: 'Success',
      'Category-000000': 'pjagent-01',
      'Line-000000-000000': 'type=auth',
      'Line-000000-000001': 'password=hunter2',
      'Line-000000-000002': 'Secret => s3cr3t',
      'Line-000000-000003': 'md5_cred=0123456789abcdef',
      'Line-000000-000004': 'username=pjagent-01',
    };
    expect(redactValue(response)).to.deep.equal({
      ...response,
      'Line-000000-000001': `password=${maskedSecret}`,
      'Line-000000-000002': `Secret => ${maskedSecret}`,
      'Line-000000-000003': `md5_cred=${maskedSecret}`,
    });
  });

  it('masks the value of an UpdateConfig pair whose variable is a credential, and leaves the other pairs', () => {
    const request = {
      Action: 'UpdateConfig',
      'Action-000000': 'update',
      'Var-000000': 'password',
      'Value-000000': 'hunter2',
      'Action-000001': 'update',
      'Var-000001': 'username',
      'Value-000001': 'pjagent-01',
      changes: [{ name: 'MD5_CRED', value: 'abc123' }],
    };
    expect(redactValue(request)).to.deep.equal({ ...request, 'Value-000000': maskedSecret, changes: [{ name: 'MD5_CRED', value: maskedSecret }] });
  });

  it('masks secrets inside multi-line text and JSON text, keeping every other line', () => {
    expect(redactText('[pjagent-01]\ntype=auth\npassword = hunter2\nusername=pjagent-01')).to.equal(`[pjagent-01]\ntype=auth\npassword = ${maskedSecret}\nusername=pjagent-01`);
    expect(redactText('{"pjagent-01":{"type":"auth","password":"hun\\"ter2","md5_cred":"ff"}}')).to.equal(`{"pjagent-01":{"type":"auth","password":"${maskedSecret}","md5_cred":"${maskedSecret}"}}`);
    expect(redactText('sip:pjagent-01@127.0.0.1:5060')).to.equal('sip:pjagent-01@127.0.0.1:5060');
  });
});
