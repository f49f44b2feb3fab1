import { expect } from 'chai';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startTestJade, type RunningJade } from '../../support/jade.js';

interface Operation {
  readonly security?: readonly unknown[];
  readonly parameters?: readonly { readonly name: string; readonly in: string; readonly required?: boolean; readonly schema?: { readonly pattern?: string } }[];
  readonly requestBody?: {
    readonly content: Record<string, { readonly schema: { readonly type?: string; readonly required?: readonly string[]; readonly properties?: Record<string, unknown>; readonly additionalProperties?: unknown } }>;
  };
  readonly 'x-jade-access'?: unknown;
}
interface Document {
  readonly openapi: string;
  readonly paths: Record<string, Record<string, Operation>>;
}

const methods = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * The writes that take no body: the logins (HTTP Basic credentials in the Authorization header) and the module
 * operations (the path names the module, the method the operation). Every other POST/PUT/PATCH reads a body,
 * and its schema is the one that validates it (accepts(), src/http/route-input.ts).
 */
const bodyless = [
  'POST /v1/admin/login',
  'POST /v1/manager/login',
  'POST /v1/me/login',
  ...['/v1/core/modules', '/v1/core/modules/{name}', '/v1/admin/core/modules', '/v1/admin/core/modules/{name}'].flatMap((path) => [`POST ${path}`, `PUT ${path}`]),
];

/** `METHOD /path/{param}` of every operation in the document. */
function documented(document: Document): Set<string> {
  const found = new Set<string>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of Object.keys(item)) if (methods.includes(method)) found.add(`${method.toUpperCase()} ${path}`);
  }
  return found;
}

