import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { audioContentType, audioFilesOf, checkSpoolName, insideSpool, parseMessageInfo, renumberPlan, VoicemailSpool } from '../../../src/voicemail/spool.js';
import { InvalidInputError } from '../../../src/validation.js';

/** msgNNNN.txt as app_voicemail writes it (leave_voicemail). */
const asteriskInfo = `;
; Message Information file
;
[message]
origmailbox=6001
context=vm-leave
macrocontext=
exten=6001
rdnis=unknown
priority=1
callerchan=Local/s@vm-play-00000000;2
callerid="Alice" <100>
origdate=Tue Dec  1 10:00:00 PM UTC 2026
origtime=1764626400
category=
msg_id=1764626400-00000000
flag=
duration=5
`;

const fieldOf = (fn: () => unknown): readonly string[] | undefined => {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.fields;
    throw error;
  }
  return undefined;
};

describe('voicemail spool', () => {
  describe('msgNNNN.txt', () => {
    it('reads every key of [message] as a string, values with "=", quotes and inner blanks kept, comments skipped', () => {
      expect(parseMessageInfo(asteriskInfo)).to.deep.equal({
        origmailbox: '6001', context: 'vm-leave', macrocontext: '', exten: '6001', rdnis: 'unknown', priority: '1',
        callerchan: 'Local/s@vm-play-00000000;2', callerid: '"Alice" <100>', origdate: 'Tue Dec  1 10:00:00 PM UTC 2026',
        origtime: '1764626400', category: '', msg_id: '1764626400-00000000', flag: '', duration: '5',
      });
    });
    it('ignores other sections and lines without a key, and reads CRLF files', () => {
      expect(parseMessageInfo('[other]\na=1\n[message]\r\nduration=2\r\n=x\r\nnovalue\r\n')).to.deep.equal({ duration: '2' });
      expect(parseMessageInfo('a=b')).to.deep.equal({});
      expect(parseMessageInfo('[message]\nflag=a=b\n')).to.deep.equal({ flag: 'a=b' });
    });
  });

  describe('names', () => {
    it('accepts the catalog names and Asterisk folder names', () => {
      expect(checkSpoolName('context', 'vm-demo')).to.equal('vm-demo');
      expect(checkSpoolName('mailbox', 'pjagent-01')).to.equal('pjagent-01');
      expect(checkSpoolName('mailbox', 'a.b_c')).to.equal('a.b_c');
      expect(checkSpoolName('dir', 'INBOX')).to.equal('INBOX');
      expect(checkSpoolName('dir', 'Urgent')).to.equal('Urgent');
      expect(checkSpoolName('msgname', 'msg0042')).to.equal('msg0042');
    });
    it('refuses traversal, separators, absolute paths, dot names, unknown folders and other msgnames, naming the field', () => {
      for (const bad of ['..', '.', '...', '../x', 'a/..', '/etc', 'a/b', 'a\\b', 'a..b', '', 'a b', 'a\0b', '%2e%2e']) {
        expect(fieldOf(() => checkSpoolName('context', bad)), JSON.stringify(bad)).to.deep.equal(['context']);
      }
      expect(fieldOf(() => checkSpoolName('mailbox', undefined))).to.deep.equal(['mailbox']);
      expect(fieldOf(() => checkSpoolName('mailbox', ['6001']))).to.deep.equal(['mailbox']);
      expect(fieldOf(() => checkSpoolName('dir', 'inbox'))).to.deep.equal(['dir']);
      expect(fieldOf(() => checkSpoolName('dir', 'tmp'))).to.deep.equal(['dir']);
      for (const bad of ['msg1', 'msg00001', 'MSG0001', 'msg0001.wav', 'greet']) expect(fieldOf(() => checkSpoolName('msgname', bad)), bad).to.deep.equal(['msgname']);
    });
  });

  describe('inside the spool', () => {
    let root: string;
    let outside: string;
    before(() => {
      root = fs.mkdtempSync(path.join(tmpdir(), 'jade-spool-unit-'));
      outside = fs.mkdtempSync(path.join(tmpdir(), 'jade-outside-unit-'));
      fs.mkdirSync(path.join(root, 'ctx', 'box', 'INBOX'), { recursive: true });
      fs.writeFileSync(path.join(outside, 'secret'), 'x');
      fs.symlinkSync(path.join(outside, 'secret'), path.join(root, 'ctx', 'box', 'INBOX', 'msg0000.wav'));
      fs.symlinkSync(path.join(root, 'ctx', 'box'), path.join(root, 'ctx', 'alias'));
    });
    after(() => {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    });
    it('is true for a real path under the root and a symlink that stays inside, false for one that leads out or is missing', () => {
      expect(insideSpool(root, path.join(root, 'ctx', 'box', 'INBOX'))).to.equal(true);
      expect(insideSpool(root, path.join(root, 'ctx', 'alias', 'INBOX'))).to.equal(true);
      expect(insideSpool(root, path.join(root, 'ctx', 'box', 'INBOX', 'msg0000.wav'))).to.equal(false);
      expect(insideSpool(root, path.join(root, '..'))).to.equal(false);
      expect(insideSpool(root, path.join(root, 'nothing'))).to.equal(false);
      // A sibling whose name starts with the root's is not inside it.
      expect(insideSpool(root, `${root}-other`)).to.equal(false);
    });
  });

  describe('audio', () => {
    it('serves .wav first, then .WAV and .gsm; content types follow the extension', () => {
      expect(audioFilesOf(['msg0001.gsm', 'msg0001.txt', 'msg0001.WAV', 'msg0001.wav', 'msg0002.wav', 'msg00011.wav'], 'msg0001')).to.deep.equal(['msg0001.wav', 'msg0001.WAV', 'msg0001.gsm']);
      expect(audioFilesOf(['msg0001.txt'], 'msg0001')).to.deep.equal([]);
      expect(audioContentType('wav')).to.equal('audio/wav');
      expect(audioContentType('WAV')).to.equal('audio/wav');
      expect(audioContentType('gsm')).to.equal('audio/gsm');
      expect(audioContentType('xyz')).to.equal('application/octet-stream');
    });
  });

  describe('renumbering (app_voicemail resequence_mailbox)', () => {
    it('moves each message down to the next free number, lowest first, leaving contiguous ones alone', () => {
      expect(renumberPlan([0, 2, 3])).to.deep.equal([{ from: 2, to: 1 }, { from: 3, to: 2 }]);
      expect(renumberPlan([1, 2])).to.deep.equal([{ from: 1, to: 0 }, { from: 2, to: 1 }]);
      expect(renumberPlan([0, 1, 2])).to.deep.equal([]);
      expect(renumberPlan([])).to.deep.equal([]);
      expect(renumberPlan([7, 3, 3, 0])).to.deep.equal([{ from: 3, to: 1 }, { from: 7, to: 2 }]);
    });
    it('never renames onto a message that has not moved yet', () => {
      const numbers = [0, 2, 5, 6, 9];
      const present = new Set(numbers);
      for (const { from, to } of renumberPlan(numbers)) {
        expect(present.has(to), `${from}->${to}`).to.equal(false);
        present.delete(from);
        present.add(to);
      }
      expect([...present].sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4]);
    });
    it('removes every file of the message and renames every file of the later ones, their .txt with them', async () => {
      const root = fs.mkdtempSync(path.join(tmpdir(), 'jade-spool-delete-'));
      const inbox = path.join(root, 'c', 'm', 'INBOX');
      fs.mkdirSync(inbox, { recursive: true });
      try {
        for (const n of [0, 1, 2]) {
          fs.writeFileSync(path.join(inbox, `msg000${n}.txt`), `[message]\nmsg_id=id-${n}\n`);
          fs.writeFileSync(path.join(inbox, `msg000${n}.wav`), `wav-${n}`);
          fs.writeFileSync(path.join(inbox, `msg000${n}.gsm`), `gsm-${n}`);
        }
        const removed = await new VoicemailSpool(root).remove('c', 'm', 'INBOX', 'msg0000');
        expect(removed?.message.msg_id).to.equal('id-0');
        expect(removed?.removed.sort()).to.deep.equal(['msg0000.gsm', 'msg0000.txt', 'msg0000.wav']);
        expect(removed?.renamed).to.deep.equal([{ from: 'msg0001', to: 'msg0000' }, { from: 'msg0002', to: 'msg0001' }]);
        expect(fs.readdirSync(inbox).sort()).to.deep.equal(['msg0000.gsm', 'msg0000.txt', 'msg0000.wav', 'msg0001.gsm', 'msg0001.txt', 'msg0001.wav']);
        expect(fs.readFileSync(path.join(inbox, 'msg0000.wav'), 'utf8')).to.equal('wav-1');
        expect(fs.readFileSync(path.join(inbox, 'msg0001.txt'), 'utf8')).to.include('id-2');
        expect(await new VoicemailSpool(root).remove('c', 'm', 'INBOX', 'msg0005')).to.equal(undefined);
        // Asked for the message that was msg0001 (id-1) after a delete beside it moved id-2 there: nothing goes.
        expect(await new VoicemailSpool(root).remove('c', 'm', 'INBOX', 'msg0001', 'id-1')).to.equal(undefined);
        expect(fs.readdirSync(inbox)).to.have.length(6);
        // The same delete twice at once: under the folder lock one removes it, the other finds another message there.
        const spool = new VoicemailSpool(root);
        const both = await Promise.all([spool.remove('c', 'm', 'INBOX', 'msg0000', 'id-1'), spool.remove('c', 'm', 'INBOX', 'msg0000', 'id-1')]);
        expect(both.map((r) => r?.message.msg_id ?? 'none').sort()).to.deep.equal(['id-1', 'none']);
        expect(fs.readdirSync(inbox).sort()).to.deep.equal(['msg0000.gsm', 'msg0000.txt', 'msg0000.wav']);
        expect(fs.readFileSync(path.join(inbox, 'msg0000.txt'), 'utf8')).to.include('id-2');
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    });
  });
});
