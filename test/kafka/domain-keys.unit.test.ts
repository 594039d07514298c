import assert from 'node:assert/strict';
import { test } from 'node:test';
import { domainKey, partitionOfDomain } from '../../src/adapters/kafka/domain-keys.ts';

test('the default domain is keyed by its name, so unkeyed and "default" land together', () => {
  assert.equal(domainKey(null), 'default');
  assert.equal(partitionOfDomain(null, 12), partitionOfDomain('default', 12));
});

test("a domain's partition is the Java client's murmur2 partition of its name (values computed with kafka-clients 3.9.2 Utils.murmur2)", () => {
  // Fixed expectations: a partitioner change would move every domain to another member.
  assert.deepEqual(['default', 'd01', 'd02', 'fleet-a'].map((d) => partitionOfDomain(d, 12)), [7, 0, 11, 6]);
  for (let n = 1; n <= 16; n++) assert.ok(partitionOfDomain('fleet-a', n) < n);
});
