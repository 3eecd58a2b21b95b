// Percentiles of a benchmark's samples, as bench/vault's reports print them.

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface SampleStats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

export function stats(samples: number[]): SampleStats {
  const s = [...samples].sort((a, b) => a - b);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    n: s.length,
    p50: r3(percentile(s, 50)),
    p95: r3(percentile(s, 95)),
    p99: r3(percentile(s, 99)),
    mean: r3(s.reduce((a, b) => a + b, 0) / (s.length || 1)),
    max: r3(s[s.length - 1] ?? NaN),
  };
}
