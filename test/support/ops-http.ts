// A plain HTTP listener on 127.0.0.1 around the operations routes, for tests that scrape them as
// Prometheus or a load balancer would over an in-process core (sessions through an in-process
// gateway). test/e2e/ops-web.test.ts scrapes the product's own HTTPS listener.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { opsHandlerFor, opsRoutes, type OpsRouteOptions } from '../../gateway/index.ts';

export interface OpsHttp {
  url: string;
  get(path: string): Promise<{ status: number; body: string; contentType: string }>;
  close(): Promise<void>;
}

export async function startOpsHttp(o: OpsRouteOptions): Promise<OpsHttp> {
  const routes = opsRoutes(o);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const handler = opsHandlerFor(routes, path);
    if (!handler) {
      res.writeHead(404).end();
      return;
    }
    void handler({ method: req.method ?? 'GET', path, remoteAddress: req.socket.remoteAddress }).then((r) => {
      res.writeHead(r.status, r.headers).end(r.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async get(path) {
      const r = await fetch(url + path);
      return { status: r.status, body: await r.text(), contentType: r.headers.get('content-type') ?? '' };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
