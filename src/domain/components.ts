/**
 * The edge graph and its connected components, maintained incrementally.
 *
 * Adding an edge merges two components (smaller into larger). Removing edges or nodes can only
 * split the components they were in, so those are marked suspect and re-walked locally after
 * all removals of a batch and before its additions. Singletons carry no component object, which
 * keeps the common case (most identities alone) cheap.
 */
import type { EdgeScore } from './edges.ts';

export interface Component {
  readonly id: number;
  readonly members: Set<string>;
}

export class ComponentGraph {
  private readonly adj = new Map<string, Map<string, EdgeScore>>();
  private readonly compOf = new Map<string, Component>();
  private nextId = 1;
  private readonly suspects = new Set<Component>();
  edgeCount = 0;

  neighbours(u: string): ReadonlyMap<string, EdgeScore> | undefined {
    return this.adj.get(u);
  }

  edge(a: string, b: string): EdgeScore | undefined {
    return this.adj.get(a)?.get(b);
  }

  componentOf(u: string): Component | undefined {
    return this.compOf.get(u);
  }

  /** Members of u's component (u alone for a singleton). */
  membersOf(u: string): readonly string[] {
    const c = this.compOf.get(u);
    return c ? [...c.members] : [u];
  }

  /** Drops every edge of u; its component becomes suspect. */
  detach(u: string): void {
    const ns = this.adj.get(u);
    if (!ns) return;
    for (const v of ns.keys()) {
      const m = this.adj.get(v)!;
      m.delete(u);
      if (m.size === 0) this.adj.delete(v);
      this.edgeCount--;
    }
    this.adj.delete(u);
    const c = this.compOf.get(u);
    if (c) this.suspects.add(c);
  }

  /** Removes a node entirely (after `detach`). */
  removeNode(u: string): void {
    this.detach(u);
    const c = this.compOf.get(u);
    if (c) {
      c.members.delete(u);
      this.compOf.delete(u);
      this.suspects.add(c);
    }
  }

  /**
   * Re-walks every suspect component over the current edges and returns the components (of
   * size ≥ 2) it produced, plus the nodes that became singletons.
   */
  splitSuspects(): { touched: string[] } {
    const touched: string[] = [];
    for (const c of this.suspects) {
      const left = new Set(c.members);
      for (const u of c.members) this.compOf.delete(u);
      for (const start of left) {
        if (!left.has(start)) continue;
        left.delete(start);
        const members = new Set<string>([start]);
        const stack = [start];
        while (stack.length) {
          const u = stack.pop()!;
          const ns = this.adj.get(u);
          if (!ns) continue;
          for (const v of ns.keys()) {
            if (left.has(v)) {
              left.delete(v);
              members.add(v);
              stack.push(v);
            }
          }
        }
        if (members.size > 1) {
          const comp: Component = { id: this.nextId++, members };
          for (const u of members) this.compOf.set(u, comp);
        }
        for (const u of members) touched.push(u);
      }
    }
    this.suspects.clear();
    return { touched };
  }

  addEdge(a: string, b: string, score: EdgeScore): void {
    let ma = this.adj.get(a);
    if (!ma) this.adj.set(a, (ma = new Map()));
    let mb = this.adj.get(b);
    if (!mb) this.adj.set(b, (mb = new Map()));
    if (!ma.has(b)) this.edgeCount++;
    ma.set(b, score);
    mb.set(a, score);
    const ca = this.compOf.get(a);
    const cb = this.compOf.get(b);
    if (ca && ca === cb) return;
    if (!ca && !cb) {
      const comp: Component = { id: this.nextId++, members: new Set([a, b]) };
      this.compOf.set(a, comp);
      this.compOf.set(b, comp);
    } else if (!ca || !cb) {
      const comp = (ca ?? cb)!;
      const lone = ca ? b : a;
      comp.members.add(lone);
      this.compOf.set(lone, comp);
    } else {
      const [big, small] = ca.members.size >= cb.members.size ? [ca, cb] : [cb, ca];
      for (const u of small.members) {
        big.members.add(u);
        this.compOf.set(u, big);
      }
    }
  }

  /** All edges inside a member set, each once, a < b, sorted. */
  edgesWithin(members: Iterable<string>): Array<{ a: string; b: string; score: EdgeScore }> {
    const set = members instanceof Set ? (members as Set<string>) : new Set(members);
    const out: Array<{ a: string; b: string; score: EdgeScore }> = [];
    for (const u of set) {
      const ns = this.adj.get(u);
      if (!ns) continue;
      for (const [v, score] of ns) if (u < v && set.has(v)) out.push({ a: u, b: v, score });
    }
    out.sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : x.b > y.b ? 1 : 0));
    return out;
  }
}
