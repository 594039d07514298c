/**
 * How genuine and coincidental handoffs compare on a fleet scenario's final state: every pair
 * with a raw handoff (REFERENCE §3.1 under the foothold rule), labelled genuine when both
 * identities belong to one true crew, with the counts the handoff base rate of default@2 reads
 * (c = max(OUT phases before the incoming one, IN phases after the outgoing one, 24 h each way)).
 * The evidence behind "Limits, measured" in docs/CLUSTERING.md.
 *
 * Usage: node --max-old-space-size=16384 --import tsx bench/handoff-base-rates.ts [scenario.yaml]
 */
import { simulateFixture } from '../src/sim/scenario.ts';
import { createEngine } from '../src/domain/engine.ts';
import type { Features } from '../src/domain/features.ts';
import { HANDOFF_IN, HANDOFF_OUT } from '../src/domain/phases.ts';
import { DEFAULT_V2_PROFILE } from '../src/domain/profile.ts';

const scenario = process.argv[2] ?? new URL('../scenarios/fleet_10k.yaml', import.meta.url).pathname;
const W = DEFAULT_V2_PROFILE.handoffWindowSeconds;
const sim = simulateFixture(scenario, 0);
const truthOf = new Map<string, string>();
for (const [, l] of sim.emitted.truth) truthOf.set(l.identity_uuid, l.truth_campaign);

// The final features (they do not depend on the profile).
const engine = createEngine({ profile: DEFAULT_V2_PROFILE });
const events = [...sim.emitted.events];
for (let i = 0; i < events.length; i += 2000) {
  engine.applyBatch(events.slice(i, i + 2000).map((event, j) => ({ position: `${i + j}`, event })), { from: `${i}`, to: `${i + 2000}` });
}
const nodes: Features[] = [...engine.features.values()];

// Per decky: OUT last-phase times and IN first-phase times (foothold consumers only), sorted.
const outs = new Map<string, number[]>();
const ins = new Map<string, number[]>();
const outBy = new Map<string, Array<[number, Features]>>();
const push = <T>(m: Map<string, T[]>, k: string, v: T) => (m.get(k) ?? m.set(k, []).get(k)!).push(v);
for (const f of nodes) {
  for (const [d, m] of f.last) if (HANDOFF_OUT.has(m.phase)) { push(outs, d, m.t); push(outBy, d, [m.t, f]); }
  if (!f.selfAccess) for (const [d, m] of f.first) if (HANDOFF_IN.has(m.phase)) push(ins, d, m.t);
}
for (const l of [...outs.values(), ...ins.values()]) l.sort((a, b) => a - b);
for (const l of outBy.values()) l.sort((a, b) => a[0] - b[0]);
const lower = (l: number[], v: number, strict: boolean) => {
  let lo = 0;
  let hi = l.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (strict ? l[mid] <= v : l[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};
const count = (m: Map<string, number[]>, d: string, a: number, b: number) => {
  const l = m.get(d) ?? [];
  return lower(l, b, true) - lower(l, a, false);
};

const hist = { genuine: new Map<number, number>(), coincidental: new Map<number, number>() };
for (const inn of nodes) {
  if (inn.selfAccess) continue;
  for (const [d, i] of inn.first) {
    if (!HANDOFF_IN.has(i.phase)) continue;
    for (const [t, out] of outBy.get(d) ?? []) {
      if (t < i.t - W || t > i.t || out === inn) continue;
      const c = Math.max(count(outs, d, i.t - W, i.t), count(ins, d, t, t + W));
      const h = truthOf.get(out.uuid) === truthOf.get(inn.uuid) ? hist.genuine : hist.coincidental;
      const bucket = Math.min(c, 10);
      h.set(bucket, (h.get(bucket) ?? 0) + 1);
    }
  }
}
const row = (m: Map<number, number>) => Object.fromEntries([...m.entries()].sort((a, b) => a[0] - b[0]).map(([c, n]) => [c === 10 ? '10+' : String(c), n]));
const total = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);
console.log(JSON.stringify({
  scenario: sim.fixture, identities: nodes.length,
  genuine_handoff_pairs: total(hist.genuine), coincidental_handoff_pairs: total(hist.coincidental),
  genuine_by_counterparts: row(hist.genuine), coincidental_by_counterparts: row(hist.coincidental),
}));
