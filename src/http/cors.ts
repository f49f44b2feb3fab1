import type { Context, Next } from 'koa';

/** The manual's upstream sends these on every reply and answers OPTIONS with 200, for browser dashboards. */
export async function cors(ctx: Context, next: Next): Promise<void> {
  ctx.set('Access-Control-Allow-Origin', '*');
  ctx.set('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE');
  ctx.set('Access-Control-Allow-Headers', 'x-requested-with, content-type, accept, origin, authorization');
  ctx.set('Access-Control-Max-Age', '86400');
  if (ctx.method === 'OPTIONS') {
    ctx.status = 200;
    ctx.body = '';
    return;
  }
  await next();
}
