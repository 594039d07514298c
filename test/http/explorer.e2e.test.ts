/**
 * The explorer page in headless Chromium (Debian's `chromium`, driven by playwright-core with
 * `executablePath`; nothing is downloaded at run time). It opens the list (largest campaigns
 * first, singletons hidden), searches, follows a campaign, sees its graph, sees a live merge
 * arrive, travels back before the merge and forward again (slider, address, reload), sends
 * overrides from the page and sees them come back through `campaigns run` (a label, a split),
 * and pages a campaign of 60 identities and 59 merged-in campaigns. Every attacker-controlled
 * string in the data, and the label an analyst types, is hostile markup: the test fails if any
 * of it runs (a dialog) or becomes an element.
 *
 * Overrides: the first suite answers the page's POSTs with a test-only stand-in
 * (support/overrides-stub.ts), to drive every answer the route can give (202, 401 with a rotated
 * token, 403 writes_disabled) from one server; the last suite goes through the real route
 * (`serve --overrides-file`). Either way the test then runs the written override into the store
 * with the real `campaigns run`, as the pipeline would, and the page shows the result from the log.
 *
 * The picture in the docs is scripts/screenshot.mjs's, over a fleet scenario, not this page.
 *
 * Needs /usr/bin/chromium (or $CHROMIUM_PATH). Without it the test is skipped locally and
 * fails under CI=true, so CI cannot pass without running it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { OverrideFile } from '../../src/adapters/file/override-file.ts';
import type { IdentityEvent } from '../../src/domain/identity-events.ts';
import { OverridesStub } from './support/overrides-stub.ts';
import { A_C2, A_PAYLOAD, B_PAYLOAD, HOSTILE, HOSTILE_DECKY, IDS, observed, toLines } from './support/scenario.ts';
import { serveScenario, type Served } from './support/served-scenario.ts';

/**
 * The callbacks given to page.evaluate/waitForFunction run in the page, where `document` exists;
 * the project compiles without the DOM library, so this file declares the little it touches.
 */
interface PageNode {
  getAttribute(name: string): string | null;
  readonly textContent: string | null;
}
declare const document: {
  querySelector(selector: string): PageNode | null;
  querySelectorAll(selector: string): ArrayLike<PageNode> & Iterable<PageNode>;
  readonly body: { readonly dataset: Record<string, string | undefined> };
};
declare const location: { readonly hash: string };

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const skip = !haveChromium && process.env.CI !== 'true' ? `no Chromium at ${CHROMIUM} (apt-get install -y chromium)` : false;

/** The label an analyst types: hostile too, since the page shows it like any other value. */
const LABEL = `Kettle ${HOSTILE.img}`;
const TOKEN = 'e2e-token';

/** A campaign grown from 60 singletons: each first alone, then all sharing a hub C2 and payload. */
const GIANT = 60;
const T_GIANT = 1_768_203_200;
const giantIds = Array.from({ length: GIANT }, (_, i) => `giant-${String(i).padStart(3, '0')}`);
const lines = (events: IdentityEvent[]): string[] => toLines(events).trim().split('\n');
const giantAlone = () => lines(giantIds.map((id, i) => observed(id, 1, T_GIANT + i * 60, {
  c2_endpoints: [`c2-${id}.example`], sessions: [{ start: T_GIANT + i * 60, end: T_GIANT + i * 60 + 30, decky: `decky-g${i % 5}` }],
})));
const giantTogether = () => lines(giantIds.map((id, i) => observed(id, 2, T_GIANT + 10_000 + i * 60, {
  c2_endpoints: [`c2-${id}.example`, 'hub.example'], payload_hashes: ['hub-payload'],
  sessions: [{ start: T_GIANT + 10_000 + i * 60, end: T_GIANT + 10_000 + i * 60 + 30, decky: `decky-g${i % 5}` }],
})));

