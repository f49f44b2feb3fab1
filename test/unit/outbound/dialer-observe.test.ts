import { expect } from 'chai';
import { emptyObservation, isComplete, isInDoubt, isSettling, observe, outcome, progress, type DialingIds, type Observation } from '../../../src/outbound/dialer/observe.js';
import { materialise, type RecordedScenario } from './dialer-traffic.js';

const ids: DialingIds = { uuid: 'd1a1d1a1-0000-4000-8000-000000000001', actionId: 'ac710000-0000-4000-8000-000000000001', otherId: '07e70000-0000-4000-8000-000000000001' };

/** Folds the recorded call; returns the observation and the index of the event after which it was first complete. */
function replay(scenario: RecordedScenario, number: string): { obs: Observation; completeAt: number; events: string[] } {
  const events = materialise(scenario, { uuid: ids.uuid, other: ids.otherId!, action: ids.actionId, number, seq: 1 });
  let obs = observe(emptyObservation, { type: 'OriginateSucceeded', data: { command_id: ids.actionId } }, ids);
  let completeAt = -1;
  events.forEach((event, index) => {
    const { Event: type, ...data } = event.fields;
    obs = observe(obs, { type: type!, data, position: index + 1 }, ids);
    if (completeAt < 0 && isComplete(obs, true)) completeAt = index;
  });
  return { obs, completeAt, events: events.map((e) => `${e.fields.Event} ${e.fields.Channel ?? ''}`.trim()) };
}

const final = (scenario: RecordedScenario, number: string) => {
  const { obs } = replay(scenario, number);
  const { status, res_dial, res_dial_detail, res_hangup, res_hangup_detail } = outcome(obs);
  return { status, res_dial, res_dial_detail, res_hangup, res_hangup_detail };
};

