/**
 * A binary min-heap of (weight, edge) pairs over two parallel arrays: a large component's
 * tree-edge weights, whose minimum is the campaign's weakest link (its confidence).
 *
 * Lazy: an edge that left the forest or changed weight stays in the heap until it surfaces, and
 * the owner checks the top against the live graph (`pop` the stale ones). The owner rebuilds the
 * heap when stale entries outnumber live ones, so it stays within a constant factor of the
 * component's tree edges.
 */
export class WeightHeap {
  readonly w: number[] = [];
  readonly e: number[] = [];

  get size(): number {
    return this.w.length;
  }

  get topWeight(): number {
    return this.w[0];
  }

  get topEdge(): number {
    return this.e[0];
  }

  push(weight: number, edge: number): void {
    const w = this.w;
    const e = this.e;
    let i = w.length;
    w.push(weight);
    e.push(edge);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (w[p] <= weight) break;
      w[i] = w[p];
      e[i] = e[p];
      i = p;
    }
    w[i] = weight;
    e[i] = edge;
  }

  pop(): void {
    const w = this.w;
    const e = this.e;
    const lw = w.pop()!;
    const le = e.pop()!;
    const n = w.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && w[r] < w[l] ? r : l;
      if (w[c] >= lw) break;
      w[i] = w[c];
      e[i] = e[c];
      i = c;
    }
    w[i] = lw;
    e[i] = le;
  }
}
