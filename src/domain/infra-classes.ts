/**
 * Identities grouped by their exact shared-infrastructure set, each group with a hub: its member
 * with the smallest uuid.
 *
 * Why: under a profile where identical infrastructure alone reaches the threshold (the reference
 * weights: S = 1 is worth 1.0), the holders of one set (a botnet on one C2) are a clique: k
 * holders, k²/2 edges, and every new holder would be offered to the spanning forest k times.
 * Most of those edges weigh exactly the floor w_S (nothing but the shared set), and such an edge
 * x–y between two non-hub members can never be in the maximum spanning forest: the hub h is
 * joined to both by edges of weight ≥ w_S that come first in Kruskal's tie order ((h, ·) sorts
 * before (x, y) because h is the smallest), so x–y is the strictly weakest edge of the triangle,
 * and any cut it crosses is crossed by a stronger hub edge too. The engine therefore stores no
 * floor edge between two non-hub members, and always stores every hub edge; when a class's hub
 * changes, the new hub is re-scored so its edges exist. The forest, and every event, is exactly
 * what the full clique would give.
 */
import { NodeHeap } from './node-heap.ts';

export class InfraClass {
  size = 0;
  /** smallest member, -1 when empty */
  hub = -1;
  /** members by uuid once the class has two; lazy (departed members surface and are popped) */
  heap: NodeHeap | null = null;
  touched = false;
  constructor(readonly key: string) {}
}

export class InfraClasses {
  private readonly byKey = new Map<string, InfraClass>();
  private readonly nodeClass: Array<InfraClass | undefined> = [];
  private touchedList: InfraClass[] = [];

  constructor(private readonly less: (a: number, b: number) => boolean) {}

  classOf(u: number): InfraClass | undefined {
    return this.nodeClass[u];
  }

  /** u's shared-infrastructure set is now `infra` (undefined or empty: u holds none, or left). */
  set(u: number, infra: readonly string[] | undefined): void {
    const key = infra && infra.length ? infra.join('\n') : null;
    const old = this.nodeClass[u];
    if (old && old.key === key) return;
    if (old) {
      old.size--;
      this.nodeClass[u] = undefined;
      this.touch(old);
    }
    if (key === null) return;
    let cls = this.byKey.get(key);
    if (!cls) {
      cls = new InfraClass(key);
      this.byKey.set(key, cls);
    }
    while (this.nodeClass.length < u) this.nodeClass.push(undefined);
    this.nodeClass[u] = cls;
    cls.size++;
    if (cls.heap) cls.heap.push(u);
    else if (cls.hub >= 0 && cls.hub !== u) {
      cls.heap = new NodeHeap(this.less);
      cls.heap.reset([cls.hub, u]);
    }
    if (cls.size === 1) cls.hub = u;
    this.touch(cls);
  }

  /**
   * Brings every class touched since the last call up to date and returns the members that
   * became the hub of a class of two or more (their hub edges must be scored).
   */
  settle(): number[] {
    const out: number[] = [];
    for (const cls of this.touchedList) {
      cls.touched = false;
      if (cls.size === 0) {
        if (this.byKey.get(cls.key) === cls) this.byKey.delete(cls.key);
        cls.hub = -1;
        cls.heap = null;
        continue;
      }
      const before = cls.hub;
      const h = cls.heap;
      if (h) {
        while (this.nodeClass[h.top] !== cls) h.pop();
        // departed members pile up; rebuild from the live ones now and then (amortized O(log n))
        if (h.size > 4 * cls.size + 16) h.reset(h.items.filter((x) => this.nodeClass[x] === cls));
        cls.hub = h.top;
        if (cls.size === 1) cls.heap = null;
      } else if (this.nodeClass[cls.hub] !== cls) {
        throw new Error('infra class lost its only member');
      }
      if (cls.hub !== before && cls.size >= 2) out.push(cls.hub);
    }
    this.touchedList = [];
    return out;
  }

  private touch(cls: InfraClass): void {
    if (cls.touched) return;
    cls.touched = true;
    this.touchedList.push(cls);
  }
}
