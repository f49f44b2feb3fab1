/** Read-model rows and changes for realtime tests, shaped exactly as the projections emit them. */
import type { AgiRow } from '../../../projections/agis.js';
import type { ChannelRow } from '../../../projections/channels.js';
import type { ChangeOp, ReadModelChange } from '../../../src/readmodels/index.js';

export function channelRow(overrides: Partial<ChannelRow> = {}): ChannelRow {
  const uniqueId = overrides.unique_id ?? '1700000000.1';
  return {
    unique_id: uniqueId,
    linked_id: uniqueId,
    channel: 'PJSIP/pjagent-01-00000001',
    channel_state: 4,
    channel_state_desc: 'Ring',
    context: 'demo',
    exten: '100',
    priority: '1',
    caller_id_name: 'pjagent-01',
    caller_id_num: 'pjagent-01',
    connected_line_name: '<unknown>',
    connected_line_num: '<unknown>',
    account_code: '',
    language: 'en',
    application: null,
    application_data: null,
    bridge_id: null,
    hangup_cause: null,
    hangup_cause_desc: null,
    variables: {},
    tm_create: '2026-01-01T00:00:00.000000000Z',
    tm_update: '2026-01-01T00:00:00.000000000Z',
    ...overrides,
  };
}

export function agiRow(overrides: Partial<AgiRow> = {}): AgiRow {
  const uniqueId = overrides.unique_id ?? '1700000000.9';
  return {
    unique_id: uniqueId,
    linked_id: uniqueId,
    channel: 'PJSIP/pjagent-02-00000009',
    channel_state: 4,
    channel_state_desc: 'Ring',
    context: 'sample-agi-async',
    exten: 's',
    priority: '2',
    caller_id_name: 'pjagent-02',
    caller_id_num: 'pjagent-02',
    connected_line_name: '<unknown>',
    connected_line_num: '<unknown>',
    account_code: '',
    language: 'en',
    env: { agi_request: 'async' },
    cmd: {},
    status: 'active',
    dialplan: null,
    tm_create: '2026-01-01T00:00:00.000000000Z',
    tm_update: '2026-01-01T00:00:00.000000000Z',
    tm_end: null,
    ...overrides,
  };
}

export function channelChange(op: ChangeOp, position: number, overrides: Partial<ChannelRow> = {}): ReadModelChange {
  const row = { ...channelRow(overrides), node: 'asterisk', row_key: `asterisk/${overrides.unique_id ?? '1700000000.1'}` };
  return { projection: 'channels', table: 'channels', op, key: row.row_key, row, position };
}

export function agiChange(op: ChangeOp, position: number, overrides: Partial<AgiRow> = {}): ReadModelChange {
  const row = { ...agiRow(overrides), node: 'asterisk', row_key: `asterisk/${overrides.unique_id ?? '1700000000.9'}` };
  return { projection: 'agis', table: 'agis', op, key: row.row_key, row, position };
}
