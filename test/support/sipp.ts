/** sipp as a SIP user agent against the sandbox (Debian's sip-tester): one REGISTER with digest auth. */
import { execFile } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const SIPP_SCENARIO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/sipp/register.xml');

export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** One sipp REGISTER with digest auth from a fixed local port (`expires` 0 unregisters that contact). */
export function sippRegister(opts: { user: string; password: string; sipPort: number; localPort: number; expires: number }): Promise<void> {
  const args = [
    '-sf', SIPP_SCENARIO, '-m', '1', '-i', '127.0.0.1', '-p', String(opts.localPort), '-s', opts.user, '-au', opts.user, '-ap', opts.password,
    '-key', 'expires', String(opts.expires), '-timeout', '10s', '-timeout_error', '-nostdin', `127.0.0.1:${opts.sipPort}`,
  ];
  return new Promise((resolve, reject) => {
    execFile('sipp', args, { timeout: 20_000, cwd: path.dirname(SIPP_SCENARIO) }, (error, stdout, stderr) => {
      if (error) reject(new Error(`sipp failed (${error.message}):\n${stdout.slice(-1500)}\n${stderr}`));
      else resolve();
    });
  });
}
