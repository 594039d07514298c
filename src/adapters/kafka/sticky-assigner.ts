/**
 * A kafkajs PartitionAssigner for `pipeline --assignment domain`: balanced and sticky, the
 * strategy of Kafka's own StickyAssigner. Every member gets ⌊P/M⌋ or ⌈P/M⌉ partitions of each
 * topic, and keeps the partitions it holds when members join or leave, so a rebalance moves only
 * what must move. Moving a partition costs its domains a restore (snapshot + re-derived batches):
 * kafkajs' round-robin assigner, which deals partitions out again from scratch on every join,
 * would move most of them each time a member comes or goes.
 *
 * Each member announces the partitions it holds in its subscription's user data; the group
 * leader runs `assign`. A member whose user data cannot be read holds nothing.
 */
import { AssignerProtocol, type Assigner, type GroupMember, type PartitionAssigner } from 'kafkajs';

export const STICKY_ASSIGNER = 'CampaignStreamSticky';
const VERSION = 1;

/** A member's partitions by topic. */
export type Holdings = Readonly<Record<string, readonly number[]>>;

function decodeHoldings(m: GroupMember): Holdings {
  try {
    const meta = AssignerProtocol.MemberMetadata.decode(m.memberMetadata);
    const h = JSON.parse(meta?.userData.toString() || '{}') as unknown;
    if (h === null || typeof h !== 'object') return {};
    const out: Record<string, number[]> = {};
    for (const [topic, ps] of Object.entries(h as Record<string, unknown>)) {
      if (Array.isArray(ps)) out[topic] = ps.filter((p): p is number => Number.isInteger(p));
    }
    return out;
  } catch {
    return {};
  }
}

/**
 * Balanced, sticky, deterministic. Pure: exported for the unit test.
 *
 * 1. Quotas: members in id order, the first P mod M get ⌈P/M⌉, the others ⌊P/M⌋; a member
 *    already holding more than ⌊P/M⌋ is preferred for the larger quotas, so fewer partitions move.
 * 2. Each member keeps what it holds, up to its quota (a partition two members claim, after a
 *    split brain, stays with the member first in id order).
 * 3. The partitions left over go, in partition order, to the members below quota, fullest last.
 */
export function stickyAssign(
  members: ReadonlyArray<{ memberId: string; holds: readonly number[] }>, partitions: readonly number[],
): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (members.length === 0) return out;
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const valid = new Set(partitions);
  const floor = Math.floor(partitions.length / sorted.length);
  let extra = partitions.length % sorted.length;
  const quota = new Map<string, number>();
  // Members holding more than the floor take the extra slots first: they keep one more.
  const byHeld = [...sorted].sort((a, b) => b.holds.filter((p) => valid.has(p)).length - a.holds.filter((p) => valid.has(p)).length);
  for (const m of byHeld) {
    const q = floor + (extra > 0 ? 1 : 0);
    if (extra > 0) extra--;
    quota.set(m.memberId, q);
  }
  const taken = new Set<number>();
  for (const m of sorted) {
    const keep: number[] = [];
    for (const p of [...m.holds].sort((a, b) => a - b)) {
      if (keep.length >= quota.get(m.memberId)! || !valid.has(p) || taken.has(p)) continue;
      keep.push(p);
      taken.add(p);
    }
    out.set(m.memberId, keep);
  }
  const free = [...partitions].sort((a, b) => a - b).filter((p) => !taken.has(p));
  for (const p of free) {
    const to = sorted
      .filter((m) => out.get(m.memberId)!.length < quota.get(m.memberId)!)
      .sort((a, b) => out.get(a.memberId)!.length - out.get(b.memberId)!.length)[0];
    out.get(to.memberId)!.push(p);
  }
  for (const list of out.values()) list.sort((a, b) => a - b);
  return out;
}

/** `holds` is read at every join: the partitions this member owns at that moment. */
export const stickyAssigner = (holds: () => Holdings): PartitionAssigner =>
  ({ cluster }): Assigner => ({
    name: STICKY_ASSIGNER,
    version: VERSION,
    protocol({ topics }) {
      return {
        name: STICKY_ASSIGNER,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: VERSION, topics, userData: Buffer.from(JSON.stringify(holds())) }),
      };
    },
    async assign({ members, topics }) {
      const held = members.map((m) => ({ memberId: m.memberId, holdings: decodeHoldings(m) }));
      const assignment = new Map<string, Record<string, number[]>>(members.map((m) => [m.memberId, {}]));
      for (const topic of topics) {
        const partitions = cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId);
        const given = stickyAssign(held.map((h) => ({ memberId: h.memberId, holds: h.holdings[topic] ?? [] })), partitions);
        for (const [memberId, ps] of given) assignment.get(memberId)![topic] = ps;
      }
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: VERSION,
          assignment: assignment.get(m.memberId)!,
          userData: Buffer.alloc(0),
        }),
      }));
    },
  });
