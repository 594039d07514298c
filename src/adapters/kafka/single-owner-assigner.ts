/**
 * A kafkajs PartitionAssigner that gives every partition of every subscribed topic to ONE
 * member of the group; the others get nothing and wait as hot standbys. Clustering needs all
 * identity events in one engine (one clustering domain), so the usual spread of partitions
 * over members would split campaigns.
 *
 * Who owns: a member that owns the partitions now keeps them (a standby joining, or a member
 * bouncing back after a session timeout, does not trigger a handover); otherwise the
 * longest-lived member (earliest `since`), ties broken by member id. Each member announces
 * `{since, owns}` in its subscription's user data; the group leader runs `assign`.
 */
import { AssignerProtocol, type Assigner, type GroupMember, type PartitionAssigner } from 'kafkajs';

export const SINGLE_OWNER_ASSIGNER = 'SingleOwnerAssigner';
const VERSION = 1;

export interface OwnerClaim {
  /** When this member started (ms since epoch): older members win when nobody owns. */
  readonly since: number;
  /** Whether this member holds partitions right now. */
  readonly owns: boolean;
}

const encodeClaim = (c: OwnerClaim): Buffer => Buffer.from(JSON.stringify(c));

/** A member whose user data cannot be read claims nothing (e.g. another client version). */
function decodeClaim(m: GroupMember): OwnerClaim {
  try {
    const meta = AssignerProtocol.MemberMetadata.decode(m.memberMetadata);
    const c = JSON.parse(meta?.userData.toString() || '{}') as Partial<OwnerClaim>;
    return { since: typeof c.since === 'number' ? c.since : Number.MAX_SAFE_INTEGER, owns: c.owns === true };
  } catch {
    return { since: Number.MAX_SAFE_INTEGER, owns: false };
  }
}

/** The member that gets everything. Pure: exported for the unit test. */
export function chooseOwner(members: ReadonlyArray<{ memberId: string; claim: OwnerClaim }>): string | null {
  if (members.length === 0) return null;
  const sorted = [...members].sort((a, b) =>
    Number(b.claim.owns) - Number(a.claim.owns)
    || a.claim.since - b.claim.since
    || (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  return sorted[0].memberId;
}

/** `claim` is read at every join, so `owns` reflects the member's assignment at that moment. */
export const singleOwnerAssigner = (claim: () => OwnerClaim): PartitionAssigner =>
  ({ cluster }): Assigner => ({
    name: SINGLE_OWNER_ASSIGNER,
    version: VERSION,
    protocol({ topics }) {
      return {
        name: SINGLE_OWNER_ASSIGNER,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: VERSION, topics, userData: encodeClaim(claim()) }),
      };
    },
    async assign({ members, topics }) {
      const owner = chooseOwner(members.map((m) => ({ memberId: m.memberId, claim: decodeClaim(m) })));
      const everything: Record<string, number[]> = {};
      for (const topic of topics) {
        everything[topic] = cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId).sort((a, b) => a - b);
      }
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: VERSION,
          assignment: m.memberId === owner ? everything : {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
  });
