import { expect } from 'chai';
import { extractToken, parseBasicAuth } from '../../../src/auth/credentials.js';

const basic = (text: string): string => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;

describe('credentials on a request', () => {
  describe('HTTP Basic', () => {
    it('reads username and password', () => {
      expect(parseBasicAuth(basic('admin:admin'))).to.deep.equal({ username: 'admin', password: 'admin' });
    });

    it('keeps colons that belong to the password', () => {
      expect(parseBasicAuth(basic('admin:a:b:c'))).to.deep.equal({ username: 'admin', password: 'a:b:c' });
    });

    it('accepts any case of the scheme and an empty password, and reads UTF-8', () => {
      expect(parseBasicAuth(`basic ${Buffer.from('j\u00fcrgen:').toString('base64')}`)).to.deep.equal({ username: 'j\u00fcrgen', password: '' });
    });

    it('reports no credentials when there is no Basic header', () => {
      expect(parseBasicAuth(undefined)).to.equal(undefined);
      expect(parseBasicAuth('')).to.equal(undefined);
      expect(parseBasicAuth('Bearer abc')).to.equal(undefined);
    });

    it('reports a Basic header it cannot read as malformed', () => {
      expect(parseBasicAuth(basic('no-colon'))).to.equal('malformed');
      expect(parseBasicAuth('Basic !!!')).to.equal('malformed');
    });
  });

  describe('authtoken', () => {
    it('comes from the Bearer header or the authtoken query parameter', () => {
      expect(extractToken('Bearer abc', undefined)).to.equal('abc');
      expect(extractToken(undefined, 'def')).to.equal('def');
      expect(extractToken('bearer  abc ', undefined)).to.equal('abc');
    });

    it('prefers the header when both are given', () => {
      expect(extractToken('Bearer abc', 'def')).to.equal('abc');
    });

    it('takes the first of a repeated query parameter', () => {
      expect(extractToken(undefined, ['a', 'b'])).to.equal('a');
    });

    it('is absent when neither carries one', () => {
      expect(extractToken(undefined, undefined)).to.equal(undefined);
      expect(extractToken(undefined, '')).to.equal(undefined);
      expect(extractToken('Basic YTpi', undefined)).to.equal(undefined);
    });
  });
});
