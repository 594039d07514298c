/**
 * A small metrics registry (counters, gauges, histograms) rendered in the Prometheus text
 * exposition format 0.0.4. No dependency: the serve process and the pipeline process register
 * into the same kind of registry, and `/metrics` renders whatever is registered.
 *
 * Values are plain numbers. Label values come from our own code (route names, event types,
 * consumer names), but they are escaped anyway: one stray quote or newline would make
 * Prometheus reject the whole scrape, not just one series.
 */

export type LabelValues = Readonly<Record<string, string>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const escapeHelp = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

abstract class Family {
  /** Series by their canonical label key, in first-use order (stable output). */
  protected readonly series = new Map<string, { labels: LabelValues }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith('__') || l === 'le') {
        throw new Error(`invalid label name ${JSON.stringify(l)} for ${name}`);
      }
    }
  }

  abstract readonly type: 'counter' | 'gauge' | 'histogram';

  /**
   * The canonical key of a label set. A missing or unexpected label is a programming error:
   * throwing here finds it in the first test instead of producing an unaggregatable series.
   */
  protected key(labels: LabelValues): string {
    const names = Object.keys(labels);
    if (names.length !== this.labelNames.length || names.some((n) => !this.labelNames.includes(n))) {
      throw new Error(`${this.name} takes labels [${this.labelNames.join(', ')}], got [${names.join(', ')}]`);
    }
    return this.labelNames.map((n) => labels[n]).join('\u0000');
  }

  protected labelText(labels: LabelValues, extra?: readonly [string, string]): string {
    const parts = this.labelNames.map((n) => `${n}="${escapeLabel(labels[n])}"`);
    if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
    return parts.length === 0 ? '' : `{${parts.join(',')}}`;
  }

  protected abstract samples(): string[];

  render(): string {
    return [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`, ...this.samples()].join('\n');
  }
}

export class Counter extends Family {
  readonly type = 'counter';
  private readonly values = new Map<string, number>();

  inc(labels: LabelValues = {}, by = 1): void {
    if (!(by >= 0)) throw new Error(`${this.name}: a counter only goes up (got ${by})`);
    const k = this.key(labels);
    if (!this.series.has(k)) this.series.set(k, { labels });
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }

  /**
   * Mirror a total kept elsewhere (a count read from the store). It may go down when that
   * store is rebuilt; Prometheus reads a decrease as a counter reset, which is what it is.
   */
  setTotal(labels: LabelValues, total: number): void {
    const k = this.key(labels);
    if (!this.series.has(k)) this.series.set(k, { labels });
    this.values.set(k, total);
  }

  get(labels: LabelValues = {}): number {
    return this.values.get(this.key(labels)) ?? 0;
  }

  protected samples(): string[] {
    return [...this.series].map(([k, s]) => `${this.name}${this.labelText(s.labels)} ${formatValue(this.values.get(k)!)}`);
  }
}

export class Gauge extends Family {
  readonly type = 'gauge';
  private readonly values = new Map<string, number>();

  set(labels: LabelValues, value: number): void {
    const k = this.key(labels);
    if (!this.series.has(k)) this.series.set(k, { labels });
    this.values.set(k, value);
  }

  inc(labels: LabelValues = {}, by = 1): void {
    this.set(labels, this.get(labels) + by);
  }

  dec(labels: LabelValues = {}, by = 1): void {
    this.set(labels, this.get(labels) - by);
  }

  /** Drops every series: for gauges rebuilt on each scrape whose label sets come and go. */
  clear(): void {
    this.series.clear();
    this.values.clear();
  }

  get(labels: LabelValues = {}): number {
    return this.values.get(this.key(labels)) ?? 0;
  }

  protected samples(): string[] {
    return [...this.series].map(([k, s]) => `${this.name}${this.labelText(s.labels)} ${formatValue(this.values.get(k)!)}`);
  }
}

interface HistogramSeries {
  /** Non-cumulative counts per bucket; the last slot is +Inf. */
  readonly counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Family {
  readonly type = 'histogram';
  readonly buckets: readonly number[];
  private readonly data = new Map<string, HistogramSeries>();

  constructor(name: string, help: string, buckets: readonly number[], labelNames: readonly string[]) {
    super(name, help, labelNames);
    const sorted = [...buckets].filter((b) => b !== Infinity);
    for (let i = 1; i < sorted.length; i++) {
      if (!(sorted[i] > sorted[i - 1])) throw new Error(`${name}: buckets must be strictly increasing`);
    }
    if (sorted.length === 0 || sorted.some((b) => !Number.isFinite(b))) throw new Error(`${name}: needs finite buckets`);
    this.buckets = sorted;
  }

  observe(labels: LabelValues, value: number): void {
    const k = this.key(labels);
    let s = this.data.get(k);
    if (s === undefined) {
      s = { counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
      this.data.set(k, s);
      this.series.set(k, { labels });
    }
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]) i++;
    s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  /** Count and sum of one series (tests, summaries). */
  snapshot(labels: LabelValues = {}): { count: number; sum: number } {
    const s = this.data.get(this.key(labels));
    return { count: s?.count ?? 0, sum: s?.sum ?? 0 };
  }

  protected samples(): string[] {
    const out: string[] = [];
    for (const [k, { labels }] of this.series) {
      const s = this.data.get(k)!;
      let cumulative = 0;
      this.buckets.forEach((b, i) => {
        cumulative += s.counts[i];
        out.push(`${this.name}_bucket${this.labelText(labels, ['le', formatValue(b)])} ${cumulative}`);
      });
      out.push(`${this.name}_bucket${this.labelText(labels, ['le', '+Inf'])} ${s.count}`);
      out.push(`${this.name}_sum${this.labelText(labels)} ${formatValue(s.sum)}`);
      out.push(`${this.name}_count${this.labelText(labels)} ${s.count}`);
    }
    return out;
  }
}

export class MetricsRegistry {
  private readonly families = new Map<string, Family>();
  private readonly collectors: Array<() => void> = [];

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.add(new Gauge(name, help, labelNames));
  }

  histogram(name: string, help: string, buckets: readonly number[], labelNames: readonly string[] = []): Histogram {
    return this.add(new Histogram(name, help, buckets, labelNames));
  }

  /** Runs before every render: for gauges that are cheaper to read on scrape than to track. */
  onCollect(fn: () => void): void {
    this.collectors.push(fn);
  }

  /** The exposition text; families in registration order, ending with a newline. */
  render(): string {
    for (const fn of this.collectors) fn();
    return [...this.families.values()].map((f) => f.render()).join('\n') + '\n';
  }

  private add<F extends Family>(f: F): F {
    // Two modules registering one name would emit it twice, which Prometheus rejects.
    if (this.families.has(f.name)) throw new Error(`metric ${f.name} is already registered`);
    this.families.set(f.name, f);
    return f;
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
