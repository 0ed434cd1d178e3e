/**
 * The value of one series from an app's /metrics (Prometheus text format): the sample named
 * `name` whose labels include `labels`, summed over the matching series; 0 when there is none.
 */
export async function readMetric(opsUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${opsUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => present[k] === v)) sum += Number(match[3]);
  }
  return sum;
}

export interface Statusz {
  service: string;
  ready: boolean;
  dependencies: Record<string, { ok: boolean; detail?: string }>;
}

/** An app's GET /statusz. */
export async function readStatusz(opsUrl: string): Promise<Statusz> {
  return (await (await fetch(`${opsUrl}/statusz`)).json()) as Statusz;
}
