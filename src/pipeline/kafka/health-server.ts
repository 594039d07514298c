/**
 * The health endpoint: a small node:http server (`--health-port`).
 *
 *   GET /health/live   200 while live, 503 after an unrecoverable failure
 *   GET /health/ready  200 when ready (see health.ts), 503 otherwise
 *   GET /health        the full report as JSON (always 200)
 *
 * Every answer carries the JSON report, so a probe's log shows why it failed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthReport } from './health.ts';

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startHealthServer(report: () => HealthReport, port: number, host = '0.0.0.0'): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const r = report();
    const path = (req.url ?? '/').split('?')[0];
    const status = path === '/health/live' ? (r.live ? 200 : 503)
      : path === '/health/ready' ? (r.ready ? 200 : 503)
      : path === '/health' || path === '/' ? 200
      : 404;
    const body = status === 404 ? JSON.stringify({ error: 'not found', paths: ['/health', '/health/live', '/health/ready'] }) : JSON.stringify(r);
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(body + '\n');
  });
  // Probes must not keep a stopping process alive.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
