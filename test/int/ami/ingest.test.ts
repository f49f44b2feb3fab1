import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { RecordedEvent } from '../../../src/events/index.js';
import { MemoryEventStore } from '../../../src/eventstore/memory/memory-event-store.js';
import { silentLogger } from '../../../src/logger.js';
import { startAmi, type AmiRuntime, type ResyncReport } from '../../../src/ami/index.js';
import { snapshotActions } from '../../../src/ami/snapshots.js';
import { AmiFrameParser } from '../../../src/ami/frame-parser.js';
import { FakeAmi, fakeModuleShow, type FakeReply } from '../../support/fake-ami.js';
import { amiConfig, waitFor } from './helpers.js';

const fixtureText = readFileSync(new URL('../../fixtures/ami-capture-asterisk22.txt', import.meta.url), 'utf8');

describe('AMI ingest and resync against a fake AMI server', () => {
  let fake: FakeAmi;
  let store: MemoryEventStore;
  let ami: AmiRuntime | undefined;
  let rounds: ResyncReport[];

  beforeEach(async () => {
    fake = await FakeAmi.start();
    store = new MemoryEventStore();
    rounds = [];
  });

  afterEach(async () => {
    await ami?.stop();
    ami = undefined;
    await fake.close();
  });

  async function start(overrides: Parameters<typeof amiConfig>[1] = {}): Promise<AmiRuntime> {
    ami = startAmi({ config: amiConfig(fake, overrides), store, logger: silentLogger(), snapshotTimeoutMs: 1000, onResync: (r) => rounds.push(r) });
    await waitFor(() => rounds.length >= 1, 3000, 'first resync round');
    return ami;
  }

  const pbx = async (): Promise<RecordedEvent[]> => store.readStream('pbx-test');
  const ofType = (events: readonly RecordedEvent[], type: string) => events.filter((e) => e.type === type);

  it('stores the recorded traffic in arrival order, each event in its call or PBX stream, with metadata', async () => {
    const runtime = await start();
    const startPosition = await store.headPosition();
    const text = fixtureText.slice(0, fixtureText.indexOf('Event: OriginateResponse\r\nPrivilege: call,all\r\nActionID: cap3'));
    const expected = new AmiFrameParser().push(text).flatMap((f) => (f.kind === 'event' ? [f.fields] : []));
    fake.push(text);
    await waitFor(async () => (await store.headPosition()) >= startPosition + expected.length, 3000, 'all events stored');
    await runtime.ingest.flush();

    const stored = (await store.readAll({ fromPosition: startPosition + 1 })).filter((e) => !e.type.startsWith('Ami'));
    expect(stored.map((e) => e.type)).to.deep.equal(expected.map((f) => f.Event));
    for (const [i, event] of stored.entries()) {
      const { Event: _event, ...data } = expected[i]!;
      expect(event.data, `event ${i}`).to.deep.equal(data);
      expect(event.metadata.node).to.equal('test');
      expect(event.metadata.receivedAt).to.match(/Z$/);
    }
    const newchannel = stored.find((e) => e.type === 'Newchannel')!;
    expect(newchannel.stream).to.equal(`call-${String(newchannel.data.Linkedid)}`);
    const device = stored.find((e) => e.type === 'DeviceStateChange')!;
    expect(device.stream).to.equal('pbx-test');
    // The capture's OriginateResponse carries an ActionID of no pending action: stored, in its call.
    const originate = stored.find((e) => e.type === 'OriginateResponse')!;
    expect(originate.stream).to.equal(`call-${String(originate.data.Uniqueid)}`);
    expect(runtime.gateway.state().lastEventAt).to.be.a('string');
  });

  it('keeps Asterisk Timestamp (timestampevents=yes) in metadata, not in data', async () => {
    await start();
    fake.push([{ Event: 'Hangup', Privilege: 'call,all', Timestamp: '1795810119.654321', Uniqueid: '7.7', Linkedid: '7.7', Cause: '16' }]);
    await waitFor(async () => (await store.readStream('call-7.7')).length === 1);
    const [hangup] = await store.readStream('call-7.7');
    expect(hangup?.metadata).to.include({ node: 'test', timestamp: '1795810119.654321' });
    expect(hangup?.data).to.not.have.property('Timestamp');
    expect(hangup?.data).to.not.have.property('Event');
  });

  it('after connecting, records AmiConnected then one snapshot per table action, all in one round', async () => {
    await start();
    const events = await pbx();
    expect(events[0]?.type).to.equal('AmiConnected');
    const round = events[0]!.data.round;
    const snapshots = ofType(events, 'AmiSnapshot');
    expect(snapshots.map((e) => e.data.action)).to.deep.equal(snapshotActions.map((s) => s.name));
    expect(snapshots.every((e) => e.data.round === round)).to.equal(true);

    const byAction = new Map(snapshots.map((e) => [e.data.action, e.data]));
    expect(byAction.get('CoreShowChannels')).to.deep.include({ items: [] });
    expect(byAction.get('CoreShowChannels')?.complete).to.include({ Event: 'CoreShowChannelsComplete', ListItems: '0' });
    // res_pjsip answers an empty listing with an error: an empty snapshot, not a failure.
    expect(byAction.get('PJSIPShowEndpoints')).to.deep.include({ items: [] });
    expect(byAction.get('PJSIPShowEndpoints')?.response).to.include({ Response: 'Error', Message: 'No endpoints found' });
    expect(byAction.get('CoreSettings')?.response).to.include({ AsteriskVersion: '22.5.2' });
    expect(byAction.get('Command: module show')?.output).to.deep.equal(fakeModuleShow);
    expect(ofType(events, 'AmiSnapshotFailed')).to.deep.equal([]);
  });

  it('records a failing snapshot action as AmiSnapshotFailed and still runs the others', async () => {
    fake.on('QueueStatus', () => [{ Response: 'Error', Message: 'Invalid/unknown command: QueueStatus. Use Action: ListCommands to show available commands.' }]);
    await start();
    const events = await pbx();
    const [failed] = ofType(events, 'AmiSnapshotFailed');
    expect(failed?.data).to.include({ action: 'QueueStatus', error: 'Invalid/unknown command: QueueStatus. Use Action: ListCommands to show available commands.' });
    expect(ofType(events, 'AmiSnapshot')).to.have.length(snapshotActions.length - 1);
    expect(rounds[0]?.failed).to.deep.equal([{ action: 'QueueStatus', error: String(failed?.data.error) }]);
  });

  it('puts a snapshot where its Complete arrived: events inside the list before it, a later Hangup after it', async () => {
    const channel = (id: string) => ({ Channel: `PJSIP/100-${id}`, Uniqueid: id, Linkedid: id, ChannelState: '6' });
    const hangup = (id: string) => ({ raw: `Event: Hangup\r\nPrivilege: call,all\r\nUniqueid: ${id}\r\nLinkedid: ${id}\r\nCause: 16\r\n\r\n` });
    fake.on('CoreShowChannels', (action): FakeReply => [
      { Response: 'Success', EventList: 'start', Message: 'Channels will follow' },
      { Event: 'CoreShowChannel', ...channel('5.1') },
      hangup('5.2'),
      { raw: `Event: CoreShowChannelsComplete\r\nActionID: ${action.actionid ?? ''}\r\nEventList: Complete\r\nListItems: 1\r\n\r\n` },
      hangup('5.1'),
    ]);
    await start();
    const all = await store.readAll();
    const order = all
      .filter((e) => e.type === 'Hangup' || (e.type === 'AmiSnapshot' && e.data.action === 'CoreShowChannels'))
      .map((e) => (e.type === 'Hangup' ? `Hangup ${String(e.data.Uniqueid)}` : 'snapshot'));
    expect(order).to.deep.equal(['Hangup 5.2', 'snapshot', 'Hangup 5.1']);
    const snapshot = all.find((e) => e.type === 'AmiSnapshot' && e.data.action === 'CoreShowChannels')!;
    expect((snapshot.data.items as Array<Record<string, string>>).map((i) => i.Uniqueid)).to.deep.equal(['5.1']);
  });

  it('after Asterisk goes away and comes back, records AmiDisconnected once, reconnects within the backoff cap, and snapshots again', async () => {
    await start();
    await fake.close();
    await waitFor(async () => ofType(await pbx(), 'AmiDisconnected').length === 1, 2000, 'AmiDisconnected');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await fake.listen();
    const back = Date.now();
    await waitFor(() => rounds.length >= 2, 3000, 'second resync round');
    expect(Date.now() - back).to.be.below(200 + 500);

    const events = await pbx();
    expect(ofType(events, 'AmiDisconnected')).to.have.length(1);
    const connects = ofType(events, 'AmiConnected');
    expect(connects).to.have.length(2);
    expect(connects[0]!.data.round).to.not.equal(connects[1]!.data.round);
    const disconnected = ofType(events, 'AmiDisconnected')[0]!;
    expect(disconnected.data.round).to.equal(connects[0]!.data.round);
    expect(disconnected.data.reason).to.be.a('string').and.not.equal('');
    const secondRound = ofType(events, 'AmiSnapshot').filter((e) => e.data.round === connects[1]!.data.round);
    expect(secondRound).to.have.length(snapshotActions.length);
    expect(secondRound[0]!.position).to.be.greaterThan(disconnected.position);
  });

  it('stores a garbage frame as AmiRawFrame and keeps ingesting', async () => {
    await start();
    fake.push('Event: Hangup\r\nno colon on this line\r\n\r\nGarbage: without event or response\r\n\r\n');
    fake.push([{ Event: 'Hangup', Privilege: 'call,all', Uniqueid: '8.8', Linkedid: '8.8' }]);
    await waitFor(async () => (await store.readStream('call-8.8')).length === 1, 2000, 'event after garbage');
    const raws = ofType(await pbx(), 'AmiRawFrame');
    expect(raws.map((e) => e.data.raw)).to.deep.equal(['Event: Hangup\r\nno colon on this line', 'Garbage: without event or response']);
    expect(raws.map((e) => e.data.reason)).to.deep.equal(['unparsable line: "no colon on this line"', 'frame has neither Event nor Response']);
    expect(ami?.gateway.state().connected).to.equal(true);
  });

  it("stores an action's late answer (after its timeout) as AmiRawFrame for the audit", async () => {
    let answer: (() => void) | undefined;
    fake.on('Hangup', (action, session) => {
      answer = () => session.socket.write(`Response: Success\r\nActionID: ${action.actionid ?? ''}\r\nMessage: Channel Hungup\r\n\r\n`);
      return undefined;
    });
    const runtime = await start();
    await runtime.gateway.action({ Action: 'Hangup', Channel: 'PJSIP/x', ActionID: 'cmd-late' }, { timeoutMs: 50 }).catch(() => undefined);
    answer?.();
    await waitFor(async () => ofType(await pbx(), 'AmiRawFrame').length === 1, 2000, 'late answer stored');
    const [raw] = ofType(await pbx(), 'AmiRawFrame');
    expect(raw?.data.raw).to.equal('Response: Success\r\nActionID: cmd-late\r\nMessage: Channel Hungup');
    expect(String(raw?.data.reason)).to.include('after it timed out');
  });

  it('on stop, records AmiDisconnected and has everything in the store when stop() resolves', async () => {
    const runtime = await start();
    fake.push([{ Event: 'Hangup', Uniqueid: '9.9', Linkedid: '9.9' }]);
    await waitFor(async () => (await store.readStream('call-9.9')).length === 1);
    await runtime.stop();
    ami = undefined;
    const events = await pbx();
    expect(events.at(-1)).to.deep.include({ type: 'AmiDisconnected' });
    expect(events.at(-1)?.data.reason).to.equal('stopped');
    expect(fake.actions.at(-1)?.action).to.equal('Logoff');
  });
});
