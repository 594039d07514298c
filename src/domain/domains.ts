/**
 * Clustering domains (fleets, tenants): the unit of isolation. No edge, merge or campaign ever
 * spans two domains, so each domain is clustered by an engine of its own, into a log of its own
 * (docs/SCALING.md). An identity is (domain, uuid): the same uuid in two domains is two
 * identities.
 *
 * The default domain is `null` inside the code and absent on the wire; every single-domain
 * deployment lives in it, which is why nothing about it changes: its events, ids, rows and
 * store layout are those of before domains existed.
 */

/** A domain name, or null for the default domain. */
export type Domain = string | null;

/**
 * The name that spells the default domain where a name is required (`--domain default`). An
 * event that says `"domain": "default"` is in the default domain, exactly like one without a
 * domain: one domain must not have two spellings, or its identities would be split in two.
 */
export const DEFAULT_DOMAIN_NAME = 'default';

/** Longest domain name. */
export const MAX_DOMAIN_LENGTH = 64;

const isAlnum = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);

/**
 * Why `name` is not a domain name, or null when it is one: `[a-z0-9][a-z0-9._-]{0,63}`. A domain
 * name becomes a directory name (`<store>/domains/<domain>/`), a UUIDv5 name prefix, a Kafka
 * header and key prefix (`ce_domain`, identity.campaign keys) and, later, a PostgreSQL schema
 * suffix: no separators, no `.`/`..`, no hidden names, and no case, so two names never meet as
 * one directory on a case-insensitive file system. Checked char by char (the validator runs on
 * every input event and uses no regular expressions).
 */
export function domainNameProblem(name: string): string | null {
  if (name.length === 0) return 'must not be empty';
  if (name.length > MAX_DOMAIN_LENGTH) return `must be at most ${MAX_DOMAIN_LENGTH} characters, got ${name.length}`;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!isAlnum(c) && (i === 0 || (c !== 0x2e && c !== 0x5f && c !== 0x2d))) {
      return 'must be lower-case letters, digits, ".", "_" or "-", starting with a letter or digit';
    }
  }
  return null;
}

/** A valid name → its domain (`default` is the default domain, null). */
export const domainOfName = (name: string): Domain => (name === DEFAULT_DOMAIN_NAME ? null : name);

/** How a domain is named in messages and on the command line. */
export const domainName = (domain: Domain): string => domain ?? DEFAULT_DOMAIN_NAME;

/**
 * The prefix of a UUIDv5 name in a domain: none for the default domain (its ids are those of
 * before domains existed), `<domain>/` otherwise, so ids of two domains never collide on a
 * shared topic. `/` cannot occur in a domain name, so the prefix is unambiguous.
 */
export const idPrefix = (domain: Domain): string => (domain === null ? '' : `${domain}/`);

/** Default domain first, then the others in name order: how every multi-domain listing is ordered. */
export function sortDomains(domains: Iterable<Domain>): Domain[] {
  const all = new Set(domains);
  const named = [...all].filter((d): d is string => d !== null).sort();
  return all.has(null) ? [null, ...named] : named;
}
