/**
 * Light, realistic traffic for `npm run demo`, made through jade's public API only (so it shows on the
 * dashboard exactly as a client's actions would, audited): callers into the sandbox's demo queues
 * (sales_1 is answered by its Local agents; sales_2 gets a dynamic member, so its callers wait a while
 * first), a parked call kept in the lot, and a small outbound campaign whose answered customers are parked.
 *
 * The sandbox dialplan is test/support/asterisk-sandbox.ts's: demo 300/301 queue, 200 park, the
 * `customers` context answers 1XXX, is busy on 2XXX and never answers 3XXX.
 */

type Json = Record<string, unknown>;

export interface DemoApi {
  request(method: string, path: string, body?: unknown): Promise<Json>;
}

/** `fetch` against a jade, with its token; a non-2xx answer is an Error naming jade's message. */
export function demoApi(baseUrl: string, token: string): DemoApi {
  return {
    async request(method, path, body) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const envelope = (await response.json().catch(() => ({}))) as { result?: Json; error?: { message?: string } };
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${envelope.error?.message ?? ''}`.trim());
      return envelope.result ?? {};
    },
  };
}

const callers = [
  ['Ada Lovelace', '0155501001'],
  ['Alan Turing', '0155501002'],
  ['Grace Hopper', '0155501003'],
  ['Edsger Dijkstra', '0155501004'],
  ['Barbara Liskov', '0155501005'],
  ['Ken Thompson', '0155501006'],
  ['Radia Perlman', '0155501007'],
  ['Donald Knuth', '0155501008'],
] as const;

export interface TrafficOptions {
  /** Seconds between new inbound calls (a random spread around it). */
  readonly callEverySeconds?: number;
  /** Inbound calls of ours up at once, at most. */
  readonly maxCalls?: number;
  /** Where problems go (a failed originate is worth a line, not a crash). */
  readonly warn: (message: string) => void;
}

export class DemoTraffic {
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private stopped = false;
  private next = 0;
  private readonly live = new Set<string>();

  constructor(
    private readonly api: DemoApi,
    private readonly options: TrafficOptions,
  ) {}

  async start(): Promise<void> {
    // sales_2 has no static member: give it one, so its callers are answered after a short wait.
    await this.api
      .request('POST', '/v1/queue/members', { queue_name: 'sales_2', location: 'Local/agent-03@agents', name: 'agent-03', paused: 1, paused_reason: 'break' })
      .catch((error: unknown) => this.options.warn(`agent-03 not added to sales_2: ${message(error)}`));
    await this.ensureParked();
    await this.startCampaign().catch((error: unknown) => this.options.warn(`campaign not started: ${message(error)}`));
    this.schedule(() => this.inboundCall(), 500);
    this.every(() => this.ensureParked(), 15_000);
    // agent-03 takes breaks: paused for a while, then back, so sales_2 callers sometimes wait.
    let onBreak = true;
    this.every(async () => {
      onBreak = !onBreak;
      await this.api.request('PUT', '/v1/queue/members/agent-03?queue_name=sales_2', onBreak ? { paused: 1, paused_reason: 'break' } : { paused: 0 });
    }, 25_000);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(run: () => Promise<void> | void, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      void Promise.resolve()
        .then(run)
        .catch((error: unknown) => this.options.warn(message(error)));
    }, delayMs);
    this.timers.add(timer);
  }

  private every(run: () => Promise<void>, periodMs: number): void {
    const loop = async (): Promise<void> => {
      try {
        await run();
      } finally {
        this.schedule(loop, periodMs);
      }
    };
    this.schedule(loop, periodMs);
  }

  /** A caller into sales_1 (mostly) or sales_2; the caller's side waits a random talk time and hangs up. */
  private async inboundCall(): Promise<void> {
    const every = (this.options.callEverySeconds ?? 6) * 1000;
    this.schedule(() => this.inboundCall(), every * (0.5 + Math.random()));
    await this.forgetEnded();
    if (this.live.size >= (this.options.maxCalls ?? 3)) return;
    const [name, number] = callers[this.next++ % callers.length]!;
    const queueExten = Math.random() < 0.7 ? '300' : '301';
    const talkSeconds = 15 + Math.floor(Math.random() * 30);
    const created = await this.api.request('POST', '/v1/core/channels', {
      channel: `Local/${queueExten}@demo`,
      application: 'Wait',
      data: String(talkSeconds),
      caller_id: `${name} <${number}>`,
    });
    if (typeof created.unique_id === 'string') this.live.add(created.unique_id);
  }

  private async forgetEnded(): Promise<void> {
    if (this.live.size === 0) return;
    const channels = ((await this.api.request('GET', '/v1/core/channels')).list ?? []) as Json[];
    const up = new Set(channels.map((c) => String(c.unique_id)));
    for (const id of this.live) if (!up.has(id)) this.live.delete(id);
  }

  /** One call in the parking lot at all times (it leaves when its parking time runs out; a new one comes). */
  private async ensureParked(): Promise<void> {
    const parked = ((await this.api.request('GET', '/v1/park/parkedcalls')).list ?? []) as Json[];
    if (parked.length > 0) return;
    await this.api.request('POST', '/v1/core/channels', { channel: 'Local/200@demo', application: 'Wait', data: '600', caller_id: 'Parked Guest <0155509000>' });
  }

  /** Eight customers: most answer (and are parked), one is busy, one never answers; two tries each. */
  private async startCampaign(): Promise<void> {
    const create = (path: string, body: Json) => this.api.request('POST', path, body);
    const plan = await create('/v1/ob/plans', { name: 'demo plan', tech_name: 'Local', trunk_name: 'customers', dial_mode: 1, dl_end_handle: 0, max_retry_cnt_1: 1, dial_timeout: 20000 });
    const dest = await create('/v1/ob/destinations', { name: 'park answered customers', type: 1, application: 'park' });
    const dlma = await create('/v1/ob/dlmas', { name: 'demo customers' });
    await this.addCustomers(String(dlma.uuid), ['1001', '1002', '2001', '1003', '3001', '1004', '1005', '1006']);
    const campaign = await create('/v1/ob/campaigns', { name: 'demo campaign', plan: plan.uuid, dest: dest.uuid, dlma: dlma.uuid });
    const uuid = String(campaign.uuid);
    await this.api.request('PUT', `/v1/ob/campaigns/${uuid}`, { status: 1 });
    // The list is dialled through in a minute; the campaign stays started (dl_end_handle 0) and dials the
    // few customers added whenever the list is done (unless someone stopped it from the dashboard).
    this.every(async () => {
      const dls = ((await this.api.request('GET', `/v1/ob/dls?dlma_uuid=${String(dlma.uuid)}&count=10000`)).list ?? []) as Json[];
      const untried = dls.filter((dl) => Number(dl.trycnt_1 ?? 0) === 0).length;
      if (untried > 0 || dls.length >= 60) return;
      const base = 1100 + dls.length;
      await this.addCustomers(String(dlma.uuid), [String(base), String(base + 1), '2002', String(base + 2)]);
    }, 40_000);
  }

  private async addCustomers(dlma: string, numbers: readonly string[]): Promise<void> {
    for (const number of numbers) {
      await this.api.request('POST', '/v1/ob/dls', { dlma_uuid: dlma, name: `customer ${callers[this.next++ % callers.length]![0]}`, number_1: number });
    }
  }
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));
