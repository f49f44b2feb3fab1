import type { Router } from '@koa/router';
import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z, type ZodType } from 'zod';
import { routeAccess, type RouteAccess, type RouteRule } from '../../auth/index.js';
import { API_VERSION } from '../envelope.js';
import { routeDocOf, type RouteDoc } from '../route-input.js';

// The generator reads its metadata through `.openapi()` on zod's prototypes; adding it changes no validation.
extendZodWithOpenApi(z);

/** One route as the router serves it: the koa router's stack is the registry of what exists. */
export interface RegisteredRoute {
  /** Upper case, never HEAD (koa's router serves HEAD from GET). */
  readonly method: string;
  /** Unversioned, as declared: `/core/channels/:id`. */
  readonly path: string;
  readonly params: readonly string[];
  /** What the route's `accepts()` declared (route-input.ts), if it declared anything. */
  readonly doc?: RouteDoc<unknown, unknown>;
}

const documentedMethods = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** Every (method, path) the routers serve, first declaration first (the one koa would run). */
export function registeredRoutes(routers: readonly Router[]): RegisteredRoute[] {
  const seen = new Set<string>();
  const routes: RegisteredRoute[] = [];
  for (const router of routers) {
    for (const layer of router.stack) {
      if (typeof layer.path !== 'string') continue;
      const doc = layer.stack.map(routeDocOf).find((found) => found !== undefined);
      for (const method of layer.methods) {
        if (!documentedMethods.has(method)) continue;
        const key = `${method} ${layer.path}`;
        if (seen.has(key)) continue;
        seen.add(key);
        routes.push({ method, path: layer.path, params: layer.paramNames.map((key) => String(key.name)), ...(doc ? { doc } : {}) });
      }
    }
  }
  return routes;
}

/** `/core/channels/:id` → `/v1/core/channels/{id}`: the document describes the `/v1` family only. */
export function openApiPath(path: string): string {
  return `/v1${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
}

function describeAccess(access: RouteAccess): string {
  if (access.kind === 'public') return 'Public: no token.';
  if (access.kind === 'token') return 'Any valid token.';
  const anyOf = access.anyOf.includes('admin') ? access.anyOf : [...access.anyOf, 'admin'];
  return `Token with permission ${anyOf.join(' or ')}.`;
}

/** The manual's envelope around a route's result, and around an error. */
const envelopeFields = { api_ver: z.string(), statuscode: z.number().int(), timestamp: z.string() };
const errorEnvelope = z
  .object({
    ...envelopeFields,
    error: z.object({
      code: z.number().int(),
      message: z.string(),
      details: z.object({ fields: z.array(z.string()).optional() }).passthrough().optional(),
    }),
  })
  .openapi('ErrorEnvelope', { description: 'Every error: 4xx names the offending fields in error.details.fields.' });

const anyResult = z.object({ ...envelopeFields, result: z.unknown().optional() });
const okEnvelope = (result: ZodType | undefined) => (result === undefined ? anyResult : z.object({ ...envelopeFields, result: result.optional() }));

const errorReply = (description: string) => ({ description, content: { 'application/json': { schema: errorEnvelope } } });

function operationId(method: string, path: string): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter((word) => word !== '');
  return [method.toLowerCase(), ...words.map((word) => word[0]!.toUpperCase() + word.slice(1))].join('');
}

/** `/admin/core/channels` → `admin/core`; `/core/channels` → `core`: the reference page groups by these. */
function tagOf(path: string): string {
  const [first = '', second = ''] = path.split('/').filter((segment) => segment !== '');
  return first === 'admin' && second !== '' ? `admin/${second}` : first || 'root';
}

function routeConfig(route: RegisteredRoute, rules: readonly RouteRule[]): RouteConfig {
  const method = route.method.toLowerCase() as RouteConfig['method'];
  const access = routeAccess(rules, route.method, route.path.toLowerCase());
  const doc = route.doc ?? {};
  const paramsShape = Object.fromEntries(route.params.map((name) => [name, z.string()]));
  const request: NonNullable<RouteConfig['request']> = {
    ...(route.params.length > 0 ? { params: (doc.params as z.AnyZodObject | undefined) ?? z.object(paramsShape) } : {}),
    ...(doc.query ? { query: doc.query as z.AnyZodObject } : {}),
    ...(doc.body || doc.text
      ? {
          body: {
            required: false,
            content: {
              ...(doc.body ? { 'application/json': { schema: doc.body } } : {}),
              ...(doc.text ? { 'text/plain': { schema: doc.text } } : {}),
            },
          },
        }
      : {}),
  };
  const responses: RouteConfig['responses'] = {
    200: { description: 'The envelope; `result` when the route answers one.', content: { 'application/json': { schema: okEnvelope(doc.result) } } },
  };
  if (doc.body || doc.text || doc.query || route.params.length > 0 || route.method !== 'GET') responses[400] = errorReply('Bad input, naming the field.');
  if (access.kind !== 'public') responses[401] = errorReply('No token, or an unknown or expired one.');
  if (access.kind === 'permission') responses[403] = errorReply('The token lacks the permission.');
  if (route.params.length > 0) responses[404] = errorReply('No such object.');
  return {
    method,
    path: openApiPath(route.path),
    operationId: operationId(route.method, route.path),
    tags: [tagOf(route.path)],
    ...(doc.summary ? { summary: doc.summary } : {}),
    description: describeAccess(access),
    security: access.kind === 'public' ? [] : [{ bearer: [] }, { authtoken: [] }],
    'x-jade-access': access.kind === 'permission' ? access.anyOf : access.kind,
    request,
    responses,
  } as RouteConfig;
}

export interface OpenApiOptions {
  /** The gate's route table (permissions.ts): each operation says what it needs from the same rules. */
  readonly rules: readonly RouteRule[];
  /** jade's package version. */
  readonly version: string;
}

/** The OpenAPI 3.1 document of `routes`: paths from the routers, schemas from their `accepts()`, access from the gate's table. */
export function openApiDocument(routes: readonly RegisteredRoute[], options: OpenApiOptions): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'The authtoken from a login route.' });
  registry.registerComponent('securitySchemes', 'authtoken', { type: 'apiKey', in: 'query', name: 'authtoken' });
  for (const route of routes) registry.registerPath(routeConfig(route, options.rules));
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'jade',
      version: options.version,
      description:
        `Event-sourced call control for Asterisk. Every path is also served without the \`/v1\` prefix (the manual's URLs); ` +
        `this document lists the \`/v1\` family only. Answers use the manual's envelope (api_ver ${API_VERSION}).`,
    },
    servers: [{ url: '/' }],
  });
}
