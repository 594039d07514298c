/**
 * The explorer over a store of three clustering domains (support/domain-scenario.ts), in
 * headless Chromium like explorer.e2e.test.ts: the domain selector appears, lists every domain,
 * and switching to one shows that domain's campaigns, campaign and live stream; every request the
 * page makes names the domain. The single-domain page (no selector, requests as before) is
 * explorer.e2e.test.ts's.
 *
 * Needs /usr/bin/chromium (or $CHROMIUM_PATH): skipped without it locally, failed under CI=true.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startHttpServer, type RunningServer } from '../../src/adapters/http/server.ts';
import { openDomainForReading, openStoreForReading, storedDomains } from '../../src/cli/store-dir.ts';
import { buildDomainStore, lines, renamed, type DomainStore } from './support/domain-scenario.ts';
import { hostileEvents } from './support/scenario.ts';

/** The little of the DOM the page callbacks touch (the project compiles without the DOM library). */
interface PageNode {
  readonly textContent: string | null;
}
declare const document: {
  querySelectorAll(selector: string): ArrayLike<PageNode> & Iterable<PageNode>;
  readonly body: { readonly dataset: Record<string, string | undefined> };
};

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const skip = !haveChromium && process.env.CI !== 'true' ? `no Chromium at ${CHROMIUM} (apt-get install -y chromium)` : false;

describe('campaign explorer over several domains (headless Chromium)', { skip }, () => {
  let root: string;
  let store: DomainStore;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const closeStores: Array<() => void> = [];
  const apiRequests: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    if (!haveChromium) throw new Error(`CI needs Chromium at ${CHROMIUM}: apt-get install -y chromium`);
    root = mkdtempSync(path.join(tmpdir(), 'cs-explorer-domains-'));
    store = await buildDomainStore(root);
    const main = openStoreForReading(store.dir);
    closeStores.push(() => main.close());
    server = await startHttpServer({
      port: 0, pollMs: 50, onError: () => {}, log: main.log, tables: main.tables, snapshots: main.snapshots,
      domains: {
        names: () => storedDomains(store.dir),
        open: (name) => {
          const d = openDomainForReading(store.dir, name);
          return d === null ? null : { log: d.log, tables: d.tables, snapshots: d.snapshots, close: () => d.close() };
        },
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/api/')) apiRequests.push(u.pathname + u.search);
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    for (const c of closeStores) c();
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  it('shows a domain selector listing every domain, on the default domain first', async () => {
    await page.goto(server.url + '/');
    await page.locator('#campaigns tbody tr').first().waitFor();
    await page.locator('#domain-picker').waitFor({ state: 'visible' });
    const options = await page.locator('#domain option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
    assert.deepEqual(options, ['default', 'fleet-a', 'fleet-b']);
    assert.equal(await page.locator('#domain').inputValue(), 'default');
    assert.equal(await page.locator('#campaigns tbody tr').count(), 2);
    assert.ok(apiRequests.every((r) => !r.includes('domain=')), `default-domain requests as before: ${apiRequests.join(' ')}`);
    assert.deepEqual(pageErrors, []);
  });

  it('switches to a domain: its campaigns, its campaign view, its live stream, every request naming it', async () => {
    apiRequests.length = 0;
    await page.selectOption('#domain', 'fleet-a');
    await page.waitForURL(/\?domain=fleet-a/);
    await page.locator('#campaigns tbody tr').first().waitFor();
    assert.equal(await page.locator('#campaigns tbody tr').count(), 1, 'B merged into A in fleet-a');
    assert.equal(await page.locator('#domain').inputValue(), 'fleet-a');

    await page.locator('#campaigns tbody tr a').first().click();
    await page.waitForFunction(() => document.body.dataset.members === '5' && document.querySelectorAll('#graph .node').length === 5);

    const before = Number(await page.evaluate(() => document.body.dataset.sequence));
    await store.append(lines(renamed(hostileEvents().slice(2), '-late'), 'fleet-a'));
    await page.waitForFunction(() => document.body.dataset.members === '7', undefined, { timeout: 10_000 });
    assert.ok(Number(await page.evaluate(() => document.body.dataset.sequence)) > before, 'fleet-a\'s stream moved the page');

    const perDomain = apiRequests.filter((r) => !r.startsWith('/api/v1/domains'));
    assert.ok(perDomain.length > 0);
    assert.ok(perDomain.every((r) => r.includes('domain=fleet-a')), `every request names the domain: ${perDomain.join(' ')}`);
    assert.ok(perDomain.some((r) => r.startsWith('/api/v1/campaigns/events')), 'the stream too');
    assert.deepEqual(pageErrors, []);
  });
});