describe('campaign explorer page (headless Chromium)', { skip }, () => {
  let s: Served;
  let browser: Browser;
  let page: Page;
  let stub: OverridesStub;
  /** Campaign A (a1, a2), which B merges into; the batch end before the merge. */
  let campaignA = '';
  let beforeMerge = 0;
  const dialogs: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    if (!haveChromium) throw new Error(`CI needs Chromium at ${CHROMIUM}: apt-get install -y chromium`);
    s = await serveScenario({ pollMs: 50 });
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start. The browser
    // only ever loads our own page from 127.0.0.1.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    stub = new OverridesStub(TOKEN);
    await stub.install(page);
  });

  after(async () => {
    await browser?.close();
    await s?.close();
  });

  const api = async <T>(path: string): Promise<T> => (await (await fetch(`${s.base}/api/v1${path}`)).json()) as T;

  /** Nothing hostile ran or became markup: no dialog, no foreign element or handler attribute. */
  async function assertInert(): Promise<void> {
    assert.deepEqual(dialogs, [], 'no alert() fired');
    const dom = await page.evaluate(() => ({
      imgs: document.querySelectorAll('img').length,
      scripts: [...document.querySelectorAll('script')].map((x) => x.getAttribute('src')),
      handlers: document.querySelectorAll('[onerror],[onload],[onclick]').length,
      svgs: document.querySelectorAll('svg svg').length,
      bold: document.querySelectorAll('main b').length,
    }));
    assert.deepEqual(dom, { imgs: 0, scripts: ['/app.js'], handlers: 0, svgs: 0, bold: 0 });
    assert.deepEqual(pageErrors, []);
  }

  const rowCount = () => page.locator('#campaigns tbody tr').count();
  const waitMembers = (n: number, timeout = 10_000) =>
    page.waitForFunction((want) => document.body.dataset.members === want, String(n), { timeout });

  it('opens on the largest campaigns without singletons, then every campaign in other orders; hostile values are text', async () => {
    const all = await api<{ total: number; data: Array<{ uuid: string; identity_count: number }> }>('/campaigns?limit=1000&sort=identity_count');
    const multi = all.data.filter((c) => c.identity_count >= 2);
    await page.goto(s.base + '/');
    await page.locator('#campaigns tbody tr').first().waitFor();
    assert.equal(await rowCount(), multi.length);
    assert.ok(multi.length < all.total, 'the scenario has singletons');
    const sizes = await page.locator('#campaigns tbody tr td:nth-child(2)').evaluateAll((tds) => tds.map((td) => Number(td.textContent)));
    assert.ok(sizes.every((v, i) => v >= 2 && (i === 0 || sizes[i - 1] >= v)), `largest first: ${sizes.join(' ')}`);
    assert.match((await page.locator('#list-status').textContent())!, new RegExp(`of ${multi.length} campaigns with 2 or more identities .* ${all.total - multi.length} singleton and empty campaigns hidden`));
    assert.equal(await page.locator('[data-preset="largest"]').getAttribute('aria-pressed'), 'true');
    assert.ok(await page.locator('#campaigns td', { hasText: A_C2 }).count() >= 1, 'the <script> C2 endpoint shows as text');

    await page.uncheck('#hide-singletons');
    await page.waitForFunction((n) => document.querySelectorAll('#campaigns tbody tr').length === n, all.total);
    await page.check('#hide-singletons');
    await page.waitForFunction((n) => document.querySelectorAll('#campaigns tbody tr').length === n, multi.length);

    await page.click('[data-preset="active"]');
    await page.waitForFunction(() => document.querySelector('th[aria-sort="descending"] button[data-sort="last_seen_at"]') !== null);
    await page.waitForFunction((n) => document.querySelectorAll('#campaigns tbody tr').length === n, all.total);
    assert.equal(await page.locator('#hide-singletons').isDisabled(), true, 'singletons are hidden in the size order only');
    await page.click('[data-preset="largest"]');
    await page.waitForFunction((n) => document.querySelectorAll('#campaigns tbody tr').length === n, multi.length);
    await assertInert();
  });

  it('searches by a hostile C2 endpoint and follows the campaign to its graph, timeline, events and pages', async () => {
    await page.fill('#search', A_C2);
    await page.waitForFunction(() => document.querySelectorAll('#campaigns tbody tr').length === 1);
    await page.locator('#campaigns tbody tr a').first().click();
    await page.waitForFunction(() => document.body.dataset.loaded !== undefined && document.querySelector('#graph') !== null);
    campaignA = (await page.evaluate(() => document.body.dataset.loaded))!;
    assert.equal(await page.locator('#campaign-uuid').textContent(), campaignA);
    assert.equal(await page.locator('#graph .node').count(), 2);
    assert.deepEqual(
      (await page.locator('#graph .node').evaluateAll((ns) => ns.map((n) => n.getAttribute('data-id')))).sort(),
      [IDS.a1, IDS.a2].sort(),
    );
    assert.equal(await page.locator('#graph line.edge[data-family="shared_infra"]').count(), 1);
    assert.equal(await page.locator('#values-c2 li').first().textContent(), A_C2);
    assert.equal(await page.locator('#values-payloads li').first().textContent(), A_PAYLOAD);
    assert.equal(await page.locator('#values-deckies li').first().textContent(), HOSTILE_DECKY);
    assert.equal(await page.locator('#history tr[data-type="campaign.formed"]').count(), 1);
    assert.equal(await page.locator('#timeline').count(), 1);
    assert.ok((await page.locator('#identities').textContent())!.includes(HOSTILE.img));
    assert.equal(await page.locator('[data-fact="identities"] dd').textContent(), '2');
    assert.equal(await page.locator('[data-fact="merged"] dd').textContent(), '0');
    assert.equal(await page.locator('#campaign-label').textContent(), 'No label.');
    assert.equal(await page.locator('#edges tbody tr').count(), 1);
    assert.equal(await page.locator('[data-range="members"]').textContent(), '1–2 of 2 identities');
    await assertInert();
  });

  it('shows a live merge arriving from the stream while the campaign is open', async () => {
    assert.equal(await page.locator('#live').getAttribute('data-state'), 'live');
    beforeMerge = Number(await page.evaluate(() => document.body.dataset.sequence));
    await s.scenario.appendBridge();
    await page.locator('#banner[data-kind="merge"]').waitFor({ timeout: 10_000 });
    assert.match((await page.locator('#banner').textContent())!, /merged into this campaign/);
    await page.waitForFunction(() => document.body.dataset.members === '5' && document.querySelectorAll('#graph .node').length === 5);
    assert.ok(Number(await page.evaluate(() => document.body.dataset.sequence)) > beforeMerge);
    assert.ok(await page.locator('#graph line.edge[data-family="keystroke"]').count() >= 1, 'the bridge edge, coloured by its family');
    assert.equal(await page.locator('#history tr[data-type="campaign.merged"]').count(), 1);
    assert.equal(await page.locator('#values-payloads li', { hasText: B_PAYLOAD }).count(), 1);
    assert.equal(await page.locator('[data-fact="merged"] dd').textContent(), '1');
    assert.equal(await page.locator('#merged tbody tr').count(), 1);
    await assertInert();
  });

  it('opens a hostile identity from the graph', async () => {
    const node = page.locator('#graph .node').first();
    const id = (await node.getAttribute('data-id'))!;
    await node.click();
    await page.waitForFunction(() => document.body.dataset.view === 'identity' && document.querySelector('#identity-uuid') !== null);
    assert.equal(await page.locator('#identity-uuid').textContent(), id);
    await page.goto(`${s.base}/#/identities/${encodeURIComponent(IDS.a1)}`);
    await page.waitForFunction((a1) => document.querySelector('#identity-uuid')?.textContent === a1, IDS.a1);
    // Its engine features, from the store's snapshot: the hostile decky arrives as text.
    await page.waitForSelector('#engine-features #values-identity-deckies li');
    assert.equal(await page.locator('#values-identity-deckies li').first().textContent(), HOSTILE_DECKY);
    assert.equal(await page.locator('#values-identity-payloads li', { hasText: A_PAYLOAD }).count(), 1);
    await assertInert();
  });

  it('travels back to the batch before the merge, keeps it in the address and across a reload, and comes back to now', async () => {
    const positions = await api<{ data: Array<{ sequence: number; time: string }> }>('/log/positions');
    const stop = positions.data.find((p) => p.sequence === beforeMerge)!;
    assert.ok(stop !== undefined, `${beforeMerge} is a batch end`);
    await page.goto(`${s.base}/#/campaigns/${campaignA}`);
    await waitMembers(5);

    await page.click('#as-of-earlier');
    await page.waitForFunction((seq) => location.hash.endsWith(`?as_of=${seq}`), beforeMerge);
    await waitMembers(2);
    await page.waitForFunction(() => document.querySelector('#timebar')?.getAttribute('data-state') === 'past');
    const label = (await page.locator('#as-of-label').textContent())!;
    assert.ok(label.includes(`sequence ${beforeMerge}`) && label.includes(stop.time.replace('T', ' ')), label);
    assert.equal(await page.locator('[data-fact="merged"] dd').textContent(), '0');
    assert.equal(await page.locator('#history tr[data-type="campaign.merged"]').count(), 0);
    assert.equal(await page.locator('#action-label').count(), 0, 'no overrides in the past');

    // A link shows the same past: a fresh load of the address.
    const url = page.url();
    await page.goto('about:blank');
    await page.goto(url);
    await waitMembers(2);
    assert.equal(await page.locator('#campaign-uuid').textContent(), campaignA);

    // The list in that past: B is still its own campaign.
    await page.locator('main a', { hasText: '← all campaigns' }).click();
    await page.waitForFunction((seq) => location.hash === `#/?as_of=${seq}`, beforeMerge);
    await page.fill('#search', '');
    const now = await api<{ data: Array<{ uuid: string }> }>('/campaigns?limit=1000');
    const past = await api<{ data: Array<{ uuid: string }> }>(`/campaigns?limit=1000&as_of=${beforeMerge}`);
    const gone = past.data.map((c) => c.uuid).filter((u) => !now.data.some((c) => c.uuid === u));
    assert.equal(gone.length, 1, 'B, live before the merge');
    await page.locator(`#campaigns tbody tr[data-uuid="${gone[0]}"]`).waitFor();

    // A time in the address, or typed in the box, goes to the batch end it selects.
    await page.goto(`${s.base}/#/campaigns/${campaignA}?as_of=${encodeURIComponent(stop.time)}`);
    await page.waitForFunction((seq) => location.hash.endsWith(`?as_of=${seq}`), beforeMerge);
    await waitMembers(2);
    await page.click('#as-of-now');
    await waitMembers(5);
    await page.fill('#as-of-input', String(beforeMerge + 1));
    await page.press('#as-of-input', 'Enter');
    await page.waitForFunction((seq) => location.hash.endsWith(`?as_of=${seq}`), beforeMerge);
    await waitMembers(2);

    // Then the slider's right end, by keyboard: now.
    await page.focus('#as-of-range');
    await page.keyboard.press('End');
    await page.waitForFunction(() => !location.hash.includes('as_of'));
    await waitMembers(5);
    assert.equal(await page.locator('#timebar').getAttribute('data-state'), 'live');
    await assertInert();
  });

  it('labels the campaign from the page, and shows the label once the next run has read it', async () => {
    await page.click('#action-label');
    await page.locator('#override-dialog[data-kind="analyst.label"]').waitFor();
    assert.equal(await page.locator('#override-token').isVisible(), true, 'the token is asked: this tab has none');
    await page.fill('#ov-name', LABEL);
    await page.fill('#ov-tags', 'apt, ssh, apt');
    await page.fill('#ov-author', 'kim');
    await page.fill('#ov-reason', 'same crew as last spring');
    await page.fill('#ov-token', TOKEN);
    await page.click('#override-send');
    await page.locator('#override-result [data-outcome="accepted"]').waitFor();
    assert.match((await page.locator('#override-result').textContent())!, /takes effect when the pipeline or the next run reads it/);
    const sent = stub.last();
    assert.equal(sent.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(sent.body, {
      type: 'analyst.label', campaign_uuid: campaignA, name: LABEL, tags: ['apt', 'ssh'], notes: null, author: 'kim', reason: 'same crew as last spring',
    });
    await page.click('#override-close');

    await s.scenario.appendLines('overrides-1.ndjson', [stub.line(sent)]);
    await page.locator('#banner[data-kind="label"]').waitFor({ timeout: 10_000 });
    await page.waitForFunction((name) => document.querySelector('#campaign-label .label-name')?.textContent === name, LABEL);
    assert.deepEqual(await page.locator('#campaign-label .label-tag').allTextContents(), ['apt', 'ssh']);
    assert.equal(await page.locator('#history tr[data-type="campaign.labelled"]').count(), 1);
    assert.equal(await page.locator('#action-revoke-label').count(), 1);

    await page.locator('main a', { hasText: '← all campaigns' }).click();
    await page.locator(`#campaigns tbody tr[data-uuid="${campaignA}"] .label-name`).waitFor();
    assert.equal(await page.locator(`#campaigns tbody tr[data-uuid="${campaignA}"] .label-name`).textContent(), LABEL);
    await assertInert();
  });

  it('splits a member off: says when writes are disabled, sends the cannot-link, and the next run splits the campaign', async () => {
    await page.goto(`${s.base}/#/campaigns/${campaignA}`);
    await waitMembers(5);
    stub.mode = 'writes_disabled';
    await page.locator(`#identities tr[data-id="${IDS.a1.replace(/"/g, '\\"')}"] button[data-action="split"]`).click();
    await page.locator('#override-dialog[data-kind="analyst.cannot_link"]').waitFor();
    assert.equal(await page.locator('#override-token').isVisible(), false, 'the token was asked once');
    assert.equal(await page.locator('#ov-author').inputValue(), 'kim', 'the author is remembered');
    await page.fill('#ov-other', IDS.b1);
    await page.fill('#ov-reason', 'different tooling');
    await page.click('#override-send');
    await page.locator('#override-result [data-outcome="writes_disabled"]').waitFor();
    assert.match((await page.locator('#override-result').textContent())!, /Writes are disabled on this server: this server has no overrides sink/);

    stub.mode = 'accept';
    await page.click('#override-send');
    await page.locator('#override-result [data-outcome="accepted"]').waitFor();
    const sent = stub.last();
    assert.deepEqual(sent.body, { type: 'analyst.cannot_link', identity_uuids: [IDS.a1, IDS.b1], author: 'kim', reason: 'different tooling' });
    await page.click('#override-close');

    await s.scenario.appendLines('overrides-2.ndjson', [stub.line(sent)]);
    await page.waitForFunction(() => Number(document.body.dataset.members) < 5, undefined, { timeout: 10_000 });
    const members = await page.locator('#identities tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')));
    assert.ok(!(members.includes(IDS.a1) && members.includes(IDS.b1)), `a1 and b1 apart: ${members.join(' ')}`);
    await assertInert();
  });

  it('asks for the token again when the server refuses it; must-link and revoke send their bodies', async () => {
    stub.token = 'rotated';
    await page.locator('#identities tbody tr button[data-action="pin"]').first().click();
    await page.locator('#override-dialog[data-kind="analyst.pin"]').waitFor();
    await page.fill('#ov-reason', 'one operator');
    await page.click('#override-send');
    await page.locator('#override-result [data-outcome="unauthorized"]').waitFor();
    assert.equal(await page.locator('#override-token').isVisible(), true);
    await page.fill('#ov-token', 'rotated');
    await page.click('#override-send');
    await page.locator('#override-result [data-outcome="accepted"]').waitFor();
    assert.equal(stub.last().authorization, 'Bearer rotated');
    assert.equal(stub.last().body.type, 'analyst.pin');
    await page.click('#override-close');

    // The page's other overrides send their own bodies: must-link two identities, revoke the label.
    await page.click('#action-must-link');
    await page.fill('#ov-a', IDS.a2);
    await page.fill('#ov-b', IDS.b2);
    await page.fill('#ov-reason', 'one keyboard');
    await page.click('#override-send');
    await page.locator('#override-result [data-outcome="accepted"]').waitFor();
    assert.deepEqual(stub.last().body, { type: 'analyst.must_link', identity_uuids: [IDS.a2, IDS.b2], author: 'kim', reason: 'one keyboard' });
    await page.click('#override-close');
    await page.click('#action-revoke-label');
    await page.fill('#ov-reason', 'wrong crew');
    await page.click('#override-send');
    await page.locator('#override-result [data-outcome="accepted"]').waitFor();
    assert.deepEqual(stub.last().body, { type: 'analyst.revoke', override_event_id: 'ov-e2e-1', author: 'kim', reason: 'wrong crew' });
    await page.keyboard.press('Escape');
    await page.locator('#override-dialog').waitFor({ state: 'detached' });
    await assertInert();
  });

  it('pages a campaign of 60 identities and 59 merged-in campaigns, never more than a page of rows', async () => {
    await s.scenario.appendLines('giant-1.ndjson', giantAlone());
    await s.scenario.appendLines('giant-2.ndjson', giantTogether());
    await s.caughtUp();
    await page.goto(`${s.base}/#/`);
    await page.waitForFunction((n) => document.querySelector('#campaigns tbody tr td:nth-child(2)')?.textContent === n, String(GIANT));
    await page.locator('#campaigns tbody tr a').first().click();
    await waitMembers(GIANT);
    assert.equal(await page.locator('[data-fact="identities"] dd').textContent(), '60');
    assert.equal(await page.locator('[data-fact="merged"] dd').textContent(), '59');
    assert.equal(await page.locator('#graph .node').count(), GIANT);

    const rows = (table: string) => page.locator(`${table} tbody tr`).count();
    const range = (name: string) => page.locator(`[data-range="${name}"]`).textContent();
    const next = (name: string) => page.click(`[data-pager="${name}"] [data-page="next"]`);
    const previous = (name: string) => page.click(`[data-pager="${name}"] [data-page="previous"]`);

    assert.equal(await rows('#identities'), 50);
    assert.equal(await range('members'), '1–50 of 60 identities');
    await next('members');
    await page.waitForFunction(() => document.querySelector('[data-range="members"]')?.textContent === '51–60 of 60 identities');
    assert.equal(await rows('#identities'), 10);
    assert.equal(await page.locator('[data-pager="members"] [data-page="next"]').isDisabled(), true);
    await previous('members');
    await page.waitForFunction(() => document.querySelector('[data-range="members"]')?.textContent === '1–50 of 60 identities');

    assert.equal(await rows('#merged'), 50);
    assert.equal(await range('merged'), '1–50 of 59 campaigns');
    await next('merged');
    await page.waitForFunction(() => document.querySelector('[data-range="merged"]')?.textContent === '51–59 of 59 campaigns');
    assert.equal(await rows('#merged'), 9);

    const events = Number(await page.locator('[data-fact="events"] dd').textContent());
    assert.ok(events > 50, `${events} events`);
    assert.equal(await rows('#history'), 50);
    await next('events');
    await page.waitForFunction((total) => document.querySelector('[data-range="events"]')?.textContent === `51–${Math.min(100, total)} of ${total} events`, events);
    assert.equal(await rows('#history'), Math.min(50, events - 50));

    const edges = Number(await page.locator('[data-fact="edges"] dd').textContent());
    assert.ok(edges >= GIANT - 1, `${edges} edges`);
    assert.equal(await rows('#edges'), 50);
    await next('edges');
    assert.equal(await rows('#edges'), Math.min(50, edges - 50));
    await assertInert();
  });
});

