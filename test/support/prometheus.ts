// Scrapes a Prometheus text exposition with a real, independent parser (parse-prometheus-text-
// format, a port of the Prometheus Python client's parser): what the tests read is what a
// Prometheus server would read, not what our own code thinks it wrote.
// @ts-expect-error the package ships no type declarations; its shape is typed below.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export interface ParsedFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string> }[];
}

export function parseExposition(text: string): ParsedFamily[] {
  return (parsePrometheusTextFormat as (t: string) => ParsedFamily[])(text);
}

/** The value of one series (0 when absent); `labels` must match the series' labels exactly. */
export function sample(families: ParsedFamily[], name: string, labels: Record<string, string> = {}): number {
  const f = families.find((x) => x.name === name);
  const want = JSON.stringify(Object.entries(labels).sort());
  const m = f?.metrics.find((x) => JSON.stringify(Object.entries(x.labels ?? {}).sort()) === want);
  return m?.value === undefined ? 0 : Number(m.value);
}
