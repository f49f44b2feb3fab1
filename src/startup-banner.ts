import type { Config } from './config.js';

/** A URL a person can open: a wildcard listen address is reached on this machine as localhost. */
function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/** Several Asterisk boxes (`ami.nodes`), each as `<node> host:port`; undefined for the one box of the `ami.*` keys. */
function boxes(ami: Config['ami']): string | undefined {
  const nodes = ami.nodes ?? [];
  return nodes.length > 1 ? nodes.map((n) => `${n.node} ${n.host}:${n.port}`).join(', ') : undefined;
}

/** The very first line, before anything starts: what this run is about to do. */
export function startingLine(config: Pick<Config, 'http' | 'ami' | 'dataDir'>): string {
  const ami = boxes(config.ami) ?? `${config.ami.host}:${config.ami.port}`;
  return `jade starting: HTTP on ${config.http.host}:${config.http.port}, Asterisk AMI at ${ami}, data in ${config.dataDir} (where to go is said once it is up)`;
}

/**
 * What `jade serve` says once up, for whoever just typed `npm start`: where it listens, what to open, which
 * Asterisk it waits for and how to point it elsewhere, and that `npm run demo` brings a sandbox PBX.
 * Plain sentences in the log (readable on a terminal, fields in JSON); never a secret.
 */
export function startupLines(config: Pick<Config, 'http' | 'ami' | 'metrics' | 'dataDir'>, port: number, amiConnected: boolean): string[] {
  const base = `http://${reachableHost(config.http.host)}:${port}`;
  const lines = [
    `jade is up: REST API ${base}/v1 (realtime: socket.io and ${base}/ws on the same port); data in ${config.dataDir}`,
    `open ${base}/v1/docs for the API reference (OpenAPI 3.1 at ${base}/v1/openapi.json); log in with POST /v1/admin/login`,
    boxes(config.ami) !== undefined
      ? `${amiConnected ? 'connected to' : 'waiting for'} Asterisk boxes (ami.nodes): ${boxes(config.ami)}; see /v1/health for each link`
      : `${amiConnected ? 'connected to' : 'waiting for'} Asterisk: AMI ${config.ami.host}:${config.ami.port} as user ${config.ami.username} (node ${config.ami.node}); ` +
        'point it elsewhere with JADE_AMI_HOST, JADE_AMI_PORT, JADE_AMI_USERNAME, JADE_AMI_SECRET',
    'no Asterisk at hand? `npm run demo` starts a sandbox Asterisk with jade and light traffic',
  ];
  lines.push(
    config.metrics.listen === ''
      ? `metrics: ${base}/metrics (admin token); or a token-less listener with JADE_METRICS_LISTEN=127.0.0.1:9464`
      : `metrics: http://${config.metrics.listen}/metrics (no token), and ${base}/metrics (admin token)`,
  );
  return lines;
}
