/**
 * A real Asterisk 22 for the e2e tier, run inside the Debian sid chroot that
 * scripts/sandbox-provision.sh makes (ARCHITECTURE.md, "Testing against a real Asterisk").
 *
 * Every sandbox is an *instance*: its own config, run, spool, log and astdb directories
 * under <rootfs>/var/lib/jade-sandbox/<id>/, started with `asterisk -C <its asterisk.conf>`.
 * The package's /etc/asterisk is copied in and then the files below are overwritten, so
 * Asterisk sees exactly what it would if /etc/asterisk itself had been overwritten, but
 * several test runs (engineers share this machine and the chroot) do not overwrite each
 * other's dialplan or kill each other's Asterisk. Ports are free loopback ports picked
 * here and kept across restart(), so a client can reconnect to the same address.
 *
 * Dialplan provided (see renderConfigs()):
 *   demo       100 answer + wait 300 s; 200 answer + Park() in the default lot;
 *              300 answer + Queue(sales_1); 301 answer + Queue(sales_2) (waits: no
 *              static members); 400 answer + AGI(agi:async) + wait;
 *              _5. Dial(Local/<rest>@customers) (e.g. 51001) for DialBegin/DialEnd.
 *   agents     agent-01, agent-02, agent-03: answer + wait 300 s (queue members).
 *   customers  _1XXX answers (wait 20 s); _2XXX Busy(5); _3XXX rings, never answers
 *              (Ringing + Wait 60); _4XXX Congestion(5).
 *   park       s and _X.: answer + Park() (outbound dialer tutorial destination).
 *   agent-login _X.: AgentLogin(<exten>,s); agent-call _X.: AgentRequest(<exten>).
 *   parkedcallstimeout  s: Hangup() (where a timed-out parked call comes back to).
 *   vm-leave   6001: VoiceMail(6001@vm-demo,s) (the recorder); vm-play s: answer, play demo-thanks (5.5 s), hang up.
 *              Originate Local/s@vm-play with Context vm-leave / Exten 6001 to leave a message of ~6 s.
 * voicemail.conf: context vm-demo, mailbox 6001 (Alice Jones), format=wav (8 kHz 16-bit PCM .wav files).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export type Availability = { ok: true } | { ok: false; reason: string };

export interface PjsipUser {
  /** Endpoint, AOR and auth object name; also the SIP username. */
  readonly name: string;
  readonly password: string;
}

export interface AsteriskSandboxOptions {
  /** Cache folder holding rootfs/ (env JADE_SANDBOX_DIR, default /var/cache/jade-sandbox). */
  readonly sandboxDir?: string;
  /** res_parking `parkingtime` of the default lot, seconds. */
  readonly parkingTimeSeconds?: number;
  /** How long start() waits for `core waitfullybooted` and the AMI banner. */
  readonly bootTimeoutMs?: number;
  /** How long stop() waits after `core stop now` before SIGKILL. */
  readonly stopTimeoutMs?: number;
  /** Keep the instance directory (configs, logs) after stop(); env JADE_SANDBOX_KEEP=1. */
  readonly keepFiles?: boolean;
  /**
   * asterisk.conf `[options] systemname`: Asterisk prefixes every Uniqueid with it (`<name>-<epoch>.<n>`), as each
   * box of a several-box install needs. Unset (the default): none, like a default production box.
   */
  readonly systemName?: string;
}

export interface SandboxConfigParams {
  readonly amiPort: number;
  readonly sipPort: number;
  readonly amiUsername: string;
  readonly amiSecret: string;
  readonly parkingTimeSeconds: number;
  readonly pjsipUsers: readonly PjsipUser[];
  /** Instance directory as seen inside the chroot. */
  readonly chrootInstanceDir: string;
  /** `[options] systemname`, when set. */
  readonly systemName?: string;
}

const DEFAULT_SANDBOX_DIR = '/var/cache/jade-sandbox';
/** Inside the chroot; one subfolder per instance. */
const CHROOT_INSTANCES_DIR = '/var/lib/jade-sandbox';
const ASTERISK_BIN = '/usr/sbin/asterisk';
/** The chroot tool is in /usr/sbin, which a non-login root PATH may lack. */
const CHROOT_BIN = ['/usr/sbin/chroot', '/usr/bin/chroot'].find((p) => fs.existsSync(p)) ?? 'chroot';
const CHROOT_ENV: NodeJS.ProcessEnv = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C' };

export function defaultSandboxDir(): string {
  return process.env.JADE_SANDBOX_DIR || DEFAULT_SANDBOX_DIR;
}

export class AsteriskSandbox {
  readonly host = '127.0.0.1';
  readonly amiUsername = 'jade';
  readonly amiSecret: string;
  /** PJSIP endpoints with aor (max_contacts=1) and userpass auth, for sipp registration. */
  readonly pjsipUsers: readonly PjsipUser[];
  readonly sandboxDir: string;
  readonly rootfs: string;
  readonly instanceId: string;
  /** Host path of this instance's directory (etc/, log/messages.log, ...). */
  readonly instanceDir: string;
  readonly parkingTimeSeconds: number;
  readonly systemName: string | undefined;
  /** Host path of this instance's voicemail spool (`<instance>/spool/voicemail`): point jade's voicemail.spoolDir here. */
  get voicemailSpoolDir(): string {
    return path.join(this.instanceDir, 'spool', 'voicemail');
  }
  /** Milliseconds the last start() took from spawn to fully booted + AMI banner. */
  lastBootMs: number | undefined;

