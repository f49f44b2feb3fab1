import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa from 'koa';
import { expect } from 'chai';
import { dashboardRoutes } from '../../../src/http/routes/dashboard.js';
import { startTestJade, type RunningJade } from '../../support/jade.js';

/** Issue 16: the dashboard's static files, and that the auth gate lets the page (only the page) through. */
describe('Dashboard page (issue 16)', () => {
  describe('static files', () => {
    let dir: string;
    let server: Server;
    let base: string;
    let built: string | undefined;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'jade-ui-'));
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>jade dashboard</title>');
      writeFileSync(join(dir, 'app.js'), 'console.log("app")');
      writeFileSync(join(dir, 'style.css'), 'body{}');
      writeFileSync(join(tmpdir(), 'jade-ui-outside.js'), 'secret');
      built = dir;
      const app = new Koa();
      const router = dashboardRoutes({ findDir: () => built });
      app.use(router.routes());
      server = createServer(app.callback());
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(async () => {
      await new Promise<void>((done) => server.close(() => done()));
      rmSync(dir, { recursive: true, force: true });
      rmSync(join(tmpdir(), 'jade-ui-outside.js'), { force: true });
    });

    it('serves the page at / and /ui/ with a same-origin-only content security policy', async () => {
      for (const path of ['/', '/ui', '/ui/']) {
        const response = await fetch(base + path);
        expect(response.status, path).to.equal(200);
        expect(response.headers.get('content-type')).to.equal('text/html; charset=utf-8');
        expect(response.headers.get('content-security-policy')).to.include("default-src 'self'").and.include("connect-src 'self'");
        expect(await response.text()).to.include('jade dashboard');
      }
    });

    it('serves the bundle and the style sheet with their types', async () => {
      const script = await fetch(`${base}/ui/app.js`);
      expect(script.status).to.equal(200);
      expect(script.headers.get('content-type')).to.equal('text/javascript; charset=utf-8');
      const style = await fetch(`${base}/ui/style.css`);
      expect(style.headers.get('content-type')).to.equal('text/css; charset=utf-8');
    });

    it('answers 404 for names that are not plain files of the build, traversal included', async () => {
      for (const path of ['/ui/missing.js', '/ui/..%2Fjade-ui-outside.js', '/ui/%2E%2E%2Fjade-ui-outside.js', '/ui/app.exe', '/ui/.hidden.js']) {
        const response = await fetch(base + path);
        expect(response.status, path).to.equal(404);
        expect(await response.text()).to.not.include('secret');
      }
    });

    it('says how to build the page when there is no build', async () => {
      built = undefined;
      try {
        const response = await fetch(`${base}/`);
        expect(response.status).to.equal(503);
        expect(await response.text()).to.include('npm run build');
      } finally {
        built = dir;
      }
    });
  });

  describe('behind the auth gate', () => {
    let jade: RunningJade;
    before(async () => {
      jade = await startTestJade(undefined);
    });
    after(() => jade.stop());

    it('lets GET of the page through without a token, and nothing else', async () => {
      for (const path of ['/', '/ui/', '/ui/app.js']) {
        const response = await jade.http.get(path);
        expect(response.status, path).to.not.equal(401);
      }
      for (const [method, path] of [['GET', '/uix'], ['POST', '/ui/app.js'], ['GET', '/v1/core/channels']] as const) {
        const response = method === 'GET' ? await jade.http.get(path) : await jade.http.post(path, {});
        expect(response.status, `${method} ${path}`).to.equal(401);
      }
    });
  });
});
