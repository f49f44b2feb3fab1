import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A tiny AMI server on a loopback port, speaking like Asterisk 22: greeting, Login (closes after a failed one),
 * Ping, Logoff, scripted answers to list actions, CoreStatus/CoreSettings, Command with `Output:` lines, and
 * `Invalid/unknown command` for everything else. Tests push arbitrary frames, drop connections, stop answering,
 * and stop/restart listening on the same port.
 *
 * Its request parsing is deliberately its own (split on CRLF CRLF) and not jade's frame parser, so a parser bug
 * cannot hide itself in both ends.
 */

/** A frame to send: header -> value; an array value repeats the header (`Output:` lines). */
export type FakeFrame = Readonly<Record<string, string | readonly string[]>>;
/** What a handler answers: frames (ActionID is added to each), raw text, or nothing (never answers). */
export type FakeReply = ReadonlyArray<FakeFrame | { readonly raw: string }> | undefined;
export type FakeHandler = (action: Readonly<Record<string, string>>, session: FakeSession) => FakeReply;

export interface FakeSession {
  readonly socket: Socket;
  authenticated: boolean;
}

export interface FakeAmiOptions {
  readonly username?: string;
  readonly secret?: string;
  /** `null`: accept TCP but never greet (a port that is not AMI). */
  readonly greeting?: string | null;
  /** Events pushed right after a successful login, in the same write as the response (Asterisk sends FullyBooted). */
  readonly afterLogin?: readonly FakeFrame[];
  readonly lineEnding?: '\r\n' | '\n';
}

/** What Asterisk sends a new session once it has booted; jade takes its snapshots after it. */
const fullyBooted: FakeFrame = { Event: 'FullyBooted', Privilege: 'system,all', Status: 'Fully Booted' };

/** A list action's empty answer, as Asterisk 22 gives it: listack + `<Complete>` with ListItems 0. */
const defaultLists: Readonly<Record<string, string>> = {
  coreshowchannels: 'CoreShowChannelsComplete',
  queuestatus: 'QueueStatusComplete',
  queuesummary: 'QueueSummaryComplete',
  parkedcalls: 'ParkedCallsComplete',
  parkinglots: 'ParkinglotsComplete',
  devicestatelist: 'DeviceStateListComplete',
  pjsipshowcontacts: 'ContactListComplete',
  pjsipshowregistrationsoutbound: 'OutboundRegistrationDetailComplete',
  agents: 'AgentsComplete',
};

/** res_pjsip answers an empty listing with an error whose Message ends in a stray `\n` (Asterisk's quirk). */
const emptyAsError: Readonly<Record<string, string>> = {
  pjsipshowendpoints: 'No endpoints found\n',
  pjsipshowaors: 'No AORs found\n',
  pjsipshowauths: 'No Auths found\n',
};

export const fakeModuleShow = [
  'Module                         Description                              Use Count  Status      Support Level',
  'app_queue.so                   True Call Queueing                       0          Running              core',
  'res_pjsip.so                   Basic SIP resource                       12         Running              core',
  '2 modules loaded',
];

export class FakeAmi {
  readonly sessions = new Set<FakeSession>();
  /** Every action received, parsed, in order. */
  readonly actions: Array<Readonly<Record<string, string>>> = [];
  /** Every byte received from clients, as text. */
  received = '';
  /** Successful logins so far. */
  logins = 0;
  /** TCP connections accepted so far. */
  accepted = 0;
  /** When false, Ping gets no answer (a dead link that still holds TCP). */
  answerPing = true;
  private readonly handlers = new Map<string, FakeHandler>();
  private readonly waiters: Array<{ test: () => boolean; resolve: () => void }> = [];
  private server: Server | undefined;
  private boundPort = 0;
  private readonly eol: string;

  private constructor(private readonly options: FakeAmiOptions) {
    this.eol = options.lineEnding ?? '\r\n';
  }

  static async start(options: FakeAmiOptions = {}): Promise<FakeAmi> {
    const fake = new FakeAmi(options);
    await fake.listen();
    return fake;
  }

  get port(): number {
    return this.boundPort;
  }

  get username(): string {
    return this.options.username ?? 'jade';
  }

  get secret(): string {
    return this.options.secret ?? 's3cret';
  }

