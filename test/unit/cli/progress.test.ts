import { expect } from 'chai';
import { etaSeconds, formatDuration, formatFinished, formatProgress, ProgressReporter, ratePerSecond } from '../../../src/cli/progress.js';

/** A reporter on a hand-moved clock, its output collected. */
function reporter(tty: boolean, options: { everyEvents?: number; everyMs?: number } = {}) {
  let now = 1_000_000;
  const written: string[] = [];
  const progress = new ProgressReporter({ label: 'export', tty, write: (text) => written.push(text), now: () => now, ...options });
  return { progress, written, advance: (ms: number) => (now += ms) };
}

describe('CLI progress', () => {
  describe('rate and ETA', () => {
    it('rates events per second over the run so far, and projects the rest at that rate', () => {
      const snapshot = { done: 2_500, total: 10_000, elapsedMs: 500 };
      expect(ratePerSecond(snapshot)).to.equal(5_000);
      expect(etaSeconds(snapshot)).to.equal(1.5);
    });

    it('has no rate before time passes, no ETA before anything is done, and an ETA of 0 when all is done', () => {
      expect(ratePerSecond({ done: 10, total: 100, elapsedMs: 0 })).to.equal(undefined);
      expect(etaSeconds({ done: 0, total: 100, elapsedMs: 2_000 })).to.equal(undefined);
      expect(etaSeconds({ done: 100, total: 100, elapsedMs: 0 })).to.equal(0);
    });

    it('says durations in seconds, minutes or hours', () => {
      expect(formatDuration(0.4)).to.equal('0 s');
      expect(formatDuration(42)).to.equal('42 s');
      expect(formatDuration(185)).to.equal('3 min 05 s');
      expect(formatDuration(7_380)).to.equal('2 h 03 min');
    });
  });

  describe('the line', () => {
    it('shows done/total, percent, rate and ETA', () => {
      expect(formatProgress('export', { done: 12_345, total: 100_000, elapsedMs: 2_000 })).to.equal(
        'export: 12,345/100,000 events (12%), 6,173 events/s, ETA 14 s',
      );
    });

    it('puts dashes where rate and ETA are not known yet, and calls an empty total complete', () => {
      expect(formatProgress('rebuild', { done: 0, total: 500, elapsedMs: 0 })).to.equal('rebuild: 0/500 events (0%), - events/s, ETA -');
      expect(formatProgress('export', { done: 0, total: 0, elapsedMs: 10 })).to.equal('export: 0/0 events (100%), 0 events/s, ETA 0 s');
    });

    it('sums up a finished run', () => {
      expect(formatFinished('export', { done: 100_000, total: 100_000, elapsedMs: 23_100 })).to.equal('export: 100,000 events in 23.1 s, 4,329 events/s');
    });
  });

  describe('on a terminal', () => {
    it('redraws one line in place (\\r, erase to end of line), at most every 100 ms, and ends it with a summary and a newline', () => {
      const { progress, written, advance } = reporter(true);
      progress.update(100, 1_000);
      advance(50);
      progress.update(200, 1_000);
      advance(60);
      progress.update(300, 1_000);
      progress.finish();
      expect(written).to.have.length(3);
      expect(written[0]).to.match(/^\rexport: 100\/1,000 events \(10%\).*\x1b\[K$/);
      expect(written[1]).to.match(/^\rexport: 300\/1,000 events \(30%\), 2,727 events\/s, ETA 0 s\x1b\[K$/);
      expect(written[2]).to.equal('\rexport: 300 events in 0.1 s, 2,727 events/s\x1b[K\n');
      expect(written.slice(0, 2).join('')).not.to.include('\n');
    });
  });

  describe('when the work fails', () => {
    it('ends a half-drawn terminal line, once, so the error starts on its own line; after a finish it adds nothing', () => {
      const failed = reporter(true);
      failed.progress.update(5, 10);
      failed.progress.abandon();
      failed.progress.abandon();
      expect(failed.written.slice(1)).to.deep.equal(['\n']);
      const finished = reporter(true);
      finished.progress.update(10, 10);
      finished.progress.finish();
      finished.progress.abandon();
      expect(finished.written).to.have.length(2);
      expect(finished.written[1]).to.match(/\n$/);
    });

    it('writes nothing more on a pipe: every line there is already whole', () => {
      const failed = reporter(false, { everyEvents: 1 });
      failed.progress.update(5, 10);
      failed.progress.abandon();
      expect(failed.written).to.deep.equal(['export: 5/10 events (50%), - events/s, ETA -\n']);
    });
  });

  describe('not on a terminal', () => {
    it('writes whole lines only every N events or every so many seconds, then a summary line', () => {
      const { progress, written, advance } = reporter(false, { everyEvents: 1_000, everyMs: 5_000 });
      progress.update(400, 3_000);
      advance(1_000);
      progress.update(1_000, 3_000);
      advance(1_000);
      progress.update(1_500, 3_000);
      advance(5_000);
      progress.update(1_600, 3_000);
      progress.finish();
      expect(written).to.deep.equal([
        'export: 1,000/3,000 events (33%), 1,000 events/s, ETA 2 s\n',
        'export: 1,600/3,000 events (53%), 229 events/s, ETA 6 s\n',
        'export: 1,600 events in 7.0 s, 229 events/s\n',
      ]);
      expect(written.join('')).not.to.include('\r');
    });

    it('lets the total grow as the work finds more to do', () => {
      const { progress, written } = reporter(false, { everyEvents: 1 });
      progress.update(10, 5);
      expect(written[0]).to.match(/^export: 10\/10 events \(100%\)/);
    });
  });
});
