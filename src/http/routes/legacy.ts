import { Router } from '@koa/router';
import { NotFoundError } from '../../events/errors.js';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../readmodels/database.js';
import { getAgent, listAgents } from '../../../projections/agents.js';
import { getDeviceState, listDeviceStates } from '../../../projections/device-states.js';
import {
  getAor,
  getEndpoint,
  listContactsOfEndpoint,
  listEndpoints,
  listRegistrations,
  type PjsipContactRow,
  type PjsipEndpointRow,
  type PjsipRegistrationRow,
} from '../../../projections/pjsip/index.js';
import { reply } from '../envelope.js';
import { byNode, nodeQuery, queryNode } from '../node-param.js';
import { badRequest } from '../errors.js';
import { readJson, type JsonBody } from '../body.js';
import { readDb } from '../point-in-time.js';
import { accepts } from '../route-input.js';

export interface LegacyRouteDeps {
  readonly db: Kysely<Database>;
}

/** A legacy detail request names one key; its JSON body is tiny. */
const getBodyLimitBytes = 64 * 1024;

/**
 * The JSON body of a GET. The manual's legacy detail calls send the key in a GET body
 * (`curl -X GET .../agents/ -d '{"id": "1001"}'`), which the app's body reader leaves alone for GET.
 */
async function getBody(ctx: Context): Promise<JsonBody | undefined> {
  if (ctx.state.body !== undefined) return ctx.state.body as JsonBody;
  if (Number(ctx.get('content-length') || 0) === 0 && ctx.get('transfer-encoding') === '') return undefined;
  return readJson(ctx, getBodyLimitBytes);
}

/**
 * A legacy page's query: on the detail form (`/agents/`, trailing slash) `name` says which one. The manual's
 * examples send it in a GET body instead (`{"id": "1001"}`), which `legacyKey` reads when the query has none.
 */
const legacyInput = (summary: string, name: string) =>
  accepts({
    summary,
    query: z.object({
      [name]: z
        .string({ errorMap: () => ({ message: 'give it once' }) })
        .optional()
        .describe(`With a trailing slash on the path: the ${name} to show (or {"${name}": "…"} in the GET body, as in the manual)`),
    }).merge(nodeQuery),
  });

/** The detail key, from the query (proposed by the catalog) or the JSON body (the manual's examples). */
async function legacyKey(ctx: Context, name: string): Promise<string> {
  const fromQuery = ctx.query[name];
  if (typeof fromQuery === 'string' && fromQuery !== '') return fromQuery;
  if (Array.isArray(fromQuery)) throw badRequest(`${name}: give it once`, { fields: [name] });
  const body = await getBody(ctx);
  const value = body?.[name];
  if (value === undefined || value === '') throw badRequest(`${name} is required (in the JSON body or the query)`, { fields: [name] });
  if (typeof value !== 'string') throw badRequest(`${name}: must be a string`, { fields: [name] });
  return value;
}

// ---------------------------------------------------------------------------------------------
// Peers: chan_sip is gone from Asterisk 22, so a peer is a PJSIP endpoint (issue 5).

interface SipUri {
  readonly user: string | undefined;
  readonly host: string;
  readonly port: number;
}

/** `sip:user@host:port;params` (also `sips:` and `<...>`); the port defaults to 5060. */
export function parseSipUri(text: string | null | undefined): SipUri | undefined {
  if (!text) return undefined;
  const match = /^<?sips?:(?:([^@;>]*)@)?(\[[^\]]+\]|[^:;>]+)(?::(\d+))?/i.exec(text.trim());
  if (!match) return undefined;
  return { user: match[1] || undefined, host: match[2]!, port: match[3] === undefined ? 5060 : Number.parseInt(match[3], 10) };
}

const yesNo = (value: unknown): string => (/^(yes|true|1|on)$/i.test(String(value ?? '')) ? 'yes' : 'no');

