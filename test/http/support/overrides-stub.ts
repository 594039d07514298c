/**
 * A test-only stand-in for `POST /api/v1/overrides`, for the explorer's e2e test on a branch
 * whose `serve` does not have that route yet (another change adds it, with an overrides sink).
 * It answers the page's POST inside the browser (playwright's `page.route`), as the route is
 * specified: `202 {event_id, time}` for an accepted override, `401` without the bearer token,
 * `403 writes_disabled` when writes are off. It records what the page sent, and gives each
 * accepted override as the NDJSON line the route appends to its sink (the body plus `event_id`
 * and `time`), so a test can run it into the store with `campaigns run` and watch the page
 * show its outcome: the round trip the real route makes through the pipeline.
 *
 * Once `serve` has the route, the e2e test starts it with its sink and drops this stub.
 */
import type { Page, Route } from 'playwright-core';

export interface ReceivedOverride {
  readonly authorization: string | null;
  readonly body: Record<string, unknown>;
  /** Set when accepted. */
  readonly accepted: { readonly event_id: string; readonly time: string } | null;
}

export class OverridesStub {
  /** `accept`: 202 with the token; `writes_disabled`: 403 as a server without a sink answers. */
  mode: 'accept' | 'writes_disabled' = 'accept';
  readonly received: ReceivedOverride[] = [];
  private accepted = 0;

  constructor(public token: string) {}

  async install(page: Page): Promise<void> {
    await page.route('**/api/v1/overrides', (route) => this.answer(route));
  }

  /** The accepted override as a line of an overrides file (docs/SCHEMAS.md). */
  line(r: ReceivedOverride): string {
    if (r.accepted === null) throw new Error('not accepted');
    return JSON.stringify({ ...r.body, event_id: r.accepted.event_id, time: r.accepted.time });
  }

  last(): ReceivedOverride {
    const r = this.received.at(-1);
    if (r === undefined) throw new Error('no override received');
    return r;
  }

  private async answer(route: Route): Promise<void> {
    const req = route.request();
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      route.fulfill({ status, contentType: 'application/json; charset=utf-8', headers, body: JSON.stringify(body) });
    if (req.method() !== 'POST') return reply(405, { error: 'method_not_allowed', detail: 'POST only' }, { Allow: 'POST' });
    const authorization = (await req.allHeaders()).authorization ?? null;
    const body = req.postDataJSON() as Record<string, unknown>;
    if (this.mode === 'writes_disabled') {
      this.received.push({ authorization, body, accepted: null });
      return reply(403, { error: 'writes_disabled', detail: 'this server has no overrides sink' });
    }
    if (authorization !== `Bearer ${this.token}`) {
      this.received.push({ authorization, body, accepted: null });
      return reply(401, { error: 'unauthorized', detail: 'a bearer token is required' }, { 'WWW-Authenticate': 'Bearer' });
    }
    this.accepted++;
    const accepted = { event_id: `ov-e2e-${this.accepted}`, time: `2026-01-12T00:00:${String(this.accepted).padStart(2, '0')}Z` };
    this.received.push({ authorization, body, accepted });
    return reply(202, accepted);
  }
}
