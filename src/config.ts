import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Config {
  readonly http: { readonly host: string; readonly port: number; readonly bodyLimitBytes: number };
  readonly ami: {
    readonly host: string;
    readonly port: number;
    readonly username: string;
    readonly secret: string;
    /** Name of this Asterisk in stream names (`pbx-<node>`) and metadata. */
    readonly node: string;
    readonly keepaliveMs: number;
    readonly actionTimeoutMs: number;
    readonly reconnectInitialMs: number;
    readonly reconnectMaxMs: number;
    /**
     * Several Asterisk boxes (README "Several Asterisk boxes"): one link each. Empty: the single box of the
     * keys above. Each entry's missing keepalive/timeouts come from the keys above.
     */
    readonly nodes: readonly AmiNodeConfig[];
  };
  readonly dataDir: string;
  readonly eventstore: {
    readonly type: 'sqlite' | 'esdb' | 'postgres' | 'memory';
    readonly esdbUrl: string;
    /** Connection string of the shared PostgreSQL store (eventstore.type postgres). */
    readonly postgresUrl: string;
    readonly groupCommitMaxBatch: number;
  };
  readonly admin: { readonly password: string };
  readonly auth: {
    readonly tokenIdleSeconds: number;
    /** Login brake (README "Login brake"): failures per username, then per address, before the first lock. */
    readonly loginFailuresBeforeDelay: number;
    readonly loginAddressFailuresBeforeDelay: number;
    /** The first lock; it doubles with each further failure up to the max. */
    readonly loginDelayBaseSeconds: number;
    readonly loginDelayMaxSeconds: number;
    /** A username or address without a failure for this long starts from zero again. */
    readonly loginFailureMemorySeconds: number;
    /** Usernames and addresses remembered, each (the least recent go first). */
    readonly loginTrackedKeys: number;
    /** Password hashes computed at once, waiting at most, and held per remote address. */
    readonly passwordHashConcurrency: number;
    readonly passwordHashQueue: number;
    readonly passwordHashPerAddress: number;
  };
  readonly log: {
    readonly level: string;
    /** `auto`: readable lines on a terminal, JSON lines otherwise; `json` or `pretty` force one (src/log-format.ts). */
    readonly format: 'auto' | 'json' | 'pretty';
  };
  readonly metrics: {
    /** `host:port` of a scrape-only listener serving `/metrics` without a token; empty: only the API's admin `/metrics`. */
    readonly listen: string;
  };
  readonly commands: { readonly readYourWritesTimeoutMs: number };
  readonly realtime: {
    readonly wsPath: string;
    readonly tickMs: number;
    readonly resumeWindow: number;
    readonly clientBufferLimit: number;
    /** Topics one realtime client may hold at once; a subscribe beyond is an error on that socket. */
    readonly maxTopicsPerClient: number;
  };
  readonly history: {
    /** Point-in-time (`at=`) read models built at once; more wait in a queue of `maxQueuedScratchBuilds`, then 503. */
    readonly maxScratchBuilds: number;
    readonly maxQueuedScratchBuilds: number;
    /** A snapshot of the read models every this many events (0: none); an `at=` read replays at most this many. */
    readonly snapshotEveryEvents: number;
    /** Snapshot files kept; beyond, the closest together are thinned (disk stays bounded, the log stays covered). */
    readonly snapshotRetain: number;
  };
  readonly config: {
    /** How often each managed Asterisk config file is read back (GetConfig) to find changes made outside jade. */
    readonly driftCheckSeconds: number;
  };
  readonly outbound: {
    readonly resultFile: string;
    /** IANA zone schedules are evaluated in, unless a campaign carries its own. */
    readonly timezone: string;
    /** How often the dialer re-evaluates running campaigns. */
    readonly tickMs: number;
    /** New dialings per campaign per tick, at most. */
    readonly maxDialsPerTick: number;
  };
  readonly voicemail: {
    /** Asterisk's voicemail spool as this host sees it (`/var/spool/asterisk/voicemail`); empty: the message routes answer 503. */
    readonly spoolDir: string;
  };
  /** Several jade nodes on one PostgreSQL (eventstore.type postgres): one leads, the others follow (src/cluster/). */
  readonly cluster: {
    /** This node's name in `/v1/health` and the leadership table; empty: `<hostname>:<http port>`. */
    readonly nodeId: string;
    /** Where other nodes reach this one's API (they forward commands to the leader there); empty: from http.host/port. */
    readonly advertiseUrl: string;
    /** How often a follower tries to take the leadership, and a leader proves its lock session alive. */
    readonly lockRetryMs: number;
    /** PostgreSQL ends a lock session silent this long (idle_session_timeout): bounds a hung leader's term. */
    readonly sessionTimeoutMs: number;
    /** How long a follower waits for the leader to answer a forwarded request. */
    readonly forwardTimeoutMs: number;
  };
}

