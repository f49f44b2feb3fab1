import { parseTime, type Row } from './api.js';
import { h, text, ticking } from './dom.js';
import type { LiveState } from './live.js';
import type { ActionName } from './roles.js';

/** What the buttons do; main.ts sends each through the public API. */
export interface Actions {
  /** Whether the logged-in role may use this action: its buttons are left out otherwise (roles.ts). */
  may(action: ActionName): boolean;
  hangup(channel: Row): void;
  timeline(linkedId: string): void;
  pause(member: Row, paused: boolean): void;
  campaign(campaign: Row, status: number): void;
}

/** Device states (catalog 40-events §5.2). */
const deviceStates: Readonly<Record<number, string>> = {
  0: 'unknown', 1: 'not in use', 2: 'in use', 3: 'busy', 4: 'invalid', 5: 'unavailable', 6: 'ringing', 7: 'ringing, in use', 8: 'on hold',
};

/** Campaign status (catalog 50-outbound §2.5). */
const campaignStatuses: Readonly<Record<number, string>> = { 0: 'stopped', 1: 'running', 2: 'paused', 10: 'stopping', 11: 'starting', 12: 'pausing', 30: 'stopping forcedly' };

/** Dialing status (catalog 50-outbound §2.9). */
const dialingStatuses: Readonly<Record<number, string>> = {
  0: 'new', 1: 'originate sent', 2: 'originate queued', 3: 'dial begin', 4: 'channel created', 5: 'dial end', 6: 'answered/responded', 7: 'hangup',
  10: 'error', 11: 'originate failed', 12: 'originate refused', 13: 'originate response failed',
};

const caller = (name: unknown, num: unknown): string => {
  const n = text(name);
  const d = text(num);
  const known = (v: string) => v !== '' && v !== '<unknown>';
  if (known(n) && known(d) && n !== d) return `${n} <${d}>`;
  return known(n) ? n : known(d) ? d : 'unknown';
};

function table(caption: string, headers: readonly string[], rows: readonly HTMLElement[], empty: string): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  return h(
    'table',
    {},
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, ...headers.map((header) => h('th', { scope: 'col' }, header)))),
    h('tbody', {}, ...rows),
  );
}

const button = (label: string, key: string, onclick: () => void, extra: Record<string, string> = {}): HTMLElement =>
  h('button', { type: 'button', 'data-key': key, onclick: () => onclick(), ...extra }, label);

/** The button when the role may use the action, else nothing (spread into the actions cell). */
const allowed = (actions: Actions, action: ActionName, make: () => HTMLElement): HTMLElement[] => (actions.may(action) ? [make()] : []);

export function channelsView(state: LiveState, actions: Actions): HTMLElement {
  const channels = [...state.rows.channels.values()];
  const byBridge = new Map<string, Row[]>();
  for (const channel of channels) {
    const bridge = text(channel.bridge_id);
    if (bridge !== '') byBridge.set(bridge, [...(byBridge.get(bridge) ?? []), channel]);
  }
  const rows = channels.map((channel) => {
    const id = text(channel.unique_id);
    const bridge = text(channel.bridge_id);
    const peers = (byBridge.get(bridge) ?? []).filter((c) => c !== channel).map((c) => text(c.channel));
    const where = channel.application ? `${text(channel.application)}(${text(channel.application_data)})` : `${text(channel.exten)}@${text(channel.context)}`;
    return h(
      'tr',
      { 'data-unique-id': id },
      h('td', {}, caller(channel.caller_id_name, channel.caller_id_num)),
      h('td', { class: 'mono' }, text(channel.channel)),
      h('td', {}, text(channel.channel_state_desc)),
      h('td', { class: 'mono' }, where),
      h('td', { class: 'mono' }, bridge === '' ? '–' : peers.length > 0 ? `⇄ ${peers.join(', ')}` : `bridge ${bridge.slice(0, 8)}`),
      h('td', { class: 'num' }, ticking(parseTime(channel.tm_create))),
      h(
        'td',
        { class: 'actions' },
        ...allowed(actions, 'timeline', () => button('Timeline', `timeline-${id}`, () => actions.timeline(text(channel.linked_id)), { 'aria-label': `Timeline of the call of ${text(channel.channel)}` })),
        ...allowed(actions, 'hangup', () => button('Hang up', `hangup-${id}`, () => actions.hangup(channel), { class: 'danger', 'aria-label': `Hang up ${text(channel.channel)}` })),
      ),
    );
  });
  return table('Live channels', ['Caller', 'Channel', 'State', 'Where', 'Bridge', 'Duration', 'Actions'], rows, 'No live channels.');
}

