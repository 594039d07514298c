import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssignerProtocol, type Cluster } from 'kafkajs';
import { chooseOwner, singleOwnerAssigner } from '../../src/adapters/kafka/single-owner-assigner.ts';

describe('single-owner assigner', () => {
  it('keeps the partitions with the member that owns them, even when an older member joins', () => {
    assert.equal(chooseOwner([
      { memberId: 'a', claim: { since: 1, owns: false } },
      { memberId: 'b', claim: { since: 5, owns: true } },
    ]), 'b');
  });

  it('gives them to the longest-lived member when nobody owns them, ties by member id', () => {
    assert.equal(chooseOwner([
      { memberId: 'c', claim: { since: 3, owns: false } },
      { memberId: 'b', claim: { since: 2, owns: false } },
      { memberId: 'a', claim: { since: 2, owns: false } },
    ]), 'a');
    assert.equal(chooseOwner([]), null);
  });

  it('assigns every partition of every topic to the owner and nothing to the others', async () => {
    const cluster = { findTopicPartitionMetadata: () => [{ partitionId: 2 }, { partitionId: 0 }, { partitionId: 1 }] } as unknown as Cluster;
    const member = (since: number, owns: boolean) =>
      singleOwnerAssigner(() => ({ since, owns }))({ cluster, groupId: 'g', logger: undefined as never });
    const protocol = (since: number, owns: boolean) => member(since, owns).protocol({ topics: ['t'] }).metadata;
    const leader = member(9, false);
    const out = await leader.assign({
      topics: ['t'],
      members: [
        { memberId: 'm-new', memberMetadata: protocol(9, false) },
        { memberId: 'm-old', memberMetadata: protocol(1, false) },
        { memberId: 'm-garbage', memberMetadata: Buffer.from('not a subscription') },
      ],
    });
    const decoded = Object.fromEntries(out.map((a) => [a.memberId, AssignerProtocol.MemberAssignment.decode(a.memberAssignment)?.assignment]));
    assert.deepEqual(decoded, { 'm-new': {}, 'm-old': { t: [0, 1, 2] }, 'm-garbage': {} });
  });
});
