/**
 * Prometheus metrics (prom-client, a registry per server — no globals): HTTP
 * requests by route and status with a latency histogram, ledger and pool
 * gauges read at scrape time, event-loop lag and the process defaults.
 */
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsSources {
  pendingPayments(): Promise<number>;
  activeMiners(): number;
  hashRate(): number;
  engine(): string;
  blocksSealed(): number;
  rejectedSolutions(): Readonly<Record<string, number>>;
  dbInUse(): number;
}

export interface Metrics {
  readonly registry: Registry;
  readonly sealSeconds: Histogram<'result'>;
}

export function createMetrics(src: MetricsSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'idxchain_process_', eventLoopMonitoringPrecision: 20 });
  new Gauge({
    name: 'idxchain_pending_payments',
    help: 'Payments waiting for a block',
    registers: [registry],
    async collect() {
      try {
        this.set(await src.pendingPayments());
      } catch {
        /* database down: keep the last value */
      }
    },
  });
  new Gauge({ name: 'idxchain_active_miners', help: 'Active user miners in the pool', registers: [registry], collect() { this.set(src.activeMiners()); } });
  new Gauge({
    name: 'idxchain_hash_rate',
    help: 'Measured hashes per second of all miners, by engine',
    labelNames: ['engine'],
    registers: [registry],
    collect() {
      this.reset();
      this.set({ engine: src.engine() }, src.hashRate());
    },
  });
  new Counter({
    name: 'idxchain_blocks_sealed_total',
    help: 'Blocks sealed by this process',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(src.blocksSealed());
    },
  });
  new Counter({
    name: 'idxchain_rejected_solutions_total',
    help: 'Solutions refused, by reason',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(src.rejectedSolutions())) this.inc({ reason }, n);
    },
  });
  new Gauge({ name: 'idxchain_db_connections_in_use', help: 'Database connections in use', registers: [registry], collect() { this.set(src.dbInUse()); } });
  const sealSeconds = new Histogram({
    name: 'idxchain_seal_duration_seconds',
    help: 'Time to validate and commit a block',
    labelNames: ['result'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  return { registry, sealSeconds };
}

export const metricsPlugin = fp<{ metrics: Metrics }>(
  async (app, { metrics }) => {
    const requests = new Histogram({
      name: 'idxchain_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [metrics.registry],
    });
    const total = new Counter({
      name: 'idxchain_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [metrics.registry],
    });
    app.addHook('onResponse', async (req, reply) => {
      const labels = { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
      requests.observe(labels, reply.elapsedTime / 1000);
      total.inc(labels);
    });
    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  },
  { name: 'idx-metrics' },
);
