import { Router } from '@koa/router';

export interface MetricsRouteDeps {
  /** The Prometheus exposition text (src/metrics). */
  render(): Promise<{ readonly contentType: string; readonly text: string }>;
}

/** `GET /metrics` on the API port: admin only (the route table); `metrics.listen` serves it without a token elsewhere. */
export function metricsRoutes(deps: MetricsRouteDeps): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    const { contentType, text } = await deps.render();
    ctx.type = contentType;
    ctx.body = text;
  });
  return router;
}
