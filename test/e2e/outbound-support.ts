import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { TestResponse } from '../support/http.js';

/** What the outbound e2e tests share: a client's view of `/ob/...` and of the result file. */

export type Json = Record<string, unknown>;

export interface ObClient {
  get(path: string): Promise<TestResponse>;
  post(path: string, body?: unknown): Promise<TestResponse>;
  put(path: string, body?: unknown): Promise<TestResponse>;
  delete(path: string): Promise<TestResponse>;
}

export function ok(response: TestResponse): Json {
  expect(response.status, response.text).to.equal(200);
  return (response.body?.result ?? {}) as Json;
}

export const create = async (client: ObClient, path: string, body: Json): Promise<Json> => ok(await client.post(path, body));

export interface Resources {
  readonly plan: string;
  readonly dest: string;
  readonly dlma: string;
  readonly dls: string[];
  readonly campaign: string;
}

/** Plan (Local/<number>@customers), destination, dlma, entries and campaign; started unless told not to. */
export async function createCampaign(
  client: ObClient,
  numbers: readonly string[],
  fields: { plan?: Json; dest?: Json; campaign?: Json; start?: boolean } = {},
): Promise<Resources> {
  const plan = await create(client, '/v1/ob/plans', { tech_name: 'Local', trunk_name: 'customers', dial_mode: 1, ...fields.plan });
  const dest = await create(client, '/v1/ob/destinations', { type: 1, application: 'park', ...fields.dest });
  const dlma = await create(client, '/v1/ob/dlmas', { name: 'e2e list' });
  const dls: string[] = [];
  for (const number of numbers) dls.push(String((await create(client, '/v1/ob/dls', { dlma_uuid: dlma.uuid, name: `customer ${number}`, number_1: number })).uuid));
  const campaign = await create(client, '/v1/ob/campaigns', { name: 'e2e campaign', plan: plan.uuid, dest: dest.uuid, dlma: dlma.uuid, ...fields.campaign });
  if (fields.start !== false) expect(ok(await client.put(`/v1/ob/campaigns/${String(campaign.uuid)}`, { status: 1 })).status).to.equal(1);
  return { plan: String(plan.uuid), dest: String(dest.uuid), dlma: String(dlma.uuid), dls, campaign: String(campaign.uuid) };
}

export async function dialingsOf(client: ObClient, campaign: string): Promise<Json[]> {
  return ((ok(await client.get('/v1/ob/dialings')).list as Json[]) ?? []).filter((d) => d.uuid_camp === campaign);
}

export function resultLines(path: string): Json[] {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Json);
  } catch {
    return [];
  }
}

/** Every field of the catalog's result record (50-outbound §5). */
export const resultRecordFields = [
  'uuid', 'name', 'action_id', 'status', 'res_dial', 'res_dial_detail', 'res_hangup', 'res_hangup_detail', 'dial_addr', 'dial_channel',
  'dial_data', 'dial_application', 'dial_type', 'dial_index', 'dial_trycnt', 'dial_timeout', 'dial_exten', 'uuid_camp', 'uuid_plan',
  'uuid_dest', 'uuid_dlma', 'uuid_dl_list', 'tm_create', 'tm_update', 'tm_delete',
] as const;

/** What each sandbox number ends with (`customers` context): res_dial (OriginateResponse Reason) and res_hangup (cause). */
export function expectedOutcome(number: string): { res_dial: number; res_hangup: number; tries: 'one' | 'max' } {
  switch (number[0]) {
    case '1':
      return { res_dial: 4, res_hangup: 16, tries: 'one' };
    case '2':
      return { res_dial: 5, res_hangup: 17, tries: 'max' };
    case '3':
      return { res_dial: 3, res_hangup: 19, tries: 'max' };
    default:
      return { res_dial: 8, res_hangup: 34, tries: 'max' };
  }
}

export const ms = (timestamp: unknown): number => Date.parse(String(timestamp));

/** A dialing's call as jade logged it (`call-<dialing uuid>`), one line per event: for failure messages. */
export async function callTrace(client: ObClient, dialingUuid: string): Promise<string> {
  const page = (await client.get(`/v1/events?stream=call-${dialingUuid}&limit=500`)).body?.result as { list?: Json[] } | undefined;
  const lines = (page?.list ?? []).map((event) => {
    const data = (event.data ?? {}) as Json;
    return [event.position, event.type, data.Channel, data.Uniqueid, data.Cause, data.Reason, data.Response].filter((part) => part !== undefined).join(' ');
  });
  return lines.join('\n');
}