  private readonly chrootInstanceDir: string;
  private readonly bootTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private readonly keepFiles: boolean;
  private ports: { ami: number; sip: number } | undefined;
  private child: ChildProcess | undefined;
  private childExit: Promise<void> | undefined;

  constructor(options: AsteriskSandboxOptions = {}) {
    this.sandboxDir = options.sandboxDir ?? defaultSandboxDir();
    this.rootfs = path.join(this.sandboxDir, 'rootfs');
    this.parkingTimeSeconds = options.parkingTimeSeconds ?? 20;
    this.systemName = options.systemName;
    this.bootTimeoutMs = options.bootTimeoutMs ?? 30_000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
    this.keepFiles = options.keepFiles ?? process.env.JADE_SANDBOX_KEEP === '1';
    this.amiSecret = randomBytes(12).toString('hex');
    this.pjsipUsers = ['pjagent-01', 'pjagent-02', 'pjagent-03'].map((name) => ({
      name,
      password: `${name}-secret`,
    }));
    this.instanceId = `${process.pid}-${randomBytes(3).toString('hex')}`;
    this.chrootInstanceDir = `${CHROOT_INSTANCES_DIR}/${this.instanceId}`;
    this.instanceDir = path.join(this.rootfs, this.chrootInstanceDir);
  }

