/**
 * The Kafka pipeline's ops endpoint: a small node:http server (`--health-port`) for probes and
 * Prometheus. (Moved here from src/pipeline/kafka/ with issue #12: a server is an adapter.)
 *
 *   GET /health/live   200 while live, 503 after an unrecoverable failure
 *   GET /health/ready  200 when ready (see health.ts), 503 otherwise
 *   GET /health        the full report as JSON (always 200)
 *   GET /metrics       Prometheus text (pipeline-metrics.ts), when metrics are given
 *
 * Every health answer carries the JSON report, so a probe's log shows why it failed. No auth:
 * like a kubelet's probes and a Prometheus scrape, it is for the cluster network, not the
 * public one (the query API of `campaigns serve` is where tokens apply).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROMETHEUS_CONTENT_TYPE } from './metrics.ts';

/** What a probe needs of the report; the rest of it is rendered as JSON (the pipeline's HealthReport). */
export interface ProbeReport {
  readonly live: boolean;
  readonly ready: boolean;
}

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

const PATHS = ['/health', '/health/live', '/health/ready'];

export async function startHealthServer(
  report: () => ProbeReport, port: number, host = '0.0.0.0', metrics?: () => string,
): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics' && metrics !== undefined) {
      const body = metrics();
      res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    const r = report();
    const status = path === '/health/live' ? (r.live ? 200 : 503)
      : path === '/health/ready' ? (r.ready ? 200 : 503)
      : path === '/health' || path === '/' ? 200
      : 404;
    const body = status === 404 ? JSON.stringify({ error: 'not found', paths: metrics === undefined ? PATHS : [...PATHS, '/metrics'] }) : JSON.stringify(r);
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
  // Once: a pipeline that fails while starting closes it from two places.
  let closing: Promise<void> | null = null;
  return {
    port: (server.address() as AddressInfo).port,
    close: () => (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    })),
  };
}
