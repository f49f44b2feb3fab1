import { Api, ApiError, type Row } from './api.js';
import { byId, h, replaceContent, text, tick } from './dom.js';
import { LiveState, type CollectionName } from './live.js';
import { isDashboardRole, mayDo } from './roles.js';
import { campaignsView, channelsView, parkedView, queuesView, timelineView, type Actions } from './view.js';

/**
 * The dashboard page: log in, then show the live state and drive it through jade's public API (so
 * every action is an audited command, like any client's). See ARCHITECTURE.md, "Operators".
 */

const tokenKey = 'jade.dashboard.token';
const roleKey = 'jade.dashboard.role';
const api = new Api();
let live: LiveState | undefined;
let healthTimer: ReturnType<typeof setInterval> | undefined;
let tickTimer: ReturnType<typeof setInterval> | undefined;

/** Says something to screen readers (and shows it) without moving focus. */
function announce(message: string, isError = false): void {
  const region = byId('announce');
  region.textContent = message;
  region.classList.toggle('error', isError);
}

const failure = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function act(what: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
    announce(`${what}: done`);
  } catch (error) {
    announce(`${what} failed: ${failure(error)}`, true);
  }
}

const actions: Actions = {
  may: (action) => mayDo[api.role][action],
  hangup: (channel) => void act(`Hang up ${text(channel.channel)}`, () => api.request('DELETE', `/v1/core/channels/${encodeURIComponent(text(channel.unique_id))}`)),
  pause: (member, paused) =>
    void act(`${paused ? 'Pause' : 'Unpause'} ${text(member.name)} in ${text(member.queue_name)}`, () =>
      api.request('PUT', `/v1/queue/members/${encodeURIComponent(text(member.name))}?queue_name=${encodeURIComponent(text(member.queue_name))}`, {
        paused: paused ? 1 : 0,
        ...(paused ? { paused_reason: 'dashboard' } : {}),
      }),
    ),
  campaign: (campaign, status) =>
    void act(`${status === 1 ? 'Start' : 'Stop'} campaign ${text(campaign.name)}`, () =>
      api.request('PUT', `/v1/ob/campaigns/${encodeURIComponent(text(campaign.uuid))}`, { status }),
    ),
  timeline: (linkedId) => void showTimeline(linkedId),
};

async function showTimeline(linkedId: string): Promise<void> {
  const dialog = byId<HTMLDialogElement>('timeline');
  byId('timeline-title').textContent = `Call ${linkedId}`;
  const body = byId('timeline-body');
  replaceContent(body, h('p', {}, 'Loading…'));
  if (!dialog.open) dialog.showModal();
  try {
    replaceContent(body, timelineView((await api.request('GET', `/v1/calls/${encodeURIComponent(linkedId)}`)) as Row));
  } catch (error) {
    replaceContent(body, h('p', { class: 'error' }, `No timeline: ${failure(error)}`));
  }
}

function render(changed: ReadonlySet<CollectionName>): void {
  if (live === undefined) return;
  if (changed.has('channels')) {
    replaceContent(byId('channels'), channelsView(live, actions));
    byId('channels-count').textContent = String(live.rows.channels.size);
  }
  if (changed.has('queues') || changed.has('members') || changed.has('entries')) replaceContent(byId('queues'), queuesView(live, actions));
  if (changed.has('parked')) {
    replaceContent(byId('parked'), parkedView(live, actions));
    byId('parked-count').textContent = String(live.rows.parked.size);
  }
  if (changed.has('campaigns') || changed.has('dialings')) replaceContent(byId('campaigns'), campaignsView(live, actions));
  byId('log-position').textContent = String(live.position);
  tick(document, api.serverNow());
}

async function refreshHealth(): Promise<void> {
  try {
    const health = (await api.request('GET', '/v1/health')) as { ami?: { connected?: boolean }; eventstore?: { position?: number } } | undefined;
    const connected = health?.ami?.connected === true;
    const ami = byId('ami-status');
    ami.textContent = connected ? 'connected' : 'disconnected';
    ami.className = `badge ${connected ? 'ok' : 'bad'}`;
    byId('store-position').textContent = text(health?.eventstore?.position);
  } catch {
    byId('ami-status').textContent = 'jade unreachable';
    byId('ami-status').className = 'badge bad';
  }
}

function showSignedIn(signedIn: boolean): void {
  byId('login').hidden = signedIn;
  byId('dashboard').hidden = !signedIn;
  byId('logout').hidden = !signedIn;
}

async function begin(token: string): Promise<void> {
  api.token = token;
  sessionStorage.setItem(tokenKey, token);
  sessionStorage.setItem(roleKey, api.role);
  byId('signed-in-as').textContent = api.role;
  showSignedIn(true);
  live = new LiveState(api, {
    changed: render,
    status: (message, connected) => {
      const status = byId('realtime-status');
      status.textContent = message;
      status.className = `badge ${connected ? 'ok' : 'bad'}`;
    },
    tokenEnded: () => end('Your session ended; log in again.'),
  });
  await refreshHealth();
  healthTimer = setInterval(() => void refreshHealth(), 2000);
  tickTimer = setInterval(() => tick(document, api.serverNow()), 1000);
  await live.start();
}

function end(message?: string): void {
  live?.stop();
  live = undefined;
  if (healthTimer !== undefined) clearInterval(healthTimer);
  if (tickTimer !== undefined) clearInterval(tickTimer);
  api.token = undefined;
  sessionStorage.removeItem(tokenKey);
  sessionStorage.removeItem(roleKey);
  showSignedIn(false);
  if (message !== undefined) byId('login-error').textContent = message;
  byId<HTMLInputElement>('username').focus();
}

api.onUnauthorized = () => end('Your session ended; log in again.');

byId<HTMLFormElement>('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const username = byId<HTMLInputElement>('username').value;
  const password = byId<HTMLInputElement>('password');
  byId('login-error').textContent = '';
  void api
    .login(username, password.value)
    .then((token) => {
      password.value = '';
      return begin(token);
    })
    .catch((error: unknown) => {
      byId('login-error').textContent =
        error instanceof ApiError && error.status === 401
          ? 'Wrong user name or password.'
          : error instanceof ApiError && error.status === 403
            ? 'This account may not use the dashboard (it needs the admin or manager permission).'
            : failure(error);
    });
});

byId('logout').addEventListener('click', () => {
  void api.logout().finally(() => end());
});

byId('timeline-close').addEventListener('click', () => byId<HTMLDialogElement>('timeline').close());

const saved = sessionStorage.getItem(tokenKey);
const savedRole = sessionStorage.getItem(roleKey);
if (isDashboardRole(savedRole)) api.role = savedRole;
if (saved !== null) void begin(saved).catch(() => end());
else showSignedIn(false);
