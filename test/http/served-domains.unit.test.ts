/** ServedDomains over a fake catalog: resolving names, discovery on demand, and closing. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LogFollower } from '../../src/adapters/http/log-follower.ts';
import { ServedDomains, type DomainCatalog, type DomainSource, type ServedDomain } from '../../src/adapters/http/served-domains.ts';
import type { SnapshotFeatures } from '../../src/adapters/http/snapshot-features.ts';
import type { EventLog } from '../../src/ports/event-log.ts';

const log = {} as EventLog;
const fakeFollower = (stopped: string[], name: string) => ({ stop: async () => void stopped.push(name), model: { close: async () => {} } }) as unknown as LogFollower;
const defaultDomain: ServedDomain = { name: 'default', isDefault: true, log, follower: fakeFollower([], 'default'), engineFeatures: {} as SnapshotFeatures };

function setup(names: string[], startDelayMs = 0) {
  const opened: string[] = [];
  const closed: string[] = [];
  const stopped: string[] = [];
  let listings = 0;
  const catalog: DomainCatalog = {
    names: () => (listings++, [...names]),
    open: (name): DomainSource | null => (name.startsWith('empty') ? null : (opened.push(name), { log, close: () => void closed.push(name) })),
  };
  const domains = new ServedDomains(defaultDomain, catalog, async (name) => {
    await new Promise((r) => setTimeout(r, startDelayMs));
    return { follower: fakeFollower(stopped, name), engineFeatures: {} as SnapshotFeatures };
  }, () => {});
  return { domains, opened, closed, stopped, listings: () => listings };
}

const code = (e: unknown) => (e as { code: string; status: number });

describe('ServedDomains', () => {
  it('answers the default domain for no name and `default`, without listing the catalog', async () => {
    const { domains, listings } = setup(['fleet-a']);
    assert.equal(await domains.resolve(undefined), defaultDomain);
    assert.equal(await domains.resolve('default'), defaultDomain);
    assert.equal(listings(), 0);
  });

  it('refuses a malformed name (400) and an unknown one (404 unknown_domain) after looking again', async () => {
    const { domains, listings } = setup([]);
    await assert.rejects(domains.resolve('Bad'), (e) => code(e).status === 400 && code(e).code === 'invalid_parameter');
    assert.equal(listings(), 0, 'a malformed name never lists the directory');
    await assert.rejects(domains.resolve('fleet-x'), (e) => code(e).status === 404 && code(e).code === 'unknown_domain');
    assert.equal(listings(), 1);
  });

  it('opens a domain created after start when it is first asked for; a domain without a store file is not served', async () => {
    const names = ['fleet-a', 'empty-1'];
    const { domains, opened } = setup(names);
    await domains.discover();
    assert.deepEqual(domains.list().map((d) => d.name), ['default', 'fleet-a']);
    names.push('fleet-b');
    assert.equal((await domains.resolve('fleet-b')).name, 'fleet-b');
    assert.deepEqual(opened, ['fleet-a', 'fleet-b'], 'each domain opened once');
    await assert.rejects(domains.resolve('empty-1'), (e) => code(e).status === 404);
  });

  it('a caller arriving during a pass gets a pass that lists after it asked', async () => {
    const names = ['fleet-a'];
    const { domains } = setup(names, 30);
    const first = domains.discover();
    names.push('fleet-b'); // created after the first pass listed the directory
    assert.equal((await domains.resolve('fleet-b')).name, 'fleet-b');
    await first;
  });

  it('closes the domains it opened, never the default one', async () => {
    const { domains, closed, stopped } = setup(['fleet-a', 'fleet-b']);
    await domains.discover();
    await domains.close();
    assert.deepEqual(closed, ['fleet-a', 'fleet-b']);
    assert.deepEqual(stopped, ['fleet-a', 'fleet-b']);
    assert.deepEqual(domains.list().map((d) => d.name), ['default']);
  });
});