/** chan_sip's qualify words (catalog 00-basics §8.3) from a PJSIP contact's status and round trip. */
function monitorStatus(contact: PjsipContactRow | undefined): string {
  switch (contact?.status) {
    case 'Reachable': {
      const usec = Number.parseInt(contact.round_trip_usec ?? '', 10);
      return Number.isNaN(usec) ? 'OK' : `OK (${Math.round(usec / 1000)} ms)`;
    }
    case 'NonQualified':
      return 'Unmonitored';
    case 'Unreachable':
      return 'UNREACHABLE';
    default:
      return 'UNKNOWN';
  }
}

/** `Registered` while a contact is registered (the manual's peer statuses, 00-basics §8.4). */
function peerStatus(contacts: readonly PjsipContactRow[]): string {
  if (contacts.length === 0) return 'Unregistered';
  return contacts.every((contact) => contact.status === 'Unreachable') ? 'Unreachable' : 'Registered';
}

const videoCodecs = /\b(h261|h263p?|h264|h265|mpeg4|vp8|vp9)\b/i;

async function peerDetail(db: Kysely<Database>, endpoint: PjsipEndpointRow): Promise<Record<string, string>> {
  const contacts = await listContactsOfEndpoint(db, endpoint.object_name);
  const contact = contacts[0];
  const firstAor = (endpoint.aors ?? '').split(',')[0]?.trim();
  const aor = firstAor ? await getAor(db, firstAor) : undefined;
  const uri = parseSipUri(contact?.uri);
  const detail = endpoint.detail;
  const updated = [endpoint.tm_update, ...contacts.map((c) => c.tm_update)].sort().at(-1)!;
  return {
    peer: `PJSIP/${endpoint.object_name}`,
    status: peerStatus(contacts),
    address: contact?.via_address ?? (uri ? `${uri.host}:${uri.port}` : ''),
    monitor_status: monitorStatus(contact),
    channel_type: 'PJSIP',
    chan_object_type: endpoint.object_type,
    // Registers itself (an AOR that takes contacts) rather than a fixed address.
    dynamic: (aor?.max_contacts ?? 0) > 0 ? 'yes' : 'no',
    // PJSIP's rtp_symmetric and force_rport are what chan_sip called comedia and force_rport.
    auto_comedia: yesNo(detail.rtp_symmetric),
    auto_force_port: yesNo(detail.force_rport),
    acl: typeof detail.acl === 'string' && detail.acl !== '' ? 'yes' : 'no',
    comedia: yesNo(detail.rtp_symmetric),
    description: '',
    force_port: yesNo(detail.force_rport),
    realtime_device: 'no',
    text_support: 'no',
    video_support: typeof detail.allow === 'string' && videoCodecs.test(detail.allow) ? 'yes' : 'no',
    tm_update: updated,
  };
}

/** `PJSIP/<name>`, `SIP/<name>` (the manual's examples) or a bare `<name>`. */
function endpointName(peer: string): string {
  const slash = peer.indexOf('/');
  return slash >= 0 && /^(pjsip|sip)$/i.test(peer.slice(0, slash)) ? peer.slice(slash + 1) : peer;
}

// ---------------------------------------------------------------------------------------------
// Registries: chan_sip registrations are PJSIP outbound registrations.

interface RegistryDetail {
  readonly account: string;
  readonly state: string;
  readonly username: string;
  readonly domain: string;
  readonly domain_port: number;
  readonly host: string;
  readonly port: number;
  readonly refresh: number;
  readonly registration_time: number;
  readonly tm_update: string;
}

function registryDetail(row: PjsipRegistrationRow): RegistryDetail {
  const client = parseSipUri(row.client_uri);
  const server = parseSipUri(row.server_uri);
  const username = client?.user ?? row.contact_user ?? '';
  const host = server?.host ?? client?.host ?? '';
  const port = server?.port ?? 5060;
  return {
    account: `${username}@${host}:${port}`,
    state: row.status ?? 'Unknown',
    username,
    // The registrar's domain is the client URI's host; the host is where REGISTER is sent (the server URI).
    domain: client?.host ?? host,
    domain_port: client?.port ?? port,
    host,
    port,
    refresh: row.expiration ?? 0,
    registration_time: row.registration_time ?? 0,
    tm_update: row.tm_update,
  };
}

