import { expect } from 'chai';
import type { RecordedEvent } from '../../../src/events/index.js';
import { decide, decideResume, decideStart, dialplanOfStart, endedByItsOwnHangup, evolveRun, parseAgiResult, type Decision, type RunState } from '../../../src/dialplans/decide.js';

let position = 0;
const ev = (type: string, data: Record<string, unknown>): RecordedEvent => ({ type, data, metadata: {}, stream: 'call-L', position: ++position, revision: 0, recordedAt: '' });
const session = { uniqueId: 'U', linkedId: 'L', channel: 'Local/100@demo-1;2', dpmaUuid: 'D' };
const script = (onError: 'hangup' | 'continue' = 'hangup') => ({
  dpma: { uuid: 'D', on_error: onError },
  steps: [
    { uuid: 's2', sequence: 2, command: 'EXEC Wait 1' },
    { uuid: 's1', sequence: 1, command: 'ANSWER' },
    { uuid: 's3', sequence: 3, command: 'HANGUP' },
  ],
  version: 4,
});

function started(onError: 'hangup' | 'continue' = 'hangup'): RunState {
  const first = decideStart(session, script(onError));
  if (first.kind !== 'start') throw new Error('expected a start');
  return evolveRun(undefined, ev('DialplanRunStarted', first.data as unknown as Record<string, unknown>))!;
}

function sent(run: RunState, id: string): RunState {
  const d = decide(run);
  if (d.kind !== 'send') throw new Error(`expected send, got ${d.kind}`);
  return evolveRun(run, ev('DialplanStepSent', { ...d.data, command_id: id }))!;
}

function executed(run: RunState, id: string, result: string): RunState {
  let next = evolveRun(run, ev('AsyncAGIExec', { Uniqueid: 'U', CommandId: id, Result: encodeURIComponent(result) }))!;
  const d = decide(next);
  if (d.kind !== 'complete') throw new Error(`expected complete, got ${d.kind}`);
  next = evolveRun(next, ev('DialplanStepCompleted', d.data as unknown as Record<string, unknown>))!;
  return next;
}

