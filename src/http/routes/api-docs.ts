import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { NotFoundError } from '../../events/errors.js';
import type { RouteRule } from '../../auth/permissions.js';
import { API_VERSION } from '../envelope.js';
import { openApiDocument, type RegisteredRoute } from '../openapi/document.js';

export interface ApiDocsDeps {
  /** Every route of the app, this router's included; read once, on the first request. */
  readonly routes: () => readonly RegisteredRoute[];
  readonly rules: readonly RouteRule[];
}

/** swagger-ui-dist's own folder in node_modules: the reference page is served from it, never from a CDN. */
const swaggerUiDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The files of swagger-ui-dist the page loads, by the name it is served under. */
const assets: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

/** Our start script: a file rather than inline, so the page's policy can refuse every inline script. */
const initScript = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/v1/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: false,
    // The default would send the document to validator.swagger.io: nothing leaves the box.
    validatorUrl: null,
  });
});
`;

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>jade API reference</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/v1/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/v1/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/v1/docs/swagger-ui-bundle.js"></script>
  <script src="/v1/docs/init.js"></script>
</body>
</html>
`;

/**
 * What the browser may load on the reference page: only from this server. Swagger UI sets inline styles
 * (hence `style-src 'unsafe-inline'`); scripts, requests, images and fonts are same-origin only.
 */
const contentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * `GET /openapi.json` (the OpenAPI 3.1 document, built from the routers and their `accepts()` schemas) and
 * `GET /docs` (Swagger UI over it). Both are public like `/health`: they describe the API every jade serves,
 * from the source, and no data of this install; a client generator or a newcomer reads them before logging in.
 */
export function apiDocsRoutes(deps: ApiDocsDeps): Router {
  const router = new Router();
  let document: string | undefined;

  router.get('/openapi.json', (ctx) => {
    document ??= JSON.stringify(openApiDocument(deps.routes(), { rules: deps.rules, version: API_VERSION }));
    ctx.type = 'application/json';
    ctx.body = document;
  });
  const servePage = (ctx: Context): void => {
    ctx.set('Content-Security-Policy', contentSecurityPolicy);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = page;
  };
  router.get('/docs', servePage);
  router.get('/docs/:file', (ctx) => {
    const file = String(ctx.params.file ?? '');
    ctx.set('Content-Security-Policy', contentSecurityPolicy);
    if (file === 'index.html') return servePage(ctx);
    if (file === 'init.js') {
      ctx.type = 'application/javascript; charset=utf-8';
      ctx.body = initScript;
      return;
    }
    const type = assets[file];
    // Only the listed names: the parameter never becomes a path of its own.
    if (type === undefined) throw new NotFoundError({ kind: 'file', id: file });
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.type = type;
    ctx.body = createReadStream(join(swaggerUiDir, file));
  });
  return router;
}