  /** Starts listening (again), on the same port as before if there was one. */
  async listen(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    server.listen(this.boundPort, '127.0.0.1');
    await once(server, 'listening');
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops every client: Asterisk is down. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.dropClients();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Drops every client connection, keeps listening: Asterisk restarted or the network blipped. */
  dropClients(): void {
    for (const session of this.sessions) session.socket.destroy();
    this.sessions.clear();
  }

  /** Replaces the answer to an action (name case-insensitive). */
  on(action: string, handler: FakeHandler): void {
    this.handlers.set(action.toLowerCase(), handler);
  }

  /** Scripts a list action: listack, the items (Event + ActionID added), then the Complete event. */
  onList(action: string, itemEvent: string, items: readonly FakeFrame[], completeEvent = `${action}Complete`): void {
    this.on(action, () => listAnswer(itemEvent, items, completeEvent));
  }

  /** Sends text or frames to every logged-in client. */
  push(frames: string | readonly FakeFrame[]): void {
    const text = typeof frames === 'string' ? frames : frames.map((frame) => this.encode(frame)).join('');
    for (const session of this.sessions) if (session.authenticated) session.socket.write(text);
  }

  /** Writes `text` to the first logged-in client, `times` over, honouring TCP backpressure. */
  async stream(text: string, times = 1, chunkChars = 64 * 1024): Promise<void> {
    const session = [...this.sessions].find((s) => s.authenticated);
    if (!session) throw new Error('no logged-in client to stream to');
    for (let round = 0; round < times; round++) {
      for (let offset = 0; offset < text.length; offset += chunkChars) {
        if (!session.socket.write(text.slice(offset, offset + chunkChars))) await once(session.socket, 'drain');
      }
    }
  }

  /** Resolves once an action with this name has been received (counting earlier ones). */
  async waitForAction(name: string, count = 1): Promise<Readonly<Record<string, string>>> {
    const matching = () => this.actions.filter((a) => a.action?.toLowerCase() === name.toLowerCase());
    await this.waitUntil(() => matching().length >= count);
    return matching()[count - 1]!;
  }

  async waitForLogins(count: number): Promise<void> {
    await this.waitUntil(() => this.logins >= count);
  }

  waitUntil(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.test()) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  private accept(socket: Socket): void {
    const session: FakeSession = { socket, authenticated: false };
    this.accepted++;
    this.sessions.add(session);
    socket.on('close', () => this.sessions.delete(session));
    socket.on('error', () => undefined);
    const greeting = this.options.greeting === undefined ? 'Asterisk Call Manager/9.0.0' : this.options.greeting;
    if (greeting !== null) socket.write(`${greeting}${this.eol}`);
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.received += text;
      buffer += text;
      let end: number;
      while ((end = buffer.indexOf('\r\n\r\n')) !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 4);
        this.handle(session, frame);
      }
      this.notify();
    });
  }

  private handle(session: FakeSession, frame: string): void {
    const action: Record<string, string> = {};
    for (const line of frame.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) action[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    this.actions.push(action);
    const name = (action.action ?? '').toLowerCase();
    const handler = this.handlers.get(name) ?? ((a: Readonly<Record<string, string>>, s: FakeSession) => this.builtin(name, a, s));
    const reply = handler(action, session);
    if (reply === undefined || session.socket.destroyed) return;
    const id = action.actionid;
    const text = reply
      .map((frame) => ('raw' in frame && typeof frame.raw === 'string' ? frame.raw : this.encode(withActionId(frame as FakeFrame, id))))
      .join('');
    session.socket.write(text);
  }

  private builtin(name: string, action: Readonly<Record<string, string>>, session: FakeSession): FakeReply {
    if (name === 'login') {
      if (action.username === this.username && action.secret === this.secret) {
        session.authenticated = true;
        this.logins++;
        return [{ Response: 'Success', Message: 'Authentication accepted' }, ...(this.options.afterLogin ?? [fullyBooted]).map((f) => ({ raw: this.encode(f) }))];
      }
      // Asterisk ends the session after a failed login.
      setTimeout(() => session.socket.end(), 10);
      return [{ Response: 'Error', Message: 'Authentication failed' }];
    }
    if (!session.authenticated) return [{ Response: 'Error', Message: 'Permission denied' }];
    if (name === 'ping') return this.answerPing ? [{ Response: 'Success', Ping: 'Pong', Timestamp: '1795810119.123456' }] : undefined;
    if (name === 'logoff') {
      setTimeout(() => session.socket.end(), 10);
      return [{ Response: 'Goodbye', Message: 'Thanks for all the fish.' }];
    }
    if (name === 'corestatus') {
      return [{ Response: 'Success', CoreStartupDate: '2026-11-27', CoreStartupTime: '20:05:39', CoreReloadDate: '2026-11-27', CoreReloadTime: '20:05:46', CoreCurrentCalls: '0' }];
    }
    if (name === 'coresettings') {
      return [{ Response: 'Success', AMIversion: '9.0.0', AsteriskVersion: '22.5.2', SystemName: '', CoreMaxCalls: '0' }];
    }
    if (name === 'command') {
      if (action.command === 'module show') return [{ Response: 'Success', Message: 'Command output follows', Output: fakeModuleShow }];
      return [{ Response: 'Error', Message: 'Command output follows', Output: [`No such command '${action.command ?? ''}' (type 'core show help ${action.command ?? ''}' for other possible commands)`] }];
    }
    // app_voicemail with no mailboxes answers a plain ack, no EventList (manager_list_voicemail_users).
    if (name === 'voicemailuserslist') return [{ Response: 'Success', Message: 'There are no voicemail users currently defined.' }];
    const complete = defaultLists[name];
    if (complete !== undefined) return listAnswer('', [], complete);
    const empty = emptyAsError[name];
    if (empty !== undefined) return [{ Response: 'Error', Message: empty }];
    return [{ Response: 'Error', Message: `Invalid/unknown command: ${action.action ?? ''}. Use Action: ListCommands to show available commands.` }];
  }

  private encode(frame: FakeFrame): string {
    let text = '';
    for (const [name, value] of Object.entries(frame)) {
      for (const line of typeof value === 'string' ? [value] : value) text += `${name}: ${line}${this.eol}`;
    }
    return text + this.eol;
  }
}

function withActionId(frame: FakeFrame, id: string | undefined): FakeFrame {
  if (id === undefined) return frame;
  // Asterisk puts ActionID right after Response (or Event); order matters to nobody, but keep it realistic.
  const [first, ...rest] = Object.entries(frame);
  return Object.fromEntries(first ? [first, ['ActionID', id], ...rest] : [['ActionID', id]]) as FakeFrame;
}

function listAnswer(itemEvent: string, items: readonly FakeFrame[], completeEvent: string): FakeReply {
  return [
    { Response: 'Success', EventList: 'start', Message: 'Events will follow' },
    ...items.map((item) => ({ Event: itemEvent, ...item })),
    { Event: completeEvent, EventList: 'Complete', ListItems: String(items.length) },
  ];
}