describe('dialer observation of recorded Asterisk traffic (res_dial = OriginateResponse Reason, res_hangup = the hangup cause)', () => {
  it('answered and parked: res_dial 4, res_hangup 16 Normal Clearing, status 7; complete at the ;1 Hangup (the ;2 side says 0)', () => {
    expect(final('answer_park', '1000')).to.deep.equal({ status: 7, res_dial: 4, res_dial_detail: 'Remote end has answered', res_hangup: 16, res_hangup_detail: 'Normal Clearing' });
    const { completeAt, events } = replay('answer_park', '1000');
    expect(events[completeAt]).to.equal('Hangup Local/1000@customers-00000008;1');
  });

  it('busy: the ;1 side hangs up with cause 0, so the ;2 side’s cause 17 is the result, and the dialing waits for it', () => {
    expect(final('busy', '2000')).to.deep.equal({ status: 7, res_dial: 5, res_dial_detail: 'Remote end is busy', res_hangup: 17, res_hangup_detail: 'User busy' });
    const { completeAt, events } = replay('busy', '2000');
    expect(events[completeAt]).to.equal('Hangup Local/2000@customers-00000008;2');
  });

  it('no answer until the Originate timeout: res_dial 3 (ringing), res_hangup 19', () => {
    expect(final('no_answer', '3000')).to.deep.equal({ status: 7, res_dial: 3, res_dial_detail: 'Remote end is ringing', res_hangup: 19, res_hangup_detail: 'User alerting, no answer' });
  });

  it('congestion: res_dial 8, res_hangup 34 from the ;2 side', () => {
    expect(final('congestion', '4000')).to.deep.equal({ status: 7, res_dial: 8, res_dial_detail: 'Congestion (circuits busy)', res_hangup: 34, res_hangup_detail: 'Circuit/channel congestion' });
  });

  it('answered into a queue: the agents’ channels of the same call do not count, the customer’s hangup does', () => {
    expect(final('answer_queue', '1001')).to.deep.equal({ status: 7, res_dial: 4, res_dial_detail: 'Remote end has answered', res_hangup: 16, res_hangup_detail: 'Normal Clearing' });
    const { completeAt, events } = replay('answer_queue', '1001');
    expect(completeAt, 'complete only at the very end').to.equal(events.length - 1);
  });

  it('a channel that cannot be created: only a failed OriginateResponse, settling (its channel events could still come), status 13', () => {
    expect(final('no_channel', '123')).to.deep.equal({ status: 13, res_dial: 0, res_dial_detail: 'No dail result event received yet.', res_hangup: 0, res_hangup_detail: 'No hangup event received yet.' });
    const { obs, completeAt } = replay('no_channel', '123');
    expect(completeAt).to.equal(-1);
    expect(isSettling(obs)).to.equal(true);
  });

  it('waits for the channel’s events when the OriginateResponse is logged before them (stasis lags under load, seen with 20 calls)', () => {
    const events = materialise('congestion', { uuid: ids.uuid, other: ids.otherId!, action: ids.actionId, number: '4103', seq: 1 });
    const response = events.find((e) => e.fields.Event === 'OriginateResponse')!;
    const reordered = [response, ...events.filter((e) => e !== response)];
    let obs = emptyObservation;
    const complete: boolean[] = [];
    for (const event of reordered) {
      const { Event: type, ...data } = event.fields;
      obs = observe(obs, { type: type!, data }, ids);
      complete.push(isComplete(obs, true));
    }
    expect(complete.indexOf(true)).to.equal(reordered.length - 1);
    expect(outcome(obs)).to.include({ status: 7, res_dial: 8, res_hangup: 34 });
  });

  it('reports progress while the call runs: channel, the latest step, res_dial once answered', () => {
    const events = materialise('answer_park', { uuid: ids.uuid, other: ids.otherId!, action: ids.actionId, number: '1000', seq: 1 });
    let obs = emptyObservation;
    const current = { status: 1, channel: null, res_dial: 0, res_dial_detail: null, res_hangup: 0, res_hangup_detail: null };
    const steps: number[] = [];
    for (const event of events.slice(0, 13)) {
      const { Event: type, ...data } = event.fields;
      obs = observe(obs, { type: type!, data }, ids);
      steps.push(progress(obs, current).status);
    }
    // Newchannel 4, DialBegin 3, DialEnd 5, OriginateResponse 6 (catalog §2.9: not chronological codes).
    expect([...new Set(steps)]).to.deep.equal([4, 3, 5, 6]);
    expect(progress(obs, current)).to.include({ channel: 'Local/1000@customers-00000008;1', res_dial: 4, res_hangup: 0 });
  });

  it('takes the Originate’s command outcome: refused by Asterisk is 12, not connected is 11, a timeout decides nothing', () => {
    const failed = observe(emptyObservation, { type: 'OriginateFailed', data: { command_id: ids.actionId, timed_out: false } }, ids);
    expect(isComplete(failed, true)).to.equal(true);
    expect(outcome(failed).status).to.equal(12);
    const rejected = observe(emptyObservation, { type: 'OriginateRejected', data: { command_id: ids.actionId } }, ids);
    expect(outcome(rejected).status).to.equal(11);
    const timedOut = observe(emptyObservation, { type: 'OriginateFailed', data: { command_id: ids.actionId, timed_out: true } }, ids);
    expect(isComplete(timedOut, true)).to.equal(false);
    const otherCommand = observe(emptyObservation, { type: 'OriginateFailed', data: { command_id: 'someone-else', timed_out: false } }, ids);
    expect(otherCommand).to.deep.equal(emptyObservation);
  });

  it('holds an Originate whose outcome is Unknown in doubt, from the position it was recorded, until Asterisk says something', () => {
    const unknown = observe(emptyObservation, { type: 'OriginateUnknown', data: { command_id: ids.actionId, error: 'AmiLinkLostError' }, position: 7 }, ids);
    expect(unknown).to.include({ sent: 'in_doubt', doubtPosition: 7 });
    expect(isInDoubt(unknown)).to.equal(true);
    expect(isComplete(unknown, true)).to.equal(false);
    // An older log's timed-out Failed is the same doubt.
    expect(isInDoubt(observe(emptyObservation, { type: 'OriginateFailed', data: { command_id: ids.actionId, timed_out: true } }, ids))).to.equal(true);
    const seen = observe(unknown, { type: 'Newchannel', data: { Uniqueid: ids.uuid, Channel: 'Local/1000@customers-00000001;1' }, position: 9 }, ids);
    expect(isInDoubt(seen), 'its channel exists').to.equal(false);
    expect(seen.doubtPosition).to.equal(7);
    expect(observe(emptyObservation, { type: 'OriginateUnknown', data: { command_id: 'someone-else' } }, ids)).to.deep.equal(emptyObservation);
  });
});