describe('dialplan run decisions', () => {
  it('reads jade_dialplan sessions from AsyncAGIStart Env', () => {
    const env = encodeURIComponent('agi_request: async\nagi_arg_1: jade_dialplan\nagi_arg_2: abc-1\n\n');
    expect(dialplanOfStart({ Env: env })).to.equal('abc-1');
    expect(dialplanOfStart({ Env: encodeURIComponent('agi_request: async\n') })).to.equal(undefined);
  });

  it('starts with the steps in sequence order and the version', () => {
    const first = decideStart(session, script());
    expect(first.kind).to.equal('start');
    if (first.kind !== 'start') return;
    expect(first.data.steps.map((s) => s.command)).to.deep.equal(['ANSWER', 'EXEC Wait 1', 'HANGUP']);
    expect(first.data.version).to.equal(4);
  });

  it('ends at once for an unknown dpma (hang up) and for one without steps (by on_error)', () => {
    expect(decideStart(session, undefined)).to.deep.include({ kind: 'end' });
    const unknown = decideStart(session, undefined);
    expect(unknown.kind === 'end' && unknown.data).to.include({ reason: 'unknown_dpma', hangup: true });
    const empty = decideStart(session, { ...script('continue'), steps: [] });
    expect(empty.kind === 'end' && empty.data).to.include({ reason: 'no_steps', hangup: false });
  });

  it('sends one step at a time, waits for its result, then the next; ends completed', () => {
    let run = started();
    run = sent(run, 'c1');
    expect(decide(run).kind).to.equal('wait');
    // A result for another command id does not complete it.
    run = evolveRun(run, ev('AsyncAGIExec', { Uniqueid: 'U', CommandId: 'other', Result: '200%20result%3D0%0A' }))!;
    expect(decide(run).kind).to.equal('wait');
    run = executed(run, 'c1', '200 result=0\n');
    const second = decide(run);
    expect(second.kind === 'send' && second.data).to.include({ step: 1, command: 'EXEC Wait 1' });
    run = executed(sent(run, 'c2'), 'c2', '200 result=0\n');
    run = executed(sent(run, 'c3'), 'c3', '200 result=1\n');
    const end = decide(run);
    expect(end.kind === 'end' && end.data).to.include({ reason: 'completed', hangup: false });
  });

  it('a refused step ends the run; hangup by on_error', () => {
    const failed = executed(sent(started(), 'c1'), 'c1', '510 Invalid or unknown command\n');
    const end = decide(failed);
    expect(end.kind === 'end' && end.data).to.include({ reason: 'step_failed', step: 0, result_code: 510, hangup: true });
    const cont = decide(executed(sent(started('continue'), 'c1'), 'c1', '520-Invalid command syntax.\n'));
    expect(cont.kind === 'end' && cont.data).to.include({ reason: 'step_failed', result_code: 520, hangup: false });
  });

  it('the channel going away mid-step ends channel_gone', () => {
    const run = evolveRun(sent(started(), 'c1'), ev('Hangup', { Uniqueid: 'U' }))!;
    const end = decide(run);
    expect(end.kind === 'end' && end.data).to.include({ reason: 'channel_gone', step: 0 });
    // Another channel of the call hanging up is not this run's end.
    const other = evolveRun(sent(started(), 'c1'), ev('Hangup', { Uniqueid: 'X' }))!;
    expect(decide(other).kind).to.equal('wait');
  });

  it('a last HANGUP that ends the session (AsyncAGIEnd, Hangup after its result) completes the run', () => {
    let run = started();
    for (const id of ['c1', 'c2', 'c3']) run = executed(sent(run, id), id, '200 result=1\n');
    run = evolveRun(evolveRun(run, ev('AsyncAGIEnd', { Uniqueid: 'U' }))!, ev('Hangup', { Uniqueid: 'U' }))!;
    const end = decide(run);
    expect(end.kind === 'end' && end.data).to.include({ reason: 'completed' });
  });

  it('sends nothing after a completed run whose last step was HANGUP; a run ending otherwise is let go or hung up', () => {
    let run = started();
    for (const id of ['c1', 'c2', 'c3']) run = executed(sent(run, id), id, '200 result=1\n');
    const end = decide(run);
    if (end.kind !== 'end') throw new Error(`expected end, got ${end.kind}`);
    expect(endedByItsOwnHangup(run, end.data)).to.equal(true);
    const failed = executed(sent(started(), 'c1'), 'c1', '510 Invalid or unknown command\n');
    const failedEnd = decide(failed);
    if (failedEnd.kind !== 'end') throw new Error(`expected end, got ${failedEnd.kind}`);
    expect(endedByItsOwnHangup(failed, failedEnd.data)).to.equal(false);
    const withoutHangup = { ...run, steps: run.steps.slice(0, 2) };
    expect(endedByItsOwnHangup(withoutHangup, end.data)).to.equal(false);
  });

  it('restart: a step sent and not completed is awaited, never sent again; one whose result is in the log completes', () => {
    const events: RecordedEvent[] = [];
    const first = decideStart(session, script());
    if (first.kind !== 'start') throw new Error('start');
    events.push(ev('DialplanRunStarted', first.data as unknown as Record<string, unknown>));
    events.push(ev('DialplanStepSent', { unique_id: 'U', step: 0, step_uuid: 's1', command: 'ANSWER', command_id: 'c1' }));
    const folded = events.reduce<RunState | undefined>(evolveRun, undefined)!;
    expect(decide(folded).kind).to.equal('wait');
    const withResult = evolveRun(folded, ev('AsyncAGIExec', { Uniqueid: 'U', CommandId: 'c1', Result: '200%20result%3D0%0A' }))!;
    expect(decide(withResult).kind).to.equal('complete');
    // A completion recorded with a refused code ends the run after a restart too (no next step).
    const refused = evolveRun(folded, ev('DialplanStepCompleted', { unique_id: 'U', step: 0, command_id: 'c1', result_code: 510, result: null, data: 'Invalid or unknown command' }))!;
    expect(decide(refused).kind).to.equal('end');
  });

  describe('after the AMI link was lost (jade restarted, or AMI reconnected) and the channel is still there', () => {
    const fold = (run: RunState, d: Decision, type: string): RunState => evolveRun(run, ev(type, (d as { data: Record<string, unknown> }).data))!;

    it('records a step sent without a seen result as outcome unknown, naming why, and sends the next step', () => {
      const run = executed(sent(started(), 'c1'), 'c1', '200 result=0\n');
      const inFlight = sent(run, 'c2');
      const resumed = decideResume(inFlight);
      expect(resumed.kind).to.equal('unknown');
      expect(resumed.kind === 'unknown' && resumed.data).to.deep.include({ unique_id: 'U', step: 1, command_id: 'c2', reason: 'link_lost' });
      const next = decide(fold(inFlight, resumed, 'DialplanStepOutcomeUnknown'));
      expect(next.kind === 'send' && next.data).to.include({ step: 2, command: 'HANGUP' });
    });

    it('a late result is recorded against its own step by command id, then the run ends completed with every step known', () => {
      let run = sent(executed(sent(started(), 'c1'), 'c1', '200 result=0\n'), 'c2');
      run = fold(run, decideResume(run), 'DialplanStepOutcomeUnknown');
      run = sent(run, 'c3');
      // Asterisk ran its queue in order: step 1's result comes first, late.
      run = evolveRun(run, ev('AsyncAGIExec', { Uniqueid: 'U', CommandId: 'c2', Result: encodeURIComponent('200 result=0\n') }))!;
      const late = decide(run);
      expect(late.kind === 'complete' && late.data).to.deep.include({ step: 1, command_id: 'c2', result_code: 200, late: true });
      run = fold(run, late, 'DialplanStepCompleted');
      expect(decide(run).kind, 'step 2 is still awaited').to.equal('wait');
      run = executed(run, 'c3', '200 result=1\n');
      const end = decide(run);
      expect(end.kind === 'end' && end.data).to.include({ reason: 'completed' });
      expect(end.kind === 'end' && end.data.unknown_steps).to.equal(undefined);
    });

    it('a step whose result never comes is named in the completed end', () => {
      let run = sent(executed(sent(started(), 'c1'), 'c1', '200 result=0\n'), 'c2');
      run = fold(run, decideResume(run), 'DialplanStepOutcomeUnknown');
      run = executed(sent(run, 'c3'), 'c3', '200 result=1\n');
      const end = decide(run);
      expect(end.kind === 'end' && end.data).to.deep.include({ reason: 'completed', unknown_steps: [1] });
    });

    it('a late refusal ends the run step_failed for its own step', () => {
      let run = sent(executed(sent(started(), 'c1'), 'c1', '200 result=0\n'), 'c2');
      run = fold(run, decideResume(run), 'DialplanStepOutcomeUnknown');
      run = sent(run, 'c3');
      run = evolveRun(run, ev('AsyncAGIExec', { Uniqueid: 'U', CommandId: 'c2', Result: encodeURIComponent('520 Invalid command syntax.\n') }))!;
      run = fold(run, decide(run), 'DialplanStepCompleted');
      const end = decide(run);
      expect(end.kind === 'end' && end.data).to.include({ reason: 'step_failed', step: 1, result_code: 520 });
    });

    it('a result already in the log completes normally; nothing in flight resumes as decide; a gone channel ends channel_gone', () => {
      const answered = evolveRun(sent(started(), 'c1'), ev('AsyncAGIExec', { Uniqueid: 'U', CommandId: 'c1', Result: '200%20result%3D0%0A' }))!;
      expect(decideResume(answered).kind).to.equal('complete');
      const idle = executed(sent(started(), 'c1'), 'c1', '200 result=0\n');
      expect(decideResume(idle)).to.deep.equal(decide(idle));
      const gone = { ...sent(started(), 'c1'), gone: true };
      const end = decideResume(gone);
      expect(end.kind === 'end' && end.data).to.include({ reason: 'channel_gone', step: 0 });
    });
  });

  it('parses AGI results', () => {
    expect(parseAgiResult('200 result=1 (en)\n')).to.deep.equal({ code: 200, result: '1', data: '(en)' });
    expect(parseAgiResult('200 result=0\n')).to.deep.equal({ code: 200, result: '0', data: null });
    expect(parseAgiResult('510 Invalid or unknown command\n')).to.deep.equal({ code: 510, result: null, data: 'Invalid or unknown command' });
  });
});