/** One Asterisk box: its link settings, and its name in stream names (`pbx-<node>`), metadata and read-model rows. */
export interface AmiNodeConfig {
  readonly node: string;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly secret: string;
  /** A Ping goes out this often; no answer before the next one means the link is dead. */
  readonly keepaliveMs: number;
  readonly actionTimeoutMs: number;
  readonly reconnectInitialMs: number;
  readonly reconnectMaxMs: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The folder holding package.json: `src/` when run through tsx, `dist/src/` when compiled. */
function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'config', 'default.json'))) return dir;
    if (dirname(dir) === dir) throw new ConfigError(`no config/default.json above ${start}`);
  }
}

const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? merge(current, value) : value;
  }
  return out;
}

function readJson(path: string): Json {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isObject(parsed)) throw new ConfigError(`${path}: not a JSON object`);
  return parsed;
}

/** Env var → config path. The names are a contract (ARCHITECTURE.md "Configuration"). */
const envBindings: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['JADE_HTTP_HOST', ['http', 'host']],
  ['JADE_HTTP_PORT', ['http', 'port']],
  ['JADE_AMI_HOST', ['ami', 'host']],
  ['JADE_AMI_PORT', ['ami', 'port']],
  ['JADE_AMI_USERNAME', ['ami', 'username']],
  ['JADE_AMI_SECRET', ['ami', 'secret']],
  ['JADE_AMI_NODE', ['ami', 'node']],
  ['JADE_AMI_NODES', ['ami', 'nodes']],
  ['JADE_DATA_DIR', ['dataDir']],
  ['JADE_EVENTSTORE', ['eventstore', 'type']],
  ['JADE_ESDB_URL', ['eventstore', 'esdbUrl']],
  ['JADE_POSTGRES_URL', ['eventstore', 'postgresUrl']],
  ['JADE_ADMIN_PASSWORD', ['admin', 'password']],
  ['JADE_LOG_LEVEL', ['log', 'level']],
  ['JADE_LOG_FORMAT', ['log', 'format']],
  ['JADE_METRICS_LISTEN', ['metrics', 'listen']],
  ['JADE_TOKEN_IDLE_SECONDS', ['auth', 'tokenIdleSeconds']],
  ['JADE_LOGIN_FAILURES_BEFORE_DELAY', ['auth', 'loginFailuresBeforeDelay']],
  ['JADE_LOGIN_ADDRESS_FAILURES_BEFORE_DELAY', ['auth', 'loginAddressFailuresBeforeDelay']],
  ['JADE_LOGIN_DELAY_MAX_SECONDS', ['auth', 'loginDelayMaxSeconds']],
  ['JADE_PASSWORD_HASH_CONCURRENCY', ['auth', 'passwordHashConcurrency']],
  ['JADE_CONFIG_DRIFT_CHECK_SECONDS', ['config', 'driftCheckSeconds']],
  ['JADE_OB_RESULT_FILE', ['outbound', 'resultFile']],
  ['JADE_OB_TIMEZONE', ['outbound', 'timezone']],
  ['JADE_VOICEMAIL_SPOOL_DIR', ['voicemail', 'spoolDir']],
  ['JADE_CLUSTER_NODE_ID', ['cluster', 'nodeId']],
  ['JADE_CLUSTER_ADVERTISE_URL', ['cluster', 'advertiseUrl']],
];

function setPath(target: Json, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (!isObject(next)) throw new ConfigError(`config key ${path.join('.')} has no parent object`);
    node = next;
  }
  const leaf = path[path.length - 1]!;
  // Env values are strings; keep the type of the default so numbers stay numbers.
  if (Array.isArray(node[leaf])) {
    // A list (`ami.nodes`) comes as JSON text.
    try {
      node[leaf] = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
    } catch {
      throw new ConfigError(`${path.join('.')} must be a JSON array, got ${JSON.stringify(value)}`);
    }
  } else if (typeof node[leaf] === 'number') {
    const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
    if (!Number.isFinite(number)) throw new ConfigError(`${path.join('.')} must be a number, got ${JSON.stringify(value)}`);
    node[leaf] = number;
  } else {
    node[leaf] = value;
  }
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new ConfigError(message);
}

