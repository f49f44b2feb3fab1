import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { callIdOf } from '../../../src/ami/event-table.js';
import { AmiFrameParser } from '../../../src/ami/frame-parser.js';

describe('AMI event table (callIdOf)', () => {
  it('files a channel event by its Linkedid', () => {
    expect(callIdOf('Newchannel', { Event: 'Newchannel', Uniqueid: '2.2', Linkedid: '1.1' })).to.equal('1.1');
  });

  it('files a DialBegin without a calling channel (AMI Originate) by DestLinkedid', () => {
    expect(callIdOf('DialBegin', { Event: 'DialBegin', DestUniqueid: '1.1', DestLinkedid: '1.1' })).to.equal('1.1');
    expect(callIdOf('DialBegin', { Event: 'DialBegin', Linkedid: '9.9', DestLinkedid: '1.1' })).to.equal('9.9');
  });

  it('files LocalBridge by LocalOneLinkedid and a parked call by ParkeeLinkedid', () => {
    expect(callIdOf('LocalBridge', { LocalOneLinkedid: '1.1', LocalTwoLinkedid: '1.1' })).to.equal('1.1');
    expect(callIdOf('ParkedCall', { ParkeeLinkedid: '3.3', ParkerLinkedid: '4.4' })).to.equal('3.3');
  });

  it('files OriginateResponse by the originated channel Uniqueid, and a failed one (Uniqueid <null>) to the PBX', () => {
    expect(callIdOf('OriginateResponse', { Response: 'Success', Uniqueid: '1.6' })).to.equal('1.6');
    expect(callIdOf('OriginateResponse', { Response: 'Failure', Uniqueid: '<null>' })).to.equal(undefined);
  });

  it('files PBX events to no call even if some header looks like a call id', () => {
    expect(callIdOf('DeviceStateChange', { Device: 'PJSIP/100', State: 'INUSE' })).to.equal(undefined);
    expect(callIdOf('QueueMemberStatus', { Queue: 'sales', Linkedid: '1.1' })).to.equal(undefined);
  });

  it('files an event it does not list by Linkedid when present, else to the PBX', () => {
    expect(callIdOf('SomeFutureEvent', { Linkedid: '5.5' })).to.equal('5.5');
    expect(callIdOf('SomeFutureEvent', { Foo: 'bar' })).to.equal(undefined);
  });

  it('treats an event named like an Object.prototype member as unlisted', () => {
    expect(callIdOf('constructor', { Linkedid: '5.5' })).to.equal('5.5');
    expect(callIdOf('toString', {})).to.equal(undefined);
  });

  it('files every event of the recorded capture that belongs to a call, and only those, to a call', () => {
    const frames = new AmiFrameParser().push(readFileSync(new URL('../../fixtures/ami-capture-asterisk22.txt', import.meta.url)));
    const pbxEvents = new Set<string>();
    for (const frame of frames) {
      if (frame.kind !== 'event') continue;
      const name = frame.fields.Event!;
      const callId = callIdOf(name, frame.fields);
      if (callId === undefined) pbxEvents.add(name);
      else expect(Object.values(frame.fields), name).to.include(callId);
    }
    expect([...pbxEvents].sort()).to.deep.equal(['BridgeCreate', 'BridgeDestroy', 'DeviceStateChange', 'FullyBooted', 'QueueMemberStatus', 'SuccessfulAuth', 'TestEvent']);
  });
});