/** `<user>@<host>:<port>`, the older `<user>@<host>` (catalog 10-legacy) or the registration's object name. */
function matchesAccount(row: PjsipRegistrationRow, detail: RegistryDetail, account: string): boolean {
  return account === detail.account || account === `${detail.username}@${detail.host}` || account === row.object_name;
}

/**
 * The manual's chan_sip-era pages (catalog 10-legacy), answered from today's read models: `/agents`
 * (app_agent_pool), `/device_states`, `/peers` (PJSIP endpoints), `/registries` (PJSIP outbound
 * registrations). `GET /x` lists keys; `GET /x/` is one item, its key in the query or a JSON body.
 */
export function legacyRoutes(deps: LegacyRouteDeps): Router {
  const router = new Router();
  // The router matches `/x` and `/x/` alike; the trailing slash is what tells a detail call from the list.
  const detail = (ctx: Context): boolean => ctx.path.endsWith('/');
  // As of `at=` when given (point-in-time.ts).
  const db = (ctx: Context): Kysely<Database> => readDb(ctx, deps.db);

  router.get('/agents', legacyInput('Queue agents (with a trailing slash: one agent)', 'id'), byNode(), async (ctx) => {
    if (!detail(ctx)) return reply(ctx, { list: (await listAgents(db(ctx))).map((agent) => ({ id: agent.id, node: agent.node })) });
    const id = await legacyKey(ctx, 'id');
    const agent = await getAgent(db(ctx), id, queryNode(ctx));
    if (!agent) throw new NotFoundError({ kind: 'agent', id });
    reply(ctx, agent);
  });

  router.get('/device_states', legacyInput('Device states (with a trailing slash: one device)', 'device'), byNode(), async (ctx) => {
    if (!detail(ctx)) return reply(ctx, { list: (await listDeviceStates(db(ctx))).map((row) => ({ device: row.device, node: row.node })) });
    const device = await legacyKey(ctx, 'device');
    const row = await getDeviceState(db(ctx), device, queryNode(ctx));
    if (!row) throw new NotFoundError({ kind: 'device', id: device });
    reply(ctx, row);
  });

  router.get('/peers', legacyInput('PJSIP endpoints as chan_sip peers (with a trailing slash: one peer)', 'peer'), byNode(), async (ctx) => {
    if (!detail(ctx)) return reply(ctx, { list: (await listEndpoints(db(ctx))).map((endpoint) => ({ peer: `PJSIP/${endpoint.object_name}`, node: endpoint.node })) });
    const peer = await legacyKey(ctx, 'peer');
    const endpoint = await getEndpoint(db(ctx), endpointName(peer), queryNode(ctx));
    if (!endpoint) throw new NotFoundError({ kind: 'peer', id: peer });
    reply(ctx, await peerDetail(db(ctx), endpoint));
  });

  router.get('/registries', legacyInput('Outbound registrations (with a trailing slash: one account)', 'account'), byNode(), async (ctx) => {
    const node = queryNode(ctx);
    const rows = (await listRegistrations(db(ctx))).filter((row) => node === undefined || row.node === node);
    if (!detail(ctx)) return reply(ctx, { list: rows.map((row) => ({ account: registryDetail(row).account, node: row.node })) });
    const account = await legacyKey(ctx, 'account');
    const found = rows.map((row) => ({ row, detail: registryDetail(row) })).find(({ row, detail: d }) => matchesAccount(row, d, account));
    if (!found) throw new NotFoundError({ kind: 'registry', id: account });
    reply(ctx, found.detail);
  });

  return router;
}