describe('OpenAPI 3.1 document and API reference (/v1/openapi.json, /v1/docs)', function () {
  this.timeout(30_000);
  let jade: RunningJade;
  let document: Document;

  before(async () => {
    jade = await startTestJade(undefined);
    const response = await jade.http.get('/v1/openapi.json');
    expect(response.status, response.text).to.equal(200);
    document = response.body as unknown as Document;
  });
  after(() => jade.stop());

  it('validates against the OpenAPI 3.1 schema', async () => {
    expect(document.openapi).to.equal('3.1.0');
    const result = await new Validator().validate(document as unknown as Record<string, unknown>);
    expect(result.errors ?? [], JSON.stringify(result.errors)).to.deep.equal([]);
    expect(result.valid).to.equal(true);
  });

  it('documents every route the routers serve, under /v1 (the unversioned copies are not listed)', () => {
    // Read off koa's router stack here, not through the generator's own walk.
    const registered = new Set<string>();
    for (const router of jade.jade.routers) {
      for (const layer of router.stack) {
        for (const method of layer.methods) {
          if (method === 'HEAD' || method === 'OPTIONS') continue;
          registered.add(`${method} /v1${String(layer.path).replace(/:(\w+)/g, '{$1}')}`);
        }
      }
    }
    expect(registered.size).to.be.greaterThan(150);
    const inDocument = documented(document);
    expect([...registered].filter((route) => !inDocument.has(route)), 'registered but not documented').to.deep.equal([]);
    expect(Object.keys(document.paths).filter((path) => !path.startsWith('/v1/')), 'only the /v1 family').to.deep.equal([]);
  });

  it('documents only routes a router matches', () => {
    const unserved = [...documented(document)].filter((route) => {
      const [method, path] = route.split(' ') as [string, string];
      const concrete = path.slice('/v1'.length).replace(/\{\w+\}/g, 'some-id');
      return !jade.jade.routers.some((router) => router.match(concrete, method).route);
    });
    expect(unserved, 'documented but not served').to.deep.equal([]);
  });

  it('describes a request with the schema that validates it: the required fields are the ones a bad request is refused for', async () => {
    const originate = document.paths['/v1/core/channels']?.post;
    const schema = originate?.requestBody?.content['application/json']?.schema;
    expect(schema?.required).to.deep.equal(['channel']);
    expect(Object.keys(schema?.properties ?? {})).to.include.members(['channel', 'context', 'exten', 'application', 'variables']);
    const refused = await jade.post('/v1/core/channels', {});
    expect(refused.status).to.equal(400);
    expect(refused.body?.error?.message).to.match(/channel is required/);

    const member = document.paths['/v1/queue/members/{name}']?.put;
    expect(member?.parameters?.find((p) => p.name === 'queue_name')).to.deep.include({ in: 'query', required: true });
    expect(member?.parameters?.find((p) => p.name === 'name')).to.deep.include({ in: 'path', required: true });
    expect((await jade.put('/v1/queue/members/agent', { paused: true })).body?.error?.message).to.match(/queue_name is required/);

    const history = document.paths['/v1/calls']?.get;
    expect(history?.parameters?.map((p) => p.name)).to.include.members(['since', 'until', 'caller']);
  });

  it('documents a request body for every write that takes one (the body-less ones are listed here)', () => {
    const writes = [...documented(document)].filter((route) => /^(POST|PUT|PATCH) /.test(route));
    expect(writes.length).to.be.greaterThan(60);
    const withoutBody = writes.filter((route) => {
      const [method, path] = route.split(' ') as [string, string];
      return document.paths[path]?.[method.toLowerCase()]?.requestBody === undefined;
    });
    expect(withoutBody.sort(), 'writes with no documented request body').to.deep.equal([...bodyless].sort());
  });

  it('documents the hand-validated bodies with the schemas that now validate them: config files, text/plain, mailboxes, chat messages', async () => {
    const body = (method: string, path: string) => document.paths[path]?.[method]?.requestBody?.content;
    // A whole file as §0 JSON: sections of options.
    expect(body('put', '/v1/queue/setting')?.['application/json']?.schema).to.deep.include({ type: 'object' }).and.have.property('additionalProperties');
    expect(body('post', '/v1/admin/park/cfg_parkinglots')?.['application/json']?.schema.required).to.deep.equal(['name', 'data']);
    expect(body('post', '/v1/pjsip/endpoints')?.['application/json']?.schema.required).to.deep.equal(['name']);
    // The dialplan's text travels as text/plain, or as JSON {data}.
    const dialplan = body('put', '/v1/dialplan/setting');
    expect(dialplan?.['text/plain']?.schema.type).to.equal('string');
    expect(dialplan?.['application/json']?.schema.required).to.deep.equal(['data']);
    expect(body('post', '/v1/voicemail/users')?.['application/json']).to.not.equal(undefined);
    expect(Object.keys(body('put', '/v1/voicemail/users/{id}')?.['application/json']?.schema.properties ?? {})).to.include.members(['password', 'full_name', 'email']);
    expect(body('post', '/v1/me/chats/{uuid}/messages')?.['application/json']?.schema.type).to.equal('object');
    expect(body('post', '/v1/manager/trunks')?.['application/json']?.schema.required).to.deep.equal(['name']);
    // A path parameter with a shape says it, and the route refuses what does not fit it, naming the field.
    const id = document.paths['/v1/voicemail/users/{id}']?.put?.parameters?.find((p) => p.name === 'id');
    expect(id).to.deep.include({ in: 'path', required: true });
    expect(id?.schema?.pattern).to.be.a('string');
    const refused = await jade.put('/v1/voicemail/users/no-at-sign', { full_name: 'x' });
    expect(refused.status).to.equal(400);
    expect(refused.body?.error?.message).to.match(/^id: is <mailbox>@<context>/);
    // The query of a page validated by hand before: its fields are parameters now.
    expect(document.paths['/v1/me/search']?.get?.parameters?.map((p) => `${p.name}:${String(p.required)}`)).to.have.members(['filter:true', 'type:true']);
    expect(document.paths['/v1/agents']?.get?.parameters?.map((p) => p.name)).to.include('id');
    // And the same schema refuses: a setting that is not sections of options, naming the section.
    const bad = await jade.put('/v1/queue/setting', { general: 'not a section' });
    expect(bad.status).to.equal(400);
    expect(bad.body?.error?.message).to.equal('general: a section is an object of keys');
  });

  it('says what each operation needs from the same route table the gate uses', async () => {
    expect(document.paths['/v1/health']?.get?.security).to.deep.equal([]);
    expect(document.paths['/v1/admin/login']?.post?.security).to.deep.equal([]);
    expect(document.paths['/v1/core/channels']?.get?.['x-jade-access']).to.deep.equal(['manager']);
    expect(document.paths['/v1/admin/user/users']?.get?.['x-jade-access']).to.deep.equal(['admin']);
    expect(document.paths['/v1/me/info']?.get?.['x-jade-access']).to.deep.equal(['user']);
    expect(document.paths['/v1/core/channels']?.get?.security).to.have.length(2);
    // And the gate agrees: without a token a documented manager route is 401, the document itself is not.
    expect((await jade.http.get('/v1/core/channels')).status).to.equal(401);
    expect((await jade.http.get('/openapi.json')).status).to.equal(200);
  });

  it('serves the reference page and its assets from this server only (no CDN), under a same-origin policy', async () => {
    const page = await jade.http.get('/v1/docs');
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-type')).to.match(/text\/html/);
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).to.include("default-src 'none'").and.include("script-src 'self'").and.include("connect-src 'self'");
    const urls = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(urls).to.have.length.greaterThan(2);
    for (const url of urls) {
      expect(url, 'a local path').to.match(/^\/v1\/docs\//);
      const asset = await jade.http.get(url);
      expect(asset.status, url).to.equal(200);
    }
    const init = await jade.http.get('/v1/docs/init.js');
    expect(init.text).to.include("url: '/v1/openapi.json'").and.include('validatorUrl: null');
    expect((await jade.http.get('/v1/docs/../package.json')).status).to.not.equal(200);
    expect((await jade.http.get('/v1/docs/package.json')).status).to.equal(404);
  });
});
