import { expect } from 'chai';
import {
  compareDialOrder,
  decideDlCreate,
  decideDlmaCreate,
  evolveDl,
  evolveDlma,
  isDlDialable,
  isDlFinished,
  pickDialNumber,
  planDefaults,
  retryThreshold,
  type DlObject,
  type RetryPolicy,
} from '../../../src/outbound/resources/index.js';
import { DL, DLMA, given, T0 } from './support.js';

const dlma = given(evolveDlma, decideDlmaCreate(undefined, { uuid: DLMA, fields: {}, now: T0 }));
const base = given(evolveDl, decideDlCreate(undefined, { uuid: DL, fields: { dlma_uuid: DLMA }, dlma, now: T0 }))!;
const entry = (fields: Partial<DlObject>): DlObject => ({ ...base, ...fields });
const policy: RetryPolicy = { ...planDefaults, max_retry_cnt_1: 2, max_retry_cnt_2: 1 };
const NOW = '2026-01-01T01:00:00.000000000Z';

describe('outbound number selection and the dialable rule (catalog §4)', () => {
  it('dials the lowest index with a number and tries left, as its next try', () => {
    expect(pickDialNumber(entry({ number_1: '300', number_2: '301' }), policy)).to.deep.equal({ dial_index: 1, dial_addr: '300', dial_trycnt: 1 });
    expect(pickDialNumber(entry({ number_1: '300', trycnt_1: 2, number_2: '301' }), policy)).to.deep.equal({ dial_index: 2, dial_addr: '301', dial_trycnt: 1 });
    expect(pickDialNumber(entry({ number_2: '301', number_3: '302' }), policy)).to.include({ dial_index: 2 });
  });

  it('counts an entry finished once answered, or when every number is out of tries, or when it has none', () => {
    expect(isDlFinished(entry({ number_1: '300', res_dial: 4 }), policy)).to.equal(true);
    expect(isDlFinished(entry({ number_1: '300', trycnt_1: 2, number_2: '301', trycnt_2: 1 }), policy)).to.equal(true);
    expect(isDlFinished(entry({}), policy)).to.equal(true);
    expect(isDlFinished(entry({ number_1: '300', trycnt_1: 1, res_dial: 5 }), policy)).to.equal(false);
  });

  it('waits strictly more than retry_delay seconds after the last hangup', () => {
    const at = (secondsAgo: number) => retryThreshold(NOW, secondsAgo);
    const tried = (hangup: string) => entry({ number_1: '300', trycnt_1: 1, tm_last_hangup: hangup });
    expect(isDlDialable(tried(at(61)), policy, NOW)).to.equal(true);
    expect(isDlDialable(tried(at(60)), policy, NOW)).to.equal(false);
    expect(isDlDialable(tried(at(59)), policy, NOW)).to.equal(false);
    expect(isDlDialable(entry({ number_1: '300' }), policy, NOW)).to.equal(true);
  });

  it('never offers an entry that is held, not idle, deleted or answered', () => {
    const ready = { number_1: '300' };
    expect(isDlDialable(entry({ ...ready, status: 1 }), policy, NOW)).to.equal(false);
    expect(isDlDialable(entry({ ...ready, status: 2 }), policy, NOW)).to.equal(false);
    expect(isDlDialable(entry({ ...ready, dialing_uuid: 'x' }), policy, NOW)).to.equal(false);
    expect(isDlDialable(entry({ ...ready, in_use: 0 }), policy, NOW)).to.equal(false);
    expect(isDlDialable(entry({ ...ready, res_dial: 4 }), policy, NOW)).to.equal(false);
  });

  it('orders candidates least-tried first, then oldest', () => {
    const a = entry({ uuid: 'a', trycnt_1: 1, tm_create: '2026-01-01T00:00:01.000000000Z' });
    const b = entry({ uuid: 'b', trycnt_2: 1, trycnt_3: 1, tm_create: '2026-01-01T00:00:00.000000000Z' });
    const c = entry({ uuid: 'c', tm_create: '2026-01-01T00:00:02.000000000Z' });
    const d = entry({ uuid: 'd', tm_create: '2026-01-01T00:00:03.000000000Z' });
    expect([b, d, a, c].sort(compareDialOrder).map((dl) => dl.uuid)).to.deep.equal(['c', 'd', 'a', 'b']);
  });
});