function memberState(member: Row): { label: string; css: string } {
  if (Number(member.paused) === 1) return { label: member.paused_reason ? `paused (${text(member.paused_reason)})` : 'paused', css: 'paused' };
  const status = Number(member.status);
  if (Number(member.in_call) === 1 || [2, 3, 7, 8].includes(status)) return { label: 'in call', css: 'busy' };
  if (status === 6) return { label: 'ringing', css: 'busy' };
  if (status === 4 || status === 5) return { label: 'unavailable', css: 'off' };
  return { label: 'idle', css: 'idle' };
}

function queueView(queue: Row, members: readonly Row[], entries: readonly Row[], actions: Actions): HTMLElement {
  const name = text(queue.name);
  const memberRows = members.map((member) => {
    const state = memberState(member);
    const paused = Number(member.paused) === 1;
    const label = text(member.name);
    return h(
      'tr',
      { 'data-member': text(member.id) },
      h('td', {}, label),
      h('td', { class: 'mono' }, text(member.location)),
      h('td', {}, h('span', { class: `state ${state.css}` }, state.label), h('span', { class: 'sub' }, ` ${deviceStates[Number(member.status)] ?? ''}`)),
      h('td', { class: 'num' }, text(member.calls_taken)),
      h(
        'td',
        { class: 'actions' },
        ...allowed(actions, 'pause', () =>
          button(paused ? 'Unpause' : 'Pause', `pause-${text(member.id)}`, () => actions.pause(member, !paused), {
            'aria-label': `${paused ? 'Unpause' : 'Pause'} ${label} in ${name}`,
            'aria-pressed': String(paused),
          }),
        ),
      ),
    );
  });
  const entryRows = [...entries]
    .sort((a, b) => Number(a.position) - Number(b.position))
    .map((entry) =>
      h(
        'tr',
        { 'data-entry': text(entry.unique_id) },
        h('td', { class: 'num' }, text(entry.position)),
        h('td', {}, caller(entry.caller_id_name, entry.caller_id_num)),
        h('td', { class: 'mono' }, text(entry.channel)),
        h('td', { class: 'num' }, ticking(parseTime(entry.tm_join))),
      ),
    );
  const headingId = `queue-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return h(
    'article',
    { class: 'queue', 'aria-labelledby': headingId, 'data-queue': name },
    h('h3', { id: headingId }, name, h('span', { class: 'sub' }, ` ${text(queue.strategy)}`)),
    h(
      'dl',
      { class: 'stats' },
      h('dt', {}, 'Waiting'), h('dd', { 'data-stat': 'waiting' }, String(entries.length)),
      h('dt', {}, 'Service level'), h('dd', {}, `${text(queue.service_level_perf)}% in ${text(queue.service_level)} s`),
      h('dt', {}, 'Completed'), h('dd', {}, text(queue.completed)),
      h('dt', {}, 'Abandoned'), h('dd', {}, text(queue.abandoned)),
      h('dt', {}, 'Hold time'), h('dd', {}, `${text(queue.hold_time)} s`),
    ),
    h('h4', {}, 'Members'),
    table(`Members of ${name}`, ['Member', 'Interface', 'State', 'Calls', 'Actions'], memberRows, 'No members.'),
    h('h4', {}, 'Waiting callers'),
    table(`Callers waiting in ${name}`, ['#', 'Caller', 'Channel', 'Waiting'], entryRows, 'Nobody waiting.'),
  );
}

export function queuesView(state: LiveState, actions: Actions): HTMLElement {
  const queues = [...state.rows.queues.values()].sort((a, b) => text(a.name).localeCompare(text(b.name)));
  if (queues.length === 0) return h('p', { class: 'empty' }, 'No queues.');
  const members = [...state.rows.members.values()];
  const entries = [...state.rows.entries.values()];
  return h(
    'div',
    { class: 'queues' },
    ...queues.map((queue) =>
      queueView(
        queue,
        members.filter((m) => m.queue_name === queue.name).sort((a, b) => text(a.name).localeCompare(text(b.name))),
        entries.filter((e) => e.queue_name === queue.name),
        actions,
      ),
    ),
  );
}

export function parkedView(state: LiveState, actions: Actions): HTMLElement {
  const rows = [...state.rows.parked.values()].map((parked) => {
    const id = text(parked.parkee_unique_id);
    const since = parseTime(parked.tm_parked);
    const limit = Number(parked.parking_time_limit);
    return h(
      'tr',
      { 'data-parked': id },
      h('td', {}, text(parked.parking_lot)),
      h('td', { class: 'num' }, text(parked.parking_space)),
      h('td', {}, caller(parked.parkee_caller_id_name, parked.parkee_caller_id_num)),
      h('td', { class: 'mono' }, text(parked.parkee_channel)),
      h('td', { class: 'num' }, ticking(since)),
      h('td', { class: 'num' }, limit > 0 ? ticking(since, { countdownSeconds: limit }) : '–'),
      h(
        'td',
        { class: 'actions' },
        ...allowed(actions, 'timeline', () => button('Timeline', `ptimeline-${id}`, () => actions.timeline(text(parked.parkee_linked_id)), { 'aria-label': `Timeline of the call of ${text(parked.parkee_channel)}` })),
        ...allowed(actions, 'hangup', () => button('Hang up', `phangup-${id}`, () => actions.hangup({ unique_id: id, channel: parked.parkee_channel }), { class: 'danger', 'aria-label': `Hang up ${text(parked.parkee_channel)}` })),
      ),
    );
  });
  return table('Parked calls', ['Lot', 'Space', 'Caller', 'Channel', 'Parked for', 'Times out in', 'Actions'], rows, 'No parked calls.');
}

function progress(state: LiveState, campaign: Row): string {
  const entries = state.dialLists.get(text(campaign.dlma));
  if (entries === undefined || entries.length === 0) return '–';
  const tried = entries.filter((entry) => Object.keys(entry).some((key) => /^trycnt_\d$/.test(key) && Number(entry[key]) > 0)).length;
  return `${tried} / ${entries.length} tried`;
}

export function campaignsView(state: LiveState, actions: Actions): HTMLElement {
  const dialings = [...state.rows.dialings.values()];
  const rows = [...state.rows.campaigns.values()].map((campaign) => {
    const uuid = text(campaign.uuid);
    const status = Number(campaign.status);
    const own = dialings.filter((d) => d.uuid_camp === uuid);
    const running = status === 1 || status === 11;
    const label = text(campaign.name) || uuid;
    return h(
      'tr',
      { 'data-campaign': uuid },
      h('td', {}, label),
      h('td', {}, h('span', { class: `state ${running ? 'busy' : 'idle'}` }, campaignStatuses[status] ?? String(status))),
      h('td', {}, progress(state, campaign)),
      h(
        'td',
        {},
        own.length === 0
          ? '–'
          : h('ul', { class: 'dialings' }, ...own.map((d) => h('li', {}, h('span', { class: 'mono' }, text(d.dial_addr)), ` ${dialingStatuses[Number(d.status)] ?? text(d.status)}`))),
      ),
      h(
        'td',
        { class: 'actions' },
        !actions.may('campaign')
          ? '–'
          : running
            ? button('Stop', `camp-${uuid}`, () => actions.campaign(campaign, 0), { 'aria-label': `Stop campaign ${label}` })
            : button('Start', `camp-${uuid}`, () => actions.campaign(campaign, 1), { 'aria-label': `Start campaign ${label}` }),
      ),
    );
  });
  return table('Campaigns', ['Campaign', 'Status', 'Progress', 'Dialings', 'Actions'], rows, 'No campaigns.');
}

/** One call's history from `GET /v1/calls/<linked_id>`: its summary and the events of its stream. */
export function timelineView(call: Row): HTMLElement {
  const summary = (call.summary ?? {}) as Row;
  const events = Array.isArray(call.timeline) ? (call.timeline as Row[]) : [];
  const started = parseTime(summary.tm_start);
  const items = events.map((event) => {
    const data = (event.data ?? {}) as Row;
    const at = parseTime(event.recorded_at);
    const offset = at !== undefined && started !== undefined ? `+${((at - started) / 1000).toFixed(1)} s` : text(event.recorded_at);
    const detail = [data.Channel, data.ChannelStateDesc, data.Application ? `${text(data.Application)}(${text(data.AppData)})` : undefined, data['Cause-txt'], data.Queue, data.DialStatus]
      .filter((part) => part !== undefined && part !== '')
      .map(text)
      .join(' · ');
    return h('li', {}, h('span', { class: 'num' }, offset), ' ', h('strong', {}, text(event.type)), detail === '' ? '' : ` ${detail}`);
  });
  return h(
    'div',
    {},
    h(
      'dl',
      { class: 'stats' },
      h('dt', {}, 'Legs'), h('dd', {}, text(summary.legs)),
      h('dt', {}, 'Duration'), h('dd', {}, summary.duration === null || summary.duration === undefined ? 'ongoing' : `${text(summary.duration)} s`),
      h('dt', {}, 'Hangup'), h('dd', {}, text(summary.hangup_cause_desc) || '–'),
      h('dt', {}, 'Queues'), h('dd', {}, Array.isArray(summary.queues) ? summary.queues.map(text).join(', ') || '–' : '–'),
    ),
    h('ol', { class: 'timeline' }, ...items),
  );
}
