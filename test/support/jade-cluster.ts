/**
 * Several `jade serve` processes on one PostgreSQL database (the failover e2e test and bench/failover.ts):
 * start a node, ask who leads, log in, and watch a node's realtime feed as a dashboard does.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as socketIoClient, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents, WireEvent } from '../../src/realtime/index.js';
import { httpClient, type HttpClient, type TestResponse } from './http.js';
import { eventually } from './jade.js';
import { exited, freePort, serveJade } from './jade-process.js';

export interface ClusterHealth {
  readonly ami: { readonly connected: boolean };
  readonly projections: { readonly position: number };
  readonly cluster: { readonly role: 'leader' | 'follower'; readonly node: string; readonly epoch: number; readonly leader: { readonly node: string } | null };
}

export interface ClusterNode {
  readonly name: string;
  readonly port: number;
  readonly baseUrl: string;
  readonly http: HttpClient;
  readonly child: ChildProcess;
  /** Null while the node does not answer. */
  health(): Promise<ClusterHealth | null>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface NodeOptions {
  readonly name: string;
  readonly postgresUrl: string;
  readonly adminPassword: string;
  /** More JADE_* settings (the sandbox's AMI address). */
  readonly env?: Readonly<Record<string, string>>;
}

const dataDirs: string[] = [];

/** `jade serve` as one node of the cluster (its own data dir; node id = name). */
export async function startNode(options: NodeOptions): Promise<ClusterNode> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `jade-node-${options.name}-`));
  dataDirs.push(dataDir);
  const child = serveJade({
    dataDir,
    port,
    adminPassword: options.adminPassword,
    env: {
      ...options.env,
      JADE_EVENTSTORE: 'postgres',
      JADE_POSTGRES_URL: options.postgresUrl,
      JADE_CLUSTER_NODE_ID: options.name,
      JADE_OB_RESULT_FILE: join(dataDir, 'outbound_result.json'),
    },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const http = httpClient(baseUrl);
  const node: ClusterNode = {
    name: options.name,
    port,
    baseUrl,
    http,
    child,
    async health() {
      try {
        const response = await http.get('/v1/health');
        return response.status === 200 ? (response.body?.result as unknown as ClusterHealth) : null;
      } catch {
        return null;
      }
    },
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited(child);
    },
  };
  await eventually(() => node.health().then((health) => health ?? undefined), 60_000, `node ${options.name} to serve`);
  return node;
}

/** Removes the nodes' data dirs (after they exited). */
export function removeNodeDirs(): void {
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface AuthedClient {
  readonly token: string;
  get(path: string): Promise<TestResponse>;
  post(path: string, body?: unknown): Promise<TestResponse>;
  put(path: string, body?: unknown): Promise<TestResponse>;
  delete(path: string): Promise<TestResponse>;
}

export async function login(node: ClusterNode, password: string): Promise<AuthedClient> {
  const response = await node.http.post('/v1/admin/login', { basic: { username: 'admin', password } });
  const token = (response.body?.result as { authtoken?: string } | undefined)?.authtoken;
  if (response.status !== 200 || token === undefined) throw new Error(`login on ${node.name} failed: ${response.status} ${response.text}`);
  return clientFor(node, token);
}

export function clientFor(node: ClusterNode, token: string): AuthedClient {
  return {
    token,
    get: (path) => node.http.get(path, { token }),
    post: (path, body) => node.http.post(path, { token, body }),
    put: (path, body) => node.http.put(path, { token, body }),
    delete: (path) => node.http.delete(path, { token }),
  };
}

type IoClient = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A dashboard's socket.io link: every event it is sent, in order; `connect` again elsewhere resumes from the last one. */
export class Dashboard {
  readonly events: WireEvent[] = [];
  private socket: IoClient | undefined;
  /** When each event arrived (ms since the epoch), index for index with `events`. */
  readonly arrivals: number[] = [];

  constructor(
    private readonly token: string,
    private readonly topic = '/',
  ) {}

  get lastPosition(): number | undefined {
    return this.events[this.events.length - 1]?.position;
  }

  /** Connects to `node` and subscribes, from the last position seen when there is one (a resume). */
  async connect(node: ClusterNode): Promise<void> {
    this.close();
    const socket: IoClient = socketIoClient(node.baseUrl, { transports: ['websocket'], auth: { authtoken: this.token }, reconnection: false, forceNew: true });
    socket.on('events', (batch) => {
      const now = Date.now();
      for (const event of batch) {
        this.events.push(event);
        this.arrivals.push(now);
      }
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const position = this.lastPosition;
    const ack = await socket.emitWithAck('subscribe', position === undefined ? this.topic : { topic: this.topic, position });
    if ('error' in ack) throw new Error(`subscribe refused: ${ack.error}`);
    if ('resync' in ack && ack.resync) throw new Error(`resume refused: ${ack.resync.message}`);
    this.socket = socket;
  }

  /** Resolves when the link drops (the node died). */
  dropped(): Promise<void> {
    const socket = this.socket;
    return new Promise((resolve) => (!socket || socket.disconnected ? resolve() : socket.once('disconnect', () => resolve())));
  }

  close(): void {
    this.socket?.disconnect();
    this.socket = undefined;
  }
}

/** An event as a dashboard compares it: where it is in the log, what it says. */
export const eventKey = (event: WireEvent): string => `${event.position} ${event.topic} ${event.event} ${JSON.stringify(event.data)}`;
