import { expect } from 'chai';
import { hasFutureWindow, isInWindow, localTime, windowOpenedAt, type ScheduleFields } from '../../../src/outbound/dialer/schedule.js';

const at = (iso: string): number => Date.parse(iso);

const schedule = (fields: Partial<ScheduleFields>): ScheduleFields => ({
  sc_mode: 1,
  sc_time_start: null,
  sc_time_end: null,
  sc_date_start: null,
  sc_date_end: null,
  sc_date_list: null,
  sc_date_list_except: null,
  sc_day_list: null,
  sc_timezone: null,
  ...fields,
});

describe('dialer schedule (catalog 50-outbound §2.6, in the campaign’s IANA zone)', () => {
  it('reads the wall clock of the zone, weekday included', () => {
    // 2026-01-05 is a Monday; 23:30 UTC is already Tuesday in Tokyo.
    expect(localTime(at('2026-01-05T23:30:00Z'), 'UTC')).to.deep.equal({ date: '2026-01-05', time: '23:30:00', weekday: 1 });
    expect(localTime(at('2026-01-05T23:30:00Z'), 'Asia/Tokyo')).to.deep.equal({ date: '2026-01-06', time: '08:30:00', weekday: 2 });
  });

  it('follows daylight saving time: a 09:00-17:00 Berlin window is 08:00-16:00 UTC in winter and 07:00-15:00 UTC in summer', () => {
    const office = schedule({ sc_time_start: '09:00:00', sc_time_end: '17:00:00', sc_timezone: 'Europe/Berlin' });
    expect(isInWindow(office, at('2026-03-27T08:30:00Z'), 'UTC'), 'Friday before the change, 09:30 CET').to.equal(true);
    expect(isInWindow(office, at('2026-03-27T07:30:00Z'), 'UTC'), '08:30 CET').to.equal(false);
    expect(isInWindow(office, at('2026-03-30T07:30:00Z'), 'UTC'), 'Monday after the change, 09:30 CEST').to.equal(true);
    expect(isInWindow(office, at('2026-03-30T15:30:00Z'), 'UTC'), '17:30 CEST').to.equal(false);
  });

  it('uses outbound.timezone for a campaign without its own zone', () => {
    const morning = schedule({ sc_time_start: '08:00:00', sc_time_end: '12:00:00' });
    expect(isInWindow(morning, at('2026-06-01T14:00:00Z'), 'America/New_York'), '10:00 EDT').to.equal(true);
    expect(isInWindow(morning, at('2026-06-01T14:00:00Z'), 'UTC')).to.equal(false);
  });

  it('applies the steps in the catalog’s order: exceptions, then the date list, then the date range and weekdays, then the hours', () => {
    const c = schedule({
      sc_date_start: '2026-02-01',
      sc_date_end: '2026-02-28',
      sc_day_list: '1, 2, 3, 4, 5',
      sc_date_list: '2026-03-07, 2026-02-14',
      sc_date_list_except: '2026-02-10',
      sc_time_start: '09:00:00',
      sc_time_end: '18:00:00',
    });
    expect(isInWindow(c, at('2026-02-09T10:00:00Z'), 'UTC'), 'a Monday in range').to.equal(true);
    expect(isInWindow(c, at('2026-02-10T10:00:00Z'), 'UTC'), 'an excepted Tuesday').to.equal(false);
    expect(isInWindow(c, at('2026-02-08T10:00:00Z'), 'UTC'), 'a Sunday').to.equal(false);
    expect(isInWindow(c, at('2026-02-14T10:00:00Z'), 'UTC'), 'a listed Saturday').to.equal(true);
    expect(isInWindow(c, at('2026-03-07T10:00:00Z'), 'UTC'), 'a listed date outside the range').to.equal(true);
    expect(isInWindow(c, at('2026-03-09T10:00:00Z'), 'UTC'), 'a Monday after the range').to.equal(false);
    expect(isInWindow(c, at('2026-02-09T18:00:00Z'), 'UTC'), 'the end second is inside').to.equal(true);
    expect(isInWindow(c, at('2026-02-09T18:00:01Z'), 'UTC'), 'one second after the end').to.equal(false);
  });

  it('runs a window whose start is after its end overnight', () => {
    const night = schedule({ sc_time_start: '22:00:00', sc_time_end: '06:00:00' });
    expect(isInWindow(night, at('2026-01-05T23:00:00Z'), 'UTC')).to.equal(true);
    expect(isInWindow(night, at('2026-01-06T05:00:00Z'), 'UTC')).to.equal(true);
    expect(isInWindow(night, at('2026-01-06T12:00:00Z'), 'UTC')).to.equal(false);
    expect(windowOpenedAt(night, at('2026-01-06T05:00:00Z'), 'UTC')).to.equal('2026-01-05 22:00:00');
  });

  it('tells a window that reopens (pause) from the last one (stop)', () => {
    const daily = schedule({ sc_time_start: '09:00:00', sc_time_end: '17:00:00' });
    expect(hasFutureWindow(daily, at('2026-01-05T17:30:00Z'), 'UTC')).to.equal(true);
    const once = schedule({ sc_time_start: '09:00:00', sc_time_end: '17:00:00', sc_date_start: '2026-01-05', sc_date_end: '2026-01-05' });
    expect(hasFutureWindow(once, at('2026-01-05T17:30:00Z'), 'UTC')).to.equal(false);
    expect(hasFutureWindow(once, at('2026-01-05T08:30:00Z'), 'UTC'), 'before it opened today').to.equal(true);
    const listed = schedule({ sc_date_list: '2026-01-05, 2027-06-01', sc_date_end: '2025-12-31' });
    expect(hasFutureWindow(listed, at('2026-01-06T00:00:01Z'), 'UTC'), 'a listed date more than a year ahead').to.equal(true);
  });

  it('names when the open window opened, in the zone’s wall-clock time', () => {
    const c = schedule({ sc_time_start: '09:00:00', sc_time_end: '17:00:00', sc_timezone: 'Asia/Tokyo' });
    expect(windowOpenedAt(c, at('2026-01-05T02:00:00Z'), 'UTC')).to.equal('2026-01-05 09:00:00');
    expect(windowOpenedAt(c, at('2026-01-05T12:00:00Z'), 'UTC')).to.equal(undefined);
    expect(windowOpenedAt(schedule({ sc_date_start: '2026-01-01' }), at('2026-01-05T12:00:00Z'), 'UTC')).to.equal('2026-01-05 00:00:00');
  });
});
