/**
 * A binary min-heap of node ids under a caller's total order: a large component's members by
 * uuid, so its smallest member (which orders reconciliation and founds campaigns) is known
 * without walking the component when the previous smallest leaves.
 *
 * Lazy like `WeightHeap`: members that left stay until they surface; the owner checks the top
 * (`pop` the departed) and rebuilds from its member list when departed entries pile up.
 */
export class NodeHeap {
  readonly items: number[] = [];

  constructor(private readonly less: (a: number, b: number) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  get top(): number {
    return this.items[0];
  }

  push(x: number): void {
    const a = this.items;
    let i = a.length;
    a.push(x);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(x, a[p])) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = x;
  }

  pop(): void {
    const a = this.items;
    const last = a.pop()!;
    if (a.length === 0) return;
    a[0] = last;
    this.siftDown(0);
  }

  /** Replaces the content with `xs` (heapified in O(n)). */
  reset(xs: readonly number[]): void {
    const a = this.items;
    a.length = 0;
    for (const x of xs) a.push(x);
    for (let i = (a.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(i: number): void {
    const a = this.items;
    const n = a.length;
    const x = a[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(a[r], a[l]) ? r : l;
      if (!this.less(a[c], x)) break;
      a[i] = a[c];
      i = c;
    }
    a[i] = x;
  }
}
