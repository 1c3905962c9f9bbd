/**
 * One /metrics view over the processes of `serve --workers N`. Whatever worker is asked calls
 * the primary, which collects every worker's registry as JSON (and its own: the request-log
 * writer's gauges live there) and merges them with prom-client's aggregator: counters and
 * histograms are summed, gauges summed unless the metric says otherwise (breaker state: max).
 * A worker that exits during a scrape is left out of that scrape rather than failing it.
 */
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { IpcPeer } from '../util/ipc-peer.js';

type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** The worker's side: answers the primary's collection, and asks it for the aggregate. */
export function shareWorkerMetrics(primary: IpcPeer, registry: Registry): void {
  primary.handle('metrics.collect', () => registry.getMetricsAsJSON());
}

export function aggregateViaPrimary(primary: IpcPeer): () => Promise<string> {
  return async () => (await primary.call('metrics.aggregate')) as string;
}

/** The primary's side: every live worker's metrics and its own, merged. */
export async function aggregateMetrics(workers: Iterable<IpcPeer>, own: Registry): Promise<string> {
  const parts = await Promise.allSettled([own.getMetricsAsJSON(), ...[...workers].map((w) => w.call('metrics.collect'))]);
  const collected = parts.flatMap((p) => (p.status === 'fulfilled' ? [p.value as MetricsJson] : []));
  return AggregatorRegistry.aggregate(collected).metrics();
}
