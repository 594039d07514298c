/**
 * A tiny path router. Paths are matched segment by segment, and at every segment a literal
 * beats a parameter whatever the registration order: `/campaigns/events` can never be taken
 * for the campaign `events` (REFERENCE §8 notes the reference registers `{uuid}` first, which a
 * first-match router would get wrong).
 *
 * Segments are split on the raw `/` before percent-decoding, so an id containing an encoded
 * slash (`a%2Fb`) stays one parameter. Malformed percent-encoding is a 400, not a 500.
 */
import { badParameter } from './errors.ts';

export type Params = Readonly<Record<string, string>>;

interface Node<H> {
  readonly literal: Map<string, Node<H>>;
  param: { readonly name: string; readonly node: Node<H> } | null;
  handler: H | null;
}

const node = <H>(): Node<H> => ({ literal: new Map(), param: null, handler: null });

export interface Match<H> {
  readonly handler: H;
  readonly params: Params;
  /** The pattern that matched: a low-cardinality label for metrics. */
  readonly route: string;
}

export class Router<H> {
  private readonly root: Node<H> = node();
  private readonly patterns = new Map<H, string>();

  /** `pattern` like `/api/v1/campaigns/:uuid/evidence`. */
  add(pattern: string, handler: H): this {
    let n = this.root;
    for (const seg of pattern.split('/').slice(1)) {
      if (seg.startsWith(':')) {
        const name = seg.slice(1);
        if (n.param !== null && n.param.name !== name) {
          throw new Error(`route ${pattern}: parameter :${name} conflicts with :${n.param.name}`);
        }
        n.param ??= { name, node: node() };
        n = n.param.node;
      } else {
        let next = n.literal.get(seg);
        if (next === undefined) n.literal.set(seg, (next = node()));
        n = next;
      }
    }
    if (n.handler !== null) throw new Error(`route ${pattern} registered twice`);
    n.handler = handler;
    this.patterns.set(handler, pattern);
    return this;
  }

  match(pathname: string): Match<H> | null {
    const raw = pathname.split('/').slice(1);
    const params: Record<string, string> = {};
    const found = this.walk(this.root, raw, 0, params);
    return found === null ? null : { handler: found, params, route: this.patterns.get(found)! };
  }

  private walk(n: Node<H>, segs: readonly string[], i: number, params: Record<string, string>): H | null {
    if (i === segs.length) return n.handler;
    const lit = n.literal.get(segs[i]);
    if (lit !== undefined) {
      const h = this.walk(lit, segs, i + 1, params);
      if (h !== null) return h;
    }
    if (n.param !== null && segs[i] !== '') {
      const h = this.walk(n.param.node, segs, i + 1, params);
      if (h !== null) {
        params[n.param.name] = decodeSegment(segs[i], n.param.name);
        return h;
      }
    }
    return null;
  }
}

function decodeSegment(seg: string, name: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    throw badParameter(name, `${name} is not valid percent-encoded UTF-8`);
  }
}
