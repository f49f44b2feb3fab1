import { Router } from '@koa/router';
import type { Context } from 'koa';
import { expect } from 'chai';
import { z } from 'zod';
import { routeTable } from '../../../src/auth/index.js';
import { openApiDocument, openApiPath, registeredRoutes } from '../../../src/http/openapi/document.js';
import { accepts } from '../../../src/http/route-input.js';
import { InvalidInputError } from '../../../src/validation.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Runs a route's `accepts()` middleware on a request with this query and JSON body. */
async function run(input: ReturnType<typeof accepts>, query: Record<string, string>, body?: Record<string, unknown>): Promise<unknown> {
  const ctx = { query, state: { body } } as unknown as Context;
  try {
    await input(ctx, async () => undefined);
    return undefined;
  } catch (error) {
    return error;
  }
}

function documentOf(router: Router): Json {
  return openApiDocument(registeredRoutes([router]), { rules: routeTable, version: 'test' }) as Json;
}

describe('OpenAPI document (src/http/openapi/document.ts) from accepts() (src/http/route-input.ts)', () => {
  it('turns a koa path into the /v1 OpenAPI path', () => {
    expect(openApiPath('/core/channels/:id')).to.equal('/v1/core/channels/{id}');
    expect(openApiPath('/admin/park/cfg_parkinglots/:name')).to.equal('/v1/admin/park/cfg_parkinglots/{name}');
  });

  it('describes and validates with one schema: adding a required field changes the document and the 400 alike', async () => {
    const before = accepts({ body: z.object({ channel: z.string() }) });
    const after = accepts({ body: z.object({ channel: z.string(), context: z.string() }) });
    const router = (input: typeof before) => {
      const r = new Router();
      r.post('/core/channels', input, (ctx) => (ctx.body = input.body(ctx)));
      return r;
    };
    const schemaOf = (doc: Json) => doc.paths['/v1/core/channels'].post.requestBody.content['application/json'].schema;
    expect(schemaOf(documentOf(router(before))).required).to.deep.equal(['channel']);
    expect(schemaOf(documentOf(router(after))).required).to.deep.equal(['channel', 'context']);
    expect(await run(before, {}, { channel: 'PJSIP/1' })).to.equal(undefined);
    const refused = await run(after, {}, { channel: 'PJSIP/1' });
    expect(refused).to.be.instanceOf(InvalidInputError);
    expect((refused as InvalidInputError).fields).to.deep.equal(['context']);
  });

  it('validates the query before the body and hands the handler the parsed values', async () => {
    const input = accepts({ query: z.object({ queue_name: z.string().min(1) }), body: z.object({ paused: z.boolean() }) });
    const refused = await run(input, {}, {});
    expect((refused as InvalidInputError).fields).to.deep.equal(['queue_name']);
    const ctx = { query: { queue_name: 'sales' }, state: { body: { paused: true } } } as unknown as Context;
    await input(ctx, async () => {
      expect(input.query(ctx)).to.deep.equal({ queue_name: 'sales' });
      expect(input.body(ctx)).to.deep.equal({ paused: true });
    });
    expect(() => input.body({ query: {}, state: {} } as unknown as Context), 'outside its route').to.throw(/did not validate/);
  });

  it('documents path parameters, the result shape, and access from the route table', () => {
    const r = new Router();
    r.get('/queue/members/:name', accepts({ summary: 'A member', query: z.object({ queue_name: z.string() }), result: z.object({ id: z.string() }) }), () => undefined);
    r.get('/ping', () => undefined);
    const doc = documentOf(r);
    const member = doc.paths['/v1/queue/members/{name}'].get;
    expect(member.summary).to.equal('A member');
    expect(member.parameters.map((p: Json) => `${p.in}:${p.name}:${String(p.required)}`)).to.have.members(['path:name:true', 'query:queue_name:true']);
    expect(member.responses['200'].content['application/json'].schema.properties.result.properties.id.type).to.equal('string');
    expect(member['x-jade-access']).to.deep.equal(['manager']);
    expect(Object.keys(member.responses)).to.include.members(['400', '401', '403', '404']);
    expect(doc.paths['/v1/ping'].get.security).to.deep.equal([]);
    expect(Object.keys(doc.paths['/v1/ping'].get.responses)).to.deep.equal(['200']);
  });

  it('takes a text/plain body instead of the JSON one when one was sent, and documents both media types', async () => {
    const input = accepts({ text: z.string().min(1), body: z.object({ data: z.string() }) });
    const asText = { query: {}, state: { text: '[ctx]\nexten => 1,1,NoOp()' } } as unknown as Context;
    await input(asText, async () => {
      expect(input.text(asText)).to.equal('[ctx]\nexten => 1,1,NoOp()');
      expect(input.body(asText)).to.equal(undefined);
    });
    expect(((await run(input, {}, {})) as InvalidInputError).fields).to.deep.equal(['data']);
    const emptyText = { query: {}, state: { text: '' } } as unknown as Context;
    expect(await input(emptyText, async () => undefined).catch((error: unknown) => error)).to.be.instanceOf(InvalidInputError);
    const r = new Router();
    r.put('/dialplan/setting', input, () => undefined);
    const content = documentOf(r).paths['/v1/dialplan/setting'].put.requestBody.content;
    expect(Object.keys(content)).to.have.members(['application/json', 'text/plain']);
    expect(content['text/plain'].schema.type).to.equal('string');
  });

  it('validates path parameters with their schema before the query, and documents their constraints', async () => {
    const input = accepts({ params: z.object({ id: z.string().regex(/^.+@[^@]+$/, 'is <mailbox>@<context>') }), query: z.object({ q: z.string() }) });
    const refused = await input({ params: { id: 'no-at' }, query: {}, state: {} } as unknown as Context, async () => undefined).catch((error: unknown) => error);
    expect((refused as InvalidInputError).message).to.equal('id: is <mailbox>@<context>');
    const ctx = { params: { id: '6001@vm' }, query: { q: 'x' }, state: {} } as unknown as Context;
    await input(ctx, async () => expect(input.params(ctx)).to.deep.equal({ id: '6001@vm' }));
    const r = new Router();
    r.put('/voicemail/users/:id', input, () => undefined);
    r.get('/voicemail/users/:other', () => undefined);
    const doc = documentOf(r);
    const id = doc.paths['/v1/voicemail/users/{id}'].put.parameters.find((p: Json) => p.name === 'id');
    expect(id).to.deep.include({ in: 'path', required: true });
    expect(id.schema.pattern).to.equal('^.+@[^@]+$');
    expect(doc.paths['/v1/voicemail/users/{other}'].get.parameters[0].schema).to.deep.equal({ type: 'string' });
  });
});
