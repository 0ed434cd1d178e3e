import { collectDefaultMetrics, Registry } from 'prom-client';

/** Every app's metrics: prom-client's process metrics plus the app's own (ARCHITECTURE.md "Metrics"). */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