describe('campaign explorer page: an override through the real route (headless Chromium)', { skip }, () => {
  let s: Served;
  let browser: Browser;
  let root: string;
  const overridesFile = () => path.join(root, 'overrides.ndjson');

  before(async () => {
    if (!haveChromium) throw new Error(`CI needs Chromium at ${CHROMIUM}: apt-get install -y chromium`);
    root = mkdtempSync(path.join(tmpdir(), 'cs-e2e-overrides-'));
    s = await serveScenario({ pollMs: 50, token: TOKEN, overrides: new OverrideFile(overridesFile()) });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
    await s?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('POSTs a label to serve --overrides-file, and shows it once a run has read the file', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const [largest] = ((await (await fetch(`${s.base}/api/v1/campaigns?limit=1&sort=identity_count&order=desc`, { headers: auth })).json()) as { data: Array<{ uuid: string }> }).data;
    // A server with a token wants it for reads too: this tab has it, as after the header's form.
    await page.goto(`${s.base}/`);
    await page.evaluate((t) => (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem('campaigns.token', t), TOKEN);
    await page.goto(`${s.base}/#/campaigns/${largest.uuid}`);
    await page.click('#action-label');
    await page.locator('#override-dialog[data-kind="analyst.label"]').waitFor();
    await page.fill('#ov-name', 'Kettle');
    await page.fill('#ov-author', 'kim');
    await page.fill('#ov-reason', 'one crew');
    await page.click('#override-send');
    await page.locator('#override-result [data-outcome="accepted"]').waitFor();
    await page.click('#override-close');

    const written = readFileSync(overridesFile(), 'utf8').trim().split('\n');
    assert.equal(written.length, 1, 'the server appended one line');
    const line = JSON.parse(written[0]) as Record<string, unknown>;
    assert.equal(line.type, 'analyst.label');
    assert.equal(line.campaign_uuid, largest.uuid);
    assert.equal(typeof line.event_id, 'string', 'the server stamped the event id');

    await s.scenario.appendLines('overrides.ndjson', written);
    // The live stream's update of an open page is the first suite's; here: the server has read
    // the run, and the page, opened again, shows the label the route took.
    await s.caughtUp(30_000);
    await page.reload();
    await page.waitForFunction(() => document.querySelector('#campaign-label .label-name')?.textContent === 'Kettle', undefined, { timeout: 30_000 });
    await page.close();
  });
});
