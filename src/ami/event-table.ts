import type { AmiFields } from '../events/index.js';

/**
 * THE table of how jade files each AMI event (wazo-calld style: one map, no if/else chain).
 *
 * Every AMI event is stored with Asterisk's own name as its type; what differs is the stream. A call's events
 * go to `call-<Linkedid>` so the whole call (all legs) reads in order; events about no call go to `pbx-<node>`.
 * Most call events carry `Linkedid`. The entries below name, in order of preference, the headers that hold the
 * call id for events that spell it differently (`DestLinkedid`, `LocalOneLinkedid`, `ParkeeLinkedid`, ...) or
 * that belong to no call. An event missing from the table is filed by `Linkedid` when it has one, else to
 * `pbx-<node>`, so a new Asterisk event is never dropped, only possibly filed less precisely until listed here.
 */
export interface EventHandling {
  /** Headers that may hold the call's linked id, tried in order. Empty: the event belongs to the PBX. */
  readonly callIdFrom: readonly string[];
}

const call = (...headers: string[]): EventHandling => ({ callIdFrom: headers.length > 0 ? headers : ['Linkedid'] });
const pbx: EventHandling = { callIdFrom: [] };

export const amiEventTable: Readonly<Record<string, EventHandling>> = {
  // Channel life cycle and dialplan.
  Newchannel: call(),
  Newstate: call(),
  Newexten: call(),
  NewCallerid: call(),
  NewConnectedLine: call(),
  NewAccountCode: call(),
  Rename: call(),
  VarSet: call(),
  HangupRequest: call(),
  SoftHangupRequest: call(),
  Hangup: call(),
  HangupHandlerRun: call(),
  HangupHandlerPush: call(),
  HangupHandlerPop: call(),
  DTMFBegin: call(),
  DTMFEnd: call(),
  Hold: call(),
  Unhold: call(),
  MusicOnHoldStart: call(),
  MusicOnHoldStop: call(),
  ChannelTalkingStart: call(),
  ChannelTalkingStop: call(),
  MixMonitorStart: call(),
  MixMonitorStop: call(),
  AGIExecStart: call(),
  AGIExecEnd: call(),
  AsyncAGIStart: call(),
  AsyncAGIExec: call(),
  AsyncAGIEnd: call(),
  UserEvent: call(),
  // An originate without a calling channel (the usual AMI Originate) has only the Dest* side.
  DialBegin: call('Linkedid', 'DestLinkedid'),
  DialState: call('Linkedid', 'DestLinkedid'),
  DialEnd: call('Linkedid', 'DestLinkedid'),
  // No Linkedid; the originated channel starts its call, so its Uniqueid is the call's linked id
  // (and jade presets it with ChannelId). On failure Asterisk sends `Uniqueid: <null>`: filed to the PBX.
  OriginateResponse: call('Uniqueid'),
  // Local channels: both halves are legs of one call.
  LocalBridge: call('LocalOneLinkedid', 'LocalTwoLinkedid'),
  LocalOptimizationBegin: call('LocalOneLinkedid', 'LocalTwoLinkedid'),
  LocalOptimizationEnd: call('LocalOneLinkedid', 'LocalTwoLinkedid'),
  // Bridges: entering/leaving is about a channel; a bridge's own life is not about one call.
  BridgeEnter: call(),
  BridgeLeave: call(),
  BridgeCreate: pbx,
  BridgeDestroy: pbx,
  BridgeMerge: pbx,
  BridgeVideoSourceUpdate: pbx,
  // Transfers: filed with the call that asked for them.
  BlindTransfer: call('TransfererLinkedid', 'TransfereeLinkedid'),
  AttendedTransfer: call('OrigTransfererLinkedid', 'SecondTransfererLinkedid', 'TransfereeLinkedid', 'TransferTargetLinkedid'),
  Pickup: call('Linkedid', 'TargetLinkedid'),
  ChanSpyStart: call('SpyerLinkedid', 'SpyeeLinkedid'),
  ChanSpyStop: call('SpyerLinkedid', 'SpyeeLinkedid'),
  // Queues and agents: caller/agent events are about a call; member state is about the PBX.
  QueueCallerJoin: call(),
  QueueCallerLeave: call(),
  QueueCallerAbandon: call(),
  AgentCalled: call('Linkedid', 'DestLinkedid'),
  AgentConnect: call('Linkedid', 'DestLinkedid'),
  AgentComplete: call('Linkedid', 'DestLinkedid'),
  AgentDump: call('Linkedid', 'DestLinkedid'),
  AgentRingNoAnswer: call('Linkedid', 'DestLinkedid'),
  AgentLogin: call(),
  AgentLogoff: call(),
  QueueMemberAdded: pbx,
  QueueMemberRemoved: pbx,
  QueueMemberPause: pbx,
  QueueMemberPenalty: pbx,
  QueueMemberRinginuse: pbx,
  QueueMemberStatus: pbx,
  // Parking: the parked channel's call.
  ParkedCall: call('ParkeeLinkedid'),
  ParkedCallGiveUp: call('ParkeeLinkedid'),
  ParkedCallTimeOut: call('ParkeeLinkedid'),
  ParkedCallSwap: call('ParkeeLinkedid'),
  UnParkedCall: call('ParkeeLinkedid'),
  // Conferences.
  ConfbridgeJoin: call(),
  ConfbridgeLeave: call(),
  ConfbridgeTalking: call(),
  ConfbridgeMute: call(),
  ConfbridgeUnmute: call(),
  ConfbridgeStart: pbx,
  ConfbridgeEnd: pbx,
  // CEL spells it LinkedID.
  CEL: call('LinkedID'),
  Cdr: pbx,
  // Devices, endpoints, registrations, modules, the system.
  DeviceStateChange: pbx,
  ExtensionStatus: pbx,
  PresenceStateChange: pbx,
  PeerStatus: pbx,
  ContactStatus: pbx,
  Registry: pbx,
  FullyBooted: pbx,
  Shutdown: pbx,
  Reload: pbx,
  ModuleLoadReport: pbx,
  LoadAverageLimit: pbx,
  MessageWaiting: pbx,
  SuccessfulAuth: pbx,
  FailedACL: pbx,
  InvalidAccountID: pbx,
  InvalidPassword: pbx,
  ChallengeSent: pbx,
  ChallengeResponseFailed: pbx,
  RequestBadFormat: pbx,
  // Asterisk's test-framework events name a channel but carry no call id.
  TestEvent: pbx,
};

const defaultHandling: EventHandling = call();

/** Values Asterisk uses for "no id". */
function usableId(value: string | undefined): value is string {
  return value !== undefined && value !== '' && value !== '<null>' && value !== '<unknown>';
}

/** The linked id of the call an event belongs to, or undefined for a PBX event. */
export function callIdOf(eventName: string, fields: AmiFields): string | undefined {
  // hasOwn: an event named like an Object.prototype member (`constructor`) must not find the prototype's.
  const handling = Object.hasOwn(amiEventTable, eventName) ? amiEventTable[eventName]! : defaultHandling;
  for (const header of handling.callIdFrom) {
    const value = fields[header];
    if (usableId(value)) return value;
  }
  return undefined;
}