  /** Whether a sandbox can be started here now (root, Linux, provisioned chroot). */
  static available(sandboxDir: string = defaultSandboxDir()): Availability {
    if (process.platform !== 'linux') return { ok: false, reason: `needs Linux (chroot), this is ${process.platform}` };
    if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
      return { ok: false, reason: 'needs root to chroot into the Asterisk sandbox' };
    }
    if (!fs.existsSync(CHROOT_BIN)) return { ok: false, reason: 'no chroot binary on this machine' };
    const rootfs = path.join(sandboxDir, 'rootfs');
    if (!fs.existsSync(path.join(rootfs, ASTERISK_BIN))) {
      return { ok: false, reason: `no provisioned chroot at ${rootfs} (run scripts/sandbox-provision.sh as root)` };
    }
    // Asterisk without -U cannot read configs owned by the package's user (see the script).
    const owner = fs.statSync(path.join(rootfs, 'etc/asterisk/asterisk.conf'), { throwIfNoEntry: false });
    if (owner === undefined || owner.uid !== 0) {
      return { ok: false, reason: `${rootfs}/etc/asterisk is not owned by root (run scripts/sandbox-provision.sh)` };
    }
    return { ok: true };
  }

  get amiPort(): number {
    return this.requirePorts().ami;
  }

  get sipPort(): number {
    return this.requirePorts().sip;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Environment for a jade server under test, pointing it at this Asterisk. */
  jadeEnv(): Record<string, string> {
    return {
      JADE_AMI_HOST: this.host,
      JADE_AMI_PORT: String(this.amiPort),
      JADE_AMI_USERNAME: this.amiUsername,
      JADE_AMI_SECRET: this.amiSecret,
    };
  }

  /** Path (host side) of Asterisk's messages log for this instance: read it when a test is puzzling. */
  get messagesLog(): string {
    return path.join(this.instanceDir, 'log', 'messages.log');
  }

  async start(): Promise<void> {
    if (this.running) return;
    const availability = AsteriskSandbox.available(this.sandboxDir);
    if (!availability.ok) throw new Error(`Asterisk sandbox unavailable: ${availability.reason}`);

    await this.killLeftovers();
    if (this.ports === undefined) this.ports = await pickPorts(this.host);
    this.writeInstance();

    const startedAt = Date.now();
    const out = fs.openSync(path.join(this.instanceDir, 'log', 'stdout.log'), 'a');
    // -f: stay in the foreground so the child is Asterisk itself (chroot execs it) and
    // its pid is ours to signal. No -U (see ARCHITECTURE.md), no -c (no console wanted).
    // -n: no ANSI colours in anything it prints.
    const child = spawn(CHROOT_BIN, [this.rootfs, ASTERISK_BIN, '-f', '-n', '-C', this.chrootPath('etc/asterisk.conf')], {
      stdio: ['ignore', out, out],
      env: CHROOT_ENV,
    });
    fs.closeSync(out);
    this.child = child;
    this.childExit = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('error', () => undefined); // spawn errors show as exit; the boot wait reports them

    try {
      await this.waitBooted(startedAt + this.bootTimeoutMs);
    } catch (error) {
      // Keep the instance directory for its logs; the next start() of any sandbox
      // removes it once this process has gone.
      await this.halt().catch(() => undefined);
      throw error;
    }
    this.lastBootMs = Date.now() - startedAt;
  }

  /** Stops Asterisk (`core stop now`, SIGKILL after stopTimeoutMs) and removes the instance files. */
  async stop(): Promise<void> {
    await this.halt();
    if (!this.keepFiles) fs.rmSync(this.instanceDir, { recursive: true, force: true });
  }

  /**
   * Stops and starts again on the same ports (clients reconnect to the same address) and
   * the same instance directory: its astdb keeps persistent queue members across the
   * restart, as /var/lib/asterisk does on a real server.
   */
  async restart(): Promise<void> {
    await this.halt();
    await this.start();
  }

  /**
   * Freezes Asterisk (SIGSTOP): its sockets stay open but nothing is answered, as a hung PBX. `thaw()` resumes it;
   * `restart()` works on a frozen one too (SIGKILL after the stop timeout).
   */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  /** Runs a CLI command (`asterisk -rx`) against this instance and returns its output. */
  async cli(command: string, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        CHROOT_BIN,
        [this.rootfs, ASTERISK_BIN, '-C', this.chrootPath('etc/asterisk.conf'), '-rx', command],
        { env: CHROOT_ENV, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`asterisk -rx '${command}' failed: ${error.message} ${stderr}`.trim()));
          else resolve(stdout);
        },
      );
    });
  }

  // ---- internals ----------------------------------------------------------------

  private async halt(): Promise<void> {
    const child = this.child;
    const exit = this.childExit;
    if (child !== undefined && exit !== undefined && this.running) {
      // Ask politely first so Asterisk removes its control socket and pidfile itself.
      await this.cli('core stop now', 3_000).catch(() => undefined);
      const exited = await Promise.race([exit.then(() => true), delay(this.stopTimeoutMs).then(() => false)]);
      if (!exited) {
        child.kill('SIGKILL');
        await exit;
      }
    }
    this.child = undefined;
    this.childExit = undefined;
    // A SIGKILLed Asterisk leaves its socket behind; the next start must not trip on it.
    fs.rmSync(path.join(this.instanceDir, 'run', 'asterisk.ctl'), { force: true });
  }

  private requirePorts(): { ami: number; sip: number } {
    if (this.ports === undefined) throw new Error('AsteriskSandbox: ports are chosen by start(); call it first');
    return this.ports;
  }

  private chrootPath(relative: string): string {
    return `${this.chrootInstanceDir}/${relative}`;
  }

  private writeInstance(): void {
    // owner.json first: it is what tells other runs this directory is in use.
    fs.mkdirSync(this.instanceDir, { recursive: true });
    fs.writeFileSync(path.join(this.instanceDir, 'owner.json'), JSON.stringify(processIdentity(process.pid)));
    const dirs = ['etc', 'keys', 'run', 'log', 'db', 'cache', 'spool/outgoing', 'spool/tmp', 'spool/voicemail', 'spool/monitor', 'spool/recording'];
    for (const d of dirs) fs.mkdirSync(path.join(this.instanceDir, d), { recursive: true });
    const etc = path.join(this.instanceDir, 'etc');
    // The package's configs for every module we do not configure ourselves.
    fs.cpSync(path.join(this.rootfs, 'etc/asterisk'), etc, { recursive: true, force: true });
    const files = renderConfigs({
      amiPort: this.amiPort,
      sipPort: this.sipPort,
      amiUsername: this.amiUsername,
      amiSecret: this.amiSecret,
      parkingTimeSeconds: this.parkingTimeSeconds,
      pjsipUsers: this.pjsipUsers,
      chrootInstanceDir: this.chrootInstanceDir,
      systemName: this.systemName,
    });
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(etc, name), text, { mode: 0o640 });
    // pbx_config warns at every boot while users.conf (deprecated) exists; nothing uses it.
    fs.rmSync(path.join(etc, 'users.conf'), { force: true });
  }

  private async waitBooted(deadline: number): Promise<void> {
    // `core waitfullybooted` fails fast until the control socket exists, then blocks
    // until every module has loaded; poll it until it answers.
    for (;;) {
      if (!this.running) throw new Error(`Asterisk exited during boot (code ${this.child?.exitCode}, signal ${this.child?.signalCode}); ${this.logTail()}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`Asterisk did not boot within ${this.bootTimeoutMs} ms; ${this.logTail()}`);
      const booted = await this.cli('core waitfullybooted', Math.min(remaining, 10_000)).then(
        (out) => out.includes('fully booted'),
        () => false,
      );
      if (booted) break;
      await delay(50);
    }
    for (;;) {
      if (Date.now() > deadline) throw new Error(`AMI did not accept a connection on ${this.host}:${this.amiPort}; ${this.logTail()}`);
      if (await amiBanner(this.host, this.amiPort, 1_000)) return;
      await delay(50);
    }
  }

  private logTail(): string {
    const read = (f: string) => {
      try {
        return fs.readFileSync(path.join(this.instanceDir, 'log', f), 'utf8').split('\n').slice(-15).join('\n');
      } catch {
        return '';
      }
    };
    return `logs in ${path.join(this.instanceDir, 'log')}; tail:\n${read('messages.log')}\n${read('stdout.log')}`;
  }

  /**
   * Kills Asterisks in this chroot started by sandboxes whose test process is gone
   * (SIGKILLed mocha, crashed run), and removes their instance directories. Instances
   * of live processes (another engineer's run) are left alone. Also clears our own
   * instance if a previous start of this object left an Asterisk behind.
   */
  private async killLeftovers(): Promise<void> {
    const root = path.join(this.rootfs, CHROOT_INSTANCES_DIR);
    let entries: string[];
    try {
      entries = fs.readdirSync(root);
    } catch {
      return;
    }
    const rootfsReal = fs.realpathSync(this.rootfs);
    for (const id of entries) {
      const dir = path.join(root, id);
      const own = id === this.instanceId;
      if (!own) {
        const owner = readJson(path.join(dir, 'owner.json'));
        if (isIdentity(owner) ? isSameProcessAlive(owner) : isYoung(dir)) continue;
      }
      const pid = Number.parseInt(readText(path.join(dir, 'run', 'asterisk.pid')) ?? '', 10);
      if (Number.isInteger(pid) && pid > 0 && isAsteriskOf(pid, rootfsReal, `${CHROOT_INSTANCES_DIR}/${id}/`)) {
        if (own && this.child?.pid === pid && this.running) continue;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
        await waitGone(pid, 5_000);
      }
      if (own) fs.rmSync(path.join(dir, 'run', 'asterisk.ctl'), { force: true });
      else fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

// ---- configuration ------------------------------------------------------------------

/**
 * Modules not loaded: hardware channels, anything that binds fixed ports (two instances
 * would collide and there is nothing to talk to), backends needing a database or
 * external service, and web/ARI (jade uses AMI only). Listed by name so a missing one
 * only logs a notice.
 */
export const NOLOAD_MODULES: readonly string[] = [
  // hardware / console channels
  'chan_dahdi', 'chan_mobile', 'chan_alsa', 'chan_oss', 'chan_console', 'chan_unistim', 'chan_ooh323',
  // other channel drivers and listeners on fixed ports
  'chan_iax2', 'chan_motif', 'res_xmpp', 'pbx_dundi', 'chan_audiosocket', 'res_audiosocket', 'chan_websocket',
  'res_websocket_client', 'chan_rtp', 'res_rtp_multicast', 'res_stun_monitor',
  // capture / monitoring agents
  'res_hep', 'res_hep_pjsip', 'res_hep_rtcp', 'res_snmp', 'res_statsd', 'res_prometheus',
  // HTTP, ARI and everything stacked on them
  'res_http_websocket', 'res_http_post', 'res_http_media_cache', 'res_phoneprov', 'res_pjsip_phoneprov_provider',
  'res_pjsip_transport_websocket', 'res_ari', 'res_ari_applications', 'res_ari_asterisk', 'res_ari_bridges',
  'res_ari_channels', 'res_ari_device_states', 'res_ari_endpoints', 'res_ari_events', 'res_ari_model',
  'res_ari_playbacks', 'res_ari_recordings', 'res_ari_sounds', 'app_stasis', 'app_stasis_broadcast', 'res_stasis',
  'res_stasis_answer', 'res_stasis_broadcast', 'res_stasis_device_state', 'res_stasis_playback',
  'res_stasis_recording', 'res_stasis_snoop', 'res_stasis_test',
  // CDR/CEL backends (cdr.conf and cel.conf disable the engines anyway)
  'cdr_adaptive_odbc', 'cdr_csv', 'cdr_custom', 'cdr_manager', 'cdr_odbc', 'cdr_pgsql', 'cdr_radius',
  'cdr_sqlite3_custom', 'cdr_tds', 'cel_custom', 'cel_manager', 'cel_odbc', 'cel_pgsql', 'cel_radius',
  'cel_sqlite3_custom', 'cel_tds', 'res_cdrel_custom',
  // databases, directories and remote config
  'res_odbc', 'res_odbc_transaction', 'func_odbc', 'res_config_odbc', 'res_config_pgsql', 'res_config_ldap',
  'res_config_curl', 'res_config_sqlite3', 'app_voicemail_odbc', 'pbx_realtime', 'res_realtime',
  'res_calendar', 'res_calendar_caldav', 'res_calendar_ews', 'res_calendar_exchange', 'res_calendar_icalendar',
  // need certificates, speech servers, DNS resolvers or extra config we do not ship
  'res_stir_shaken', 'res_pjsip_stir_shaken', 'res_aeap', 'res_speech_aeap', 'res_resolver_unbound',
  'res_geolocation', 'res_pjsip_geolocation', 'app_festival', 'app_jack', 'res_smdi', 'res_fax_spandsp',
  // alternative dialplan languages we do not use (they warn about missing files)
  'pbx_ael', 'pbx_lua', 'res_ael_share',
  // deprecated (each logs a warning at boot) or broken without a module listed above
  'res_adsi', 'app_adsiprog', 'app_getcpeid', 'app_audiosocket',
];

function lines(...rows: string[]): string {
  return `${rows.join('\n')}\n`;
}

/** The config files written into the instance's etc/, by file name. */
export function renderConfigs(p: SandboxConfigParams): Record<string, string> {
  const d = p.chrootInstanceDir;
  const header = '; written by test/support/asterisk-sandbox.ts for one test run; edits are overwritten';
  const pjsipUsers = p.pjsipUsers.flatMap((u) => [
    '',
    `[${u.name}]`,
    'type = endpoint',
    'transport = transport-udp',
    'context = agents',
    'disallow = all',
    'allow = ulaw,alaw,gsm',
    `auth = ${u.name}`,
    `aors = ${u.name}`,
    '',
    `[${u.name}]`,
    'type = auth',
    'auth_type = userpass',
    `username = ${u.name}`,
    `password = ${u.password}`,
    '',
    `[${u.name}]`,
    'type = aor',
    'max_contacts = 1',
    // A re-register from a new sipp run (new Call-ID) replaces the old contact.
    'remove_existing = yes',
  ]);
  return {
    'asterisk.conf': lines(
      header,
      '[directories]',
      // Everything this run writes lives in the instance directory; code, modules,
      // sounds and documentation come from the package.
      `astetcdir => ${d}/etc`,
      'astmoddir => /usr/lib/x86_64-linux-gnu/asterisk/modules',
      'astvarlibdir => /var/lib/asterisk',
      `astdbdir => ${d}/db`,
      // res_crypto appends /keys itself.
      `astkeydir => ${d}`,
      'astdatadir => /usr/share/asterisk',
      'astagidir => /usr/share/asterisk/agi-bin',
      `astspooldir => ${d}/spool`,
      `astrundir => ${d}/run`,
      `astlogdir => ${d}/log`,
      `astcachedir => ${d}/cache`,
      'astsbindir => /usr/sbin',
      '',
      '[options]',
      // No systemname unless asked: it prefixes every Uniqueid, unlike a default production box.
      ...(p.systemName === undefined ? [] : [`systemname = ${p.systemName}`]),
      'verbose = 0',
      'debug = 0',
      'nocolor = yes',
      'hideconnect = yes',
      'documentation_language = en_US',
      'defaultlanguage = en',
      'transmit_silence = no',
      'live_dangerously = no',
    ),
    'modules.conf': lines(
      header,
      '[modules]',
      'autoload = yes',
      ...NOLOAD_MODULES.map((m) => `noload => ${m}.so`),
    ),
    'logger.conf': lines(
      header,
      '[general]',
      'dateformat = %F %T.%3q',
      '[logfiles]',
      // No console channel: `asterisk -rx` output stays the command's output only.
      'messages.log => notice,warning,error',
    ),
    // A scratch file for the config-model e2e tests: UpdateConfig only writes a file that exists.
    'jade_test.conf': lines('; scratch file for test/e2e/config-model.test.ts'),
    'cdr.conf': lines(header, '[general]', 'enable = no'),
    'cel.conf': lines(header, '[general]', 'enable = no'),
    'http.conf': lines(header, '[general]', 'enabled = no'),
    'manager.conf': lines(
      header,
      '[general]',
      'enabled = yes',
      'webenabled = no',
      `port = ${p.amiPort}`,
      'bindaddr = 127.0.0.1',
      'displayconnects = no',
      // Events carry Asterisk's own Timestamp, which jade keeps in event metadata.
      'timestampevents = yes',
      'allowmultiplelogin = yes',
      'authtimeout = 10',
      'authlimit = 50',
      '',
      `[${p.amiUsername}]`,
      `secret = ${p.amiSecret}`,
      'deny = 0.0.0.0/0.0.0.0',
      'permit = 127.0.0.1/255.255.255.255',
      'read = all',
      'write = all',
      'writetimeout = 5000',
    ),
    'pjsip.conf': lines(
      header,
      '[global]',
      'type = global',
      'user_agent = jade-sandbox',
      '',
      '[transport-udp]',
      'type = transport',
      'protocol = udp',
      `bind = 127.0.0.1:${p.sipPort}`,
      ...pjsipUsers,
      '',
      // An outbound registration with a peer that answers: this Asterisk registers to
      // itself as endpoint pjtrunk, so registration read models see a real "Registered".
      '[pjtrunk]',
      'type = endpoint',
      'transport = transport-udp',
      'context = customers',
      'disallow = all',
      'allow = ulaw,alaw,gsm',
      'auth = pjtrunk',
      'outbound_auth = pjtrunk',
      'aors = pjtrunk',
      '',
      '[pjtrunk]',
      'type = auth',
      'auth_type = userpass',
      'username = pjtrunk',
      'password = pjtrunk-secret',
      '',
      '[pjtrunk]',
      'type = aor',
      'max_contacts = 1',
      'remove_existing = yes',
      '',
      '[pjtrunk-reg]',
      'type = registration',
      'transport = transport-udp',
      'outbound_auth = pjtrunk',
      `server_uri = sip:127.0.0.1:${p.sipPort}`,
      `client_uri = sip:pjtrunk@127.0.0.1:${p.sipPort}`,
      'contact_user = pjtrunk',
      'expiration = 300',
      // Register at boot, not after the default random delay of up to 10 s.
      'max_random_initial_delay = 0',
      'retry_interval = 5',
      'forbidden_retry_interval = 5',
      'max_retries = 1000',
    ),
    'extensions.conf': lines(
      header,
      '[general]',
      'static = yes',
      'writeprotect = yes',
      'clearglobalvars = no',
      '',
      '[globals]',
      '',
      '[demo]',
      'exten => 100,1,Answer()',
      ' same => n,Wait(300)',
      ' same => n,Hangup()',
      // Park() with no lot: the default lot of res_parking.conf, with its parkingtime.
      'exten => 200,1,Answer()',
      ' same => n,Park()',
      ' same => n,Hangup()',
      'exten => 300,1,Answer()',
      ' same => n,Queue(sales_1)',
      ' same => n,Hangup()',
      // sales_2 has no static members: a caller here waits (an entry) until one is added.
      'exten => 301,1,Answer()',
      ' same => n,Queue(sales_2)',
      ' same => n,Hangup()',
      'exten => 400,1,Answer()',
      ' same => n,AGI(agi:async)',
      ' same => n,Wait(300)',
      ' same => n,Hangup()',
      // 5<number>: app_dial to a customer, for DialBegin/DialEnd from a dialplan Dial().
      'exten => _5.,1,Dial(Local/${EXTEN:1}@customers,30)',
      ' same => n,Hangup()',
      '',
      // Explicit names: pattern letters are case-insensitive, `_agent-0X` reads n as N.
      '[agents]',
      ...['agent-01', 'agent-02', 'agent-03'].flatMap((a) => [
        `exten => ${a},1,Answer()`,
        ' same => n,Wait(300)',
        ' same => n,Hangup()',
      ]),
      '',
      '[customers]',
      'exten => _1XXX,1,Answer()',
      ' same => n,Wait(20)',
      ' same => n,Hangup()',
      'exten => _2XXX,1,Busy(5)',
      // Never answers. Ringing() makes the originator see "ringing" (OriginateResponse
      // Reason 3 on its timeout) instead of a silent channel.
      'exten => _3XXX,1,Ringing()',
      ' same => n,Wait(60)',
      ' same => n,Hangup()',
      'exten => _4XXX,1,Congestion(5)',
      '',
      // Destination of the outbound dialer's basic tutorial: the answered customer is parked.
      '[park]',
      'exten => s,1,Answer()',
      ' same => n,Park()',
      ' same => n,Hangup()',
      'exten => _X.,1,Goto(s,1)',
      '',
      '[parkedcallstimeout]',
      'exten => s,1,Hangup()',
      '',
      // app_agent_pool: originate Local/<agent id>@agent-login to log an agent in,
      // Local/<agent id>@agent-call to call a logged-in agent.
      '[agent-login]',
      'exten => _X.,1,Answer()',
      ' same => n,AgentLogin(${EXTEN},s)',
      ' same => n,Hangup()',
      '',
      '[agent-call]',
      'exten => _X.,1,AgentRequest(${EXTEN})',
      ' same => n,Hangup()',
      '',
      // Voicemail: the Local channel's ;1 side runs VoiceMail (s: no greeting, the beep only), its ;2 side plays into it.
      '[vm-leave]',
      'exten => 6001,1,VoiceMail(6001@vm-demo,s)',
      ' same => n,Hangup()',
      '',
      '[vm-play]',
      'exten => s,1,Answer()',
      ' same => n,Wait(1)',
      ' same => n,Playback(demo-thanks)',
      ' same => n,Hangup()',
    ),
    'voicemail.conf': lines(
      header,
      '[general]',
      // One format, set explicitly: `wav` is 8 kHz 16-bit PCM (`WAV` would be GSM in a WAV container).
      'format = wav',
      'serveremail = asterisk',
      'attach = no',
      'maxmsg = 100',
      'maxsecs = 120',
      'minsecs = 1',
      'maxsilence = 0',
      'skipms = 3000',
      'maxlogins = 3',
      'pollmailboxes = no',
      '',
      '[zonemessages]',
      "central = America/Chicago|'vm-received' Q 'digits/at' IMp",
      '',
      '[vm-demo]',
      '6001 => 8762,Alice Jones,,,tz=central|maxmsg=10',
    ),
    'queues.conf': lines(
      header,
      '[general]',
      'persistentmembers = yes',
      'shared_lastcall = yes',
      'log_membername_as_agent = yes',
      '',
      '[queue-defaults](!)',
      // Short timers and no announcements keep the tests quick and the event stream plain.
      'timeout = 15',
      'retry = 1',
      'wrapuptime = 0',
      'maxlen = 0',
      'joinempty = yes',
      'leavewhenempty = no',
      'ringinuse = no',
      'servicelevel = 60',
      'announce-frequency = 0',
      'periodic-announce-frequency = 0',
      'announce-holdtime = no',
      'announce-position = no',
      'reportholdtime = no',
      '',
      '[sales_1](queue-defaults)',
      'strategy = ringall',
      'member => Local/agent-01@agents,0,agent-01',
      'member => Local/agent-02@agents,0,agent-02',
      '',
      // A plain section (no template): AMI's UpdateConfig cannot edit a category built from a template
      // (src/configfiles/model.ts), and test/e2e/queue-config.test.ts rewrites this one through /queue/queues.
      '[sales_2]',
      'timeout = 15',
      'retry = 1',
      'wrapuptime = 0',
      'maxlen = 0',
      'joinempty = yes',
      'leavewhenempty = no',
      'ringinuse = no',
      'servicelevel = 60',
      'announce-frequency = 0',
      'periodic-announce-frequency = 0',
      'announce-holdtime = no',
      'announce-position = no',
      'reportholdtime = no',
      'strategy = ringall',
    ),
    'res_parking.conf': lines(
      header,
      '[general]',
      'parkeddynamic = no',
      '',
      '[default]',
      'parkext = 700',
      'parkpos = 701-720',
      'context = parkedcalls',
      `parkingtime = ${p.parkingTimeSeconds}`,
      'findslot = first',
      'comebacktoorigin = no',
      'comebackcontext = parkedcallstimeout',
    ),
    'agents.conf': lines(
      header,
      '[general]',
      '[agent-defaults](!)',
      'ackcall = no',
      'autologoff = 0',
      'wrapuptime = 0',
      '',
      '[1001](agent-defaults)',
      'fullname = Agent One',
      '',
      '[1002](agent-defaults)',
      'fullname = Agent Two',
    ),
    // The package ships no music-on-hold files; without them queues and parking log a
    // warning per call and never emit MusicOnHoldStart. Digits are small and installed.
    'musiconhold.conf': lines(
      header,
      '[general]',
      '[default]',
      'mode = files',
      'directory = /usr/share/asterisk/sounds/en_US_f_Allison/digits',
      'sort = alpha',
    ),
  };
}

// ---- helpers --------------------------------------------------------------------------

interface ProcessIdentity {
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat: distinguishes a reused pid from the original process. */
  readonly startTime: string;
}

function processIdentity(pid: number): ProcessIdentity {
  return { pid, startTime: procStartTime(pid) ?? '' };
}

function procStartTime(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) may contain spaces; fields after its ')' are plain.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function isIdentity(value: unknown): value is ProcessIdentity {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { pid?: unknown }).pid === 'number' &&
    typeof (value as { startTime?: unknown }).startTime === 'string'
  );
}

function isSameProcessAlive(identity: ProcessIdentity): boolean {
  const start = procStartTime(identity.pid);
  return start !== undefined && start === identity.startTime;
}

/** True when pid is an Asterisk running in rootfs with a config under instancePath. */
function isAsteriskOf(pid: number, rootfsReal: string, instancePath: string): boolean {
  try {
    if (fs.realpathSync(`/proc/${pid}/root`) !== rootfsReal) return false;
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv[0]?.endsWith('asterisk') === true && argv.some((a) => a.startsWith(instancePath));
  } catch {
    return false;
  }
}

/** A directory without owner.json may be one another process is creating right now. */
function isYoung(dir: string): boolean {
  const stat = fs.statSync(dir, { throwIfNoEntry: false });
  return stat !== undefined && Date.now() - stat.mtimeMs < 60_000;
}

async function waitGone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && fs.existsSync(`/proc/${pid}`)) await delay(20);
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readJson(file: string): unknown {
  const text = readText(file);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function freeTcpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function udpPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, host, () => socket.close(() => resolve(true)));
  });
}

/** AMI on a free TCP port; SIP on a port free for both UDP (used) and TCP (future transports). */
async function pickPorts(host: string): Promise<{ ami: number; sip: number }> {
  const ami = await freeTcpPort(host);
  for (let attempt = 0; attempt < 20; attempt++) {
    const sip = await freeTcpPort(host);
    if (sip !== ami && (await udpPortFree(host, sip))) return { ami, sip };
  }
  throw new Error('could not find a free loopback port for SIP');
}

/** Connects and waits for AMI's greeting line ("Asterisk Call Manager/x.y.z"). */
function amiBanner(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let data = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (data.includes('\n')) done(data.startsWith('Asterisk Call Manager/'));
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

// ---- a raw AMI probe --------------------------------------------------------------------

/**
 * One AMI frame as received. `headers` keeps order and duplicates: Asterisk repeats keys
 * in some frames (Debian's build emits TestEvent with `State` twice; `Variable` and
 * `ChanVariable` repeat too), so a plain object would lose data.
 */
export interface AmiFrame {
  readonly raw: Buffer;
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/** First value of a header, case-insensitive as AMI keys are. */
export function amiGet(frame: AmiFrame, key: string): string | undefined {
  const k = key.toLowerCase();
  return frame.headers.find(([name]) => name.toLowerCase() === k)?.[1];
}

export interface AmiActionResult {
  readonly response: AmiFrame;
  /** The events of a list action (`EventList: start` ... `*Complete`), else empty. */
  readonly events: readonly AmiFrame[];
}

const FRAME_END = Buffer.from('\r\n\r\n');
const LOGIN_ACTION_ID = 'sandbox-login';

/**
 * A deliberately small AMI client on a raw TCP socket, independent of src/ami, so the
 * sandbox can be checked (and Asterisk's own view asserted in e2e tests) without the
 * code under test. Frames are kept byte-exact for recording.
 */
export class SandboxAmi {
  /** Every frame after the login response, in arrival order. */
  readonly frames: AmiFrame[] = [];
  private readonly socket: net.Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private bannerSeen = false;
  private nextId = 1;
  /** Set by the login response itself, so frames arriving in the same TCP chunk count. */
  private loggedIn = false;
  private readonly listeners = new Set<(frame: AmiFrame) => void>();
  private closedError: Error | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      this.closedError ??= new Error('AMI connection closed');
      for (const l of [...this.listeners]) l({ raw: Buffer.alloc(0), headers: [['__closed', '1']] });
    });
    socket.on('error', (error) => {
      this.closedError = error;
    });
  }

  /** Connects and logs in; rejects with Asterisk's Message when the login is refused. */
  static async connect(target: {
    host: string;
    port: number;
    username: string;
    secret: string;
    events?: boolean;
    timeoutMs?: number;
  }): Promise<SandboxAmi> {
    const socket = net.connect({ host: target.host, port: target.port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const ami = new SandboxAmi(socket);
    try {
      const { response } = await ami.action(
        { Action: 'Login', ActionID: LOGIN_ACTION_ID, Username: target.username, Secret: target.secret, Events: target.events === false ? 'off' : 'on' },
        target.timeoutMs,
      );
      if (amiGet(response, 'Response') !== 'Success') {
        throw new Error(`AMI login refused: ${amiGet(response, 'Message') ?? 'no message'}`);
      }
    } catch (error) {
      ami.close();
      throw error;
    }
    return ami;
  }

  /** Subscribe to every frame (events and responses) after login. Returns an unsubscribe. */
  onFrame(listener: (frame: AmiFrame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Sends an action (an ActionID is added unless given; repeated keys as arrays, e.g.
   * `Variable: [...]`) and resolves with its response, plus the events of a list action.
   * CR/LF in a value is refused: it would inject another action.
   */
  action(fields: Readonly<Record<string, string | number | readonly string[]>>, timeoutMs = 10_000): Promise<AmiActionResult> {
    const actionId = typeof fields.ActionID === 'string' ? fields.ActionID : `sandbox-${this.nextId++}`;
    let text = '';
    for (const [key, value] of Object.entries({ ...fields, ActionID: actionId })) {
      for (const v of Array.isArray(value) ? value : [String(value)]) {
        if (/[\r\n]/.test(`${key}${v}`)) return Promise.reject(new Error(`CR/LF in AMI field ${key}`));
        text += `${key}: ${v}\r\n`;
      }
    }
    return new Promise((resolve, reject) => {
      if (this.closedError) return reject(this.closedError);
      let response: AmiFrame | undefined;
      const events: AmiFrame[] = [];
      const finish = (error?: Error) => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        if (error) reject(error);
        else resolve({ response: response!, events });
      };
      const listener = (frame: AmiFrame) => {
        if (amiGet(frame, '__closed')) return finish(this.closedError ?? new Error('AMI connection closed'));
        if (amiGet(frame, 'ActionID') !== actionId) return;
        if (response === undefined && amiGet(frame, 'Response') !== undefined) {
          response = frame;
          if (amiGet(frame, 'EventList')?.toLowerCase() !== 'start') finish();
          return;
        }
        if (response === undefined) return;
        if (amiGet(frame, 'EventList')?.toLowerCase() === 'complete') return finish();
        events.push(frame);
      };
      const timer = setTimeout(() => finish(new Error(`AMI action ${String(fields.Action)} got no answer in ${timeoutMs} ms`)), timeoutMs);
      this.listeners.add(listener);
      this.socket.write(`${text}\r\n`);
    });
  }

  /** Index of the next frame to arrive: pass as `fromIndex` to ignore what came before. */
  mark(): number {
    return this.frames.length;
  }

  /**
   * Resolves with the first matching frame received since `fromIndex` (default: since
   * login, so an event that beat the caller to it is found too) or arriving later.
   */
  waitFor(
    match: (frame: AmiFrame) => boolean,
    options: { timeoutMs?: number; description?: string; fromIndex?: number } = {},
  ): Promise<AmiFrame> {
    const { timeoutMs = 10_000, description = 'matching AMI frame', fromIndex = 0 } = options;
    const seen = this.frames.slice(fromIndex).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no ${description} within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onFrame((frame) => {
        if (amiGet(frame, '__closed')) {
          clearTimeout(timer);
          off();
          reject(new Error(`AMI closed while waiting for ${description}`));
        } else if (match(frame)) {
          clearTimeout(timer);
          off();
          resolve(frame);
        }
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    if (!this.bannerSeen) {
      // The greeting is one line ("Asterisk Call Manager/11.0.0"), not a frame.
      const eol = this.buffer.indexOf('\r\n');
      if (eol < 0) return;
      this.buffer = this.buffer.subarray(eol + 2);
      this.bannerSeen = true;
    }
    for (;;) {
      const end = this.buffer.indexOf(FRAME_END);
      if (end < 0) return;
      const raw = Buffer.from(this.buffer.subarray(0, end + FRAME_END.length));
      this.buffer = this.buffer.subarray(end + FRAME_END.length);
      const headers = raw
        .toString('utf8', 0, end)
        .split('\r\n')
        .map((line): readonly [string, string] => {
          const colon = line.indexOf(':');
          return colon < 0 ? [line, ''] : [line.slice(0, colon), line.slice(colon + 1).replace(/^ /, '')];
        });
      const frame: AmiFrame = { raw, headers };
      if (this.loggedIn) this.frames.push(frame);
      for (const l of [...this.listeners]) l(frame);
      if (!this.loggedIn && amiGet(frame, 'ActionID') === LOGIN_ACTION_ID && amiGet(frame, 'Response') === 'Success') {
        this.loggedIn = true;
      }
    }
  }
}
