/**
 * A link-cut forest (Sleator–Tarjan) over the graph's vertices and tree edges, answering "the
 * weakest edge on the tree path a … b" in amortized O(log n). The spanning forest of the
 * component graph lives here; which edges are in it is the graph's decision.
 *
 * Vertex v is node 2v; a tree edge takes node 2k + 1 for a free slot k, so a path alternates
 * vertex and edge nodes and the path minimum is over edge nodes only. Edges are totally ordered
 * by weight, ties broken by the caller (`weakerOnTie`, the graph's uuid-pair order), so "the
 * weakest edge" is unique and the forest never depends on the order operations arrived in.
 *
 * Storage is flat: per node four ints (left, right, parent, weakest edge node below) in one
 * Int32Array, a weight and a flip bit per node.
 */
import { growF64, growI32, growU8 } from './columns.ts';

export class LinkCutForest {
  /** per node x: T[4x] left child, T[4x+1] right child, T[4x+2] parent, T[4x+3] weakest edge node below (-1 none) */
  private T = new Int32Array(0);
  /** weight of an edge node */
  private lw = new Float64Array(0);
  private flip = new Uint8Array(0);
  /** the graph's edge id held by an edge node, -1 when free */
  private lctEdge = new Int32Array(0);
  private stack = new Int32Array(0);
  private readonly freeSlots: number[] = [];
  private slotHigh = 0;
  private capacity = 0;

  /** @param weakerOnTie edge x comes after edge y in the total order (called only on equal weights) */
  constructor(private readonly weakerOnTie: (x: number, y: number) => boolean) {}

  /** Makes room for vertices (and as many edge slots) below `n`. */
  ensure(n: number): void {
    if (n <= this.capacity) return;
    this.T = growI32(this.T, 8 * n, -1);
    this.capacity = this.T.length >> 3;
    this.lw = growF64(this.lw, 2 * this.capacity);
    this.flip = growU8(this.flip, 2 * this.capacity);
    this.lctEdge = growI32(this.lctEdge, 2 * this.capacity, -1);
    this.stack = growI32(this.stack, 2 * this.capacity);
  }

  /** Links vertices a and b by tree edge `edge` of weight w; returns the edge's node. */
  link(edge: number, a: number, b: number, w: number): number {
    const k = this.freeSlots.pop() ?? this.slotHigh++;
    const n = 2 * k + 1;
    if (k >= this.capacity) this.ensure(k + 1);
    const T = this.T;
    T[4 * n] = -1;
    T[4 * n + 1] = -1;
    T[4 * n + 2] = -1;
    T[4 * n + 3] = n;
    this.flip[n] = 0;
    this.lctEdge[n] = edge;
    this.lw[n] = w;
    this.linkNodes(2 * a, n);
    this.linkNodes(n, 2 * b);
    return n;
  }

  /** Cuts the tree edge held by node n between vertices a and b. */
  cut(n: number, a: number, b: number): void {
    this.cutNodes(2 * a, n);
    this.cutNodes(n, 2 * b);
    this.lctEdge[n] = -1;
    this.freeSlots.push(n >> 1);
  }

  /** A tree edge got stronger: it stays in the forest, the path minima it takes part in are refreshed. */
  strengthen(n: number, w: number): void {
    this.splay(n);
    this.lw[n] = w;
    this.pull(n);
  }

  /** The weakest tree edge on the path a … b (same tree), -1 if none. */
  pathWeakest(a: number, b: number): number {
    this.makeRoot(2 * a);
    this.access(2 * b);
    const n = this.T[4 * (2 * b) + 3];
    return n < 0 ? -1 : this.lctEdge[n];
  }

  /** Edge node x is weaker than edge node y. */
  private weakerNode(x: number, y: number): boolean {
    const wx = this.lw[x];
    const wy = this.lw[y];
    if (wx !== wy) return wx < wy;
    return this.weakerOnTie(this.lctEdge[x], this.lctEdge[y]);
  }

  private isRoot(x: number): boolean {
    const T = this.T;
    const p = T[4 * x + 2];
    return p < 0 || (T[4 * p] !== x && T[4 * p + 1] !== x);
  }

  private pushDown(x: number): void {
    const flip = this.flip;
    if (!flip[x]) return;
    const T = this.T;
    const l = T[4 * x];
    const r = T[4 * x + 1];
    T[4 * x] = r;
    T[4 * x + 1] = l;
    if (l >= 0) flip[l] ^= 1;
    if (r >= 0) flip[r] ^= 1;
    flip[x] = 0;
  }

  private pull(x: number): void {
    const T = this.T;
    let b = x & 1 ? x : -1;
    const l = T[4 * x];
    const r = T[4 * x + 1];
    if (l >= 0) {
      const bl = T[4 * l + 3];
      if (bl >= 0 && (b < 0 || this.weakerNode(bl, b))) b = bl;
    }
    if (r >= 0) {
      const br = T[4 * r + 3];
      if (br >= 0 && (b < 0 || this.weakerNode(br, b))) b = br;
    }
    T[4 * x + 3] = b;
  }

  private rotate(x: number): void {
    const T = this.T;
    const p = T[4 * x + 2];
    const g = T[4 * p + 2];
    const pRoot = g < 0 || (T[4 * g] !== p && T[4 * g + 1] !== p);
    if (T[4 * p] === x) {
      const m = T[4 * x + 1];
      T[4 * p] = m;
      if (m >= 0) T[4 * m + 2] = p;
      T[4 * x + 1] = p;
    } else {
      const m = T[4 * x];
      T[4 * p + 1] = m;
      if (m >= 0) T[4 * m + 2] = p;
      T[4 * x] = p;
    }
    T[4 * p + 2] = x;
    T[4 * x + 2] = g;
    if (!pRoot) {
      if (T[4 * g] === p) T[4 * g] = x;
      else T[4 * g + 1] = x;
    }
    this.pull(p);
    this.pull(x);
  }

  private splay(x: number): void {
    const T = this.T;
    let n = 0;
    const st = this.stack;
    st[n++] = x;
    for (let y = x; !this.isRoot(y); y = T[4 * y + 2]) st[n++] = T[4 * y + 2];
    while (n) this.pushDown(st[--n]);
    while (!this.isRoot(x)) {
      const p = T[4 * x + 2];
      if (!this.isRoot(p)) {
        const g = T[4 * p + 2];
        if ((T[4 * g] === p) === (T[4 * p] === x)) this.rotate(p);
        else this.rotate(x);
      }
      this.rotate(x);
    }
  }

  private access(x: number): void {
    const T = this.T;
    let last = -1;
    for (let y = x; y >= 0; y = T[4 * y + 2]) {
      this.splay(y);
      T[4 * y + 1] = last;
      this.pull(y);
      last = y;
    }
    this.splay(x);
  }

  private makeRoot(x: number): void {
    this.access(x);
    this.flip[x] ^= 1;
  }

  private linkNodes(x: number, y: number): void {
    this.makeRoot(x);
    this.T[4 * x + 2] = y;
  }

  private cutNodes(x: number, y: number): void {
    this.makeRoot(x);
    this.access(y);
    // The path is x – y: x is y's left child in y's splay tree.
    const T = this.T;
    T[4 * y] = -1;
    T[4 * x + 2] = -1;
    this.pull(y);
  }
}