const isPort = (p: unknown): p is number => typeof p === 'number' && Number.isInteger(p) && p >= 0 && p <= 65535;

/** A node name is part of a stream name (`pbx-<node>`), a row key and a `?node=` value: plain characters only. */
const nodeName = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const linkTimings = ['keepaliveMs', 'actionTimeoutMs', 'reconnectInitialMs', 'reconnectMaxMs'] as const;

/**
 * `ami.nodes` as the list of boxes jade links to: the single-box keys (`ami.host`, ...) are a one-element list
 * when `ami.nodes` is absent or empty. Names distinct and usable in stream names; ports valid.
 */
function amiNodes(ami: Json): AmiNodeConfig[] {
  const listed = ami.nodes ?? [];
  check(Array.isArray(listed), 'ami.nodes must be a list of {node, host, port, username, secret}');
  const entries = (listed as unknown[]).length === 0 ? [{ node: ami.node, host: ami.host, port: ami.port, username: ami.username, secret: ami.secret }] : (listed as unknown[]);
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const where = (listed as unknown[]).length === 0 ? 'ami' : `ami.nodes[${index}]`;
    check(isObject(entry), `${where} must be an object {node, host, port, username, secret}`);
    const item = entry as Json;
    check(typeof item.node === 'string' && nodeName.test(item.node), `${where}.node must be a name of letters, digits, '_', '.' or '-' (it names the stream pbx-<node>), got ${JSON.stringify(item.node)}`);
    const node = item.node as string;
    check(!seen.has(node), `ami.nodes: node ${JSON.stringify(node)} is listed twice; each box needs its own name`);
    seen.add(node);
    check(typeof item.host === 'string' && item.host !== '', `${where}.host must be set`);
    check(isPort(item.port) && item.port > 0, `${where}.port must be a port number, got ${JSON.stringify(item.port)}`);
    check(typeof (item.username ?? ami.username) === 'string', `${where}.username must be a string`);
    check(typeof (item.secret ?? ami.secret) === 'string', `${where}.secret must be a string`);
    const timings = Object.fromEntries(
      linkTimings.map((key) => {
        const value = item[key] ?? ami[key];
        check(typeof value === 'number' && Number.isFinite(value) && value > 0, `${where}.${key} must be a positive number`);
        return [key, value as number];
      }),
    ) as Record<(typeof linkTimings)[number], number>;
    return { node, host: item.host as string, port: item.port as number, username: (item.username ?? ami.username) as string, secret: (item.secret ?? ami.secret) as string, ...timings };
  });
}

function validate(raw: Json): Config {
  const port = isPort;
  const config = raw as unknown as Config;
  check(port(config.http.port), `http.port must be a port number, got ${String(config.http.port)}`);
  check(port(config.ami.port), `ami.port must be a port number, got ${String(config.ami.port)}`);
  check(['sqlite', 'esdb', 'postgres', 'memory'].includes(config.eventstore.type), `eventstore.type must be sqlite, esdb, postgres or memory, got ${config.eventstore.type}`);
  check(config.eventstore.type !== 'esdb' || config.eventstore.esdbUrl !== '', 'eventstore.type esdb needs JADE_ESDB_URL');
  check(config.eventstore.type !== 'postgres' || config.eventstore.postgresUrl !== '', 'eventstore.type postgres needs JADE_POSTGRES_URL');
  for (const key of ['keepaliveMs', 'actionTimeoutMs', 'reconnectInitialMs', 'reconnectMaxMs'] as const) {
    check(Number.isFinite(config.ami[key]) && config.ami[key] > 0, `ami.${key} must be a positive number`);
  }
  check(config.auth.tokenIdleSeconds > 0, 'auth.tokenIdleSeconds must be positive');
  for (const key of ['loginFailuresBeforeDelay', 'loginAddressFailuresBeforeDelay', 'loginTrackedKeys', 'passwordHashConcurrency', 'passwordHashPerAddress'] as const) {
    check(Number.isInteger(config.auth[key]) && config.auth[key] > 0, `auth.${key} must be a positive integer`);
  }
  check(Number.isInteger(config.auth.passwordHashQueue) && config.auth.passwordHashQueue >= 0, 'auth.passwordHashQueue must be a non-negative integer');
  check(
    config.auth.loginDelayBaseSeconds > 0 && config.auth.loginDelayMaxSeconds >= config.auth.loginDelayBaseSeconds && config.auth.loginFailureMemorySeconds >= config.auth.loginDelayMaxSeconds,
    'auth.loginDelayBaseSeconds must be positive, loginDelayMaxSeconds at least that, loginFailureMemorySeconds at least loginDelayMaxSeconds',
  );
  check(Number.isInteger(config.http.bodyLimitBytes) && config.http.bodyLimitBytes > 0, 'http.bodyLimitBytes must be a positive integer');
  check(config.config.driftCheckSeconds > 0, 'config.driftCheckSeconds must be positive');
  check(config.commands.readYourWritesTimeoutMs > 0, 'commands.readYourWritesTimeoutMs must be positive');
  check(config.outbound.tickMs > 0 && config.outbound.maxDialsPerTick > 0, 'outbound.tickMs and outbound.maxDialsPerTick must be positive');
  check(isTimeZone(config.outbound.timezone), `outbound.timezone must be an IANA time zone, got ${config.outbound.timezone}`);
  check(Number.isSafeInteger(config.history.maxScratchBuilds) && config.history.maxScratchBuilds >= 1, 'history.maxScratchBuilds must be an integer >= 1');
  check(Number.isSafeInteger(config.history.maxQueuedScratchBuilds) && config.history.maxQueuedScratchBuilds >= 0, 'history.maxQueuedScratchBuilds must be an integer >= 0');
  check(Number.isSafeInteger(config.history.snapshotEveryEvents) && config.history.snapshotEveryEvents >= 0, 'history.snapshotEveryEvents must be an integer >= 0');
  check(Number.isSafeInteger(config.history.snapshotRetain) && config.history.snapshotRetain >= 1, 'history.snapshotRetain must be an integer >= 1');
  check(typeof config.dataDir === 'string' && config.dataDir !== '', 'dataDir must be set');
  check(['auto', 'json', 'pretty'].includes(config.log.format), `log.format must be auto, json or pretty, got ${String(config.log.format)}`);
  check(
    typeof config.metrics.listen === 'string' && (config.metrics.listen === '' || parseListenAddress(config.metrics.listen) !== undefined),
    `metrics.listen must be host:port (e.g. 127.0.0.1:9464) or empty, got ${JSON.stringify(config.metrics.listen)}`,
  );
  check(typeof config.voicemail?.spoolDir === 'string', 'voicemail.spoolDir must be a string (empty: not configured)');
  (raw.ami as Json).nodes = amiNodes(raw.ami as Json);
  validateCluster(config.cluster);
  return config;
}

function validateCluster(cluster: Config['cluster'] | undefined): asserts cluster is Config['cluster'] {
  if (cluster === undefined) throw new ConfigError('cluster must be an object');
  check(typeof cluster.nodeId === 'string' && typeof cluster.advertiseUrl === 'string', 'cluster.nodeId and cluster.advertiseUrl must be strings (empty: derived)');
  check(cluster.advertiseUrl === '' || isHttpUrl(cluster.advertiseUrl), `cluster.advertiseUrl must be an http(s) URL or empty, got ${JSON.stringify(cluster.advertiseUrl)}`);
  for (const key of ['lockRetryMs', 'sessionTimeoutMs', 'forwardTimeoutMs'] as const) {
    check(Number.isFinite(cluster[key]) && cluster[key] > 0, `cluster.${key} must be a positive number`);
  }
  // A leader's heartbeat comes every lockRetryMs: PostgreSQL must not end a session that is merely between two.
  check(cluster.sessionTimeoutMs >= 2 * cluster.lockRetryMs && cluster.sessionTimeoutMs >= 1000, 'cluster.sessionTimeoutMs must be at least 1000 and twice cluster.lockRetryMs');
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export interface LoadConfigOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Extra overrides applied last (tests). */
  readonly overrides?: Json;
}

/** Loads config/default.json, then config/test.json under NODE_ENV=test, then JADE_* env, then overrides. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  let raw = readJson(join(projectRoot, 'config', 'default.json'));
  const testFile = join(projectRoot, 'config', 'test.json');
  if (env.NODE_ENV === 'test' && existsSync(testFile)) raw = merge(raw, readJson(testFile));
  for (const [name, path] of envBindings) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(raw, path, value);
  }
  if (options.overrides) raw = merge(raw, options.overrides);
  raw.dataDir = resolve(String(raw.dataDir));
  return validate(raw);
}

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** `127.0.0.1:9464`, `[::1]:9464`, `:9464` (every address): the `metrics.listen` forms; undefined when malformed. */
export function parseListenAddress(value: string): ListenAddress | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

export function resultFilePath(config: Config): string {
  return config.outbound.resultFile !== '' ? config.outbound.resultFile : join(config.dataDir, 'outbound_result.json');
}
