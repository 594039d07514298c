/**
 * One domain's share of inputs that mix domains. A store holds one clustering domain
 * (docs/SCALING.md); `run` gives each domain's store the whole input and this filter, so every
 * domain is cut into batches, clustered and checkpointed exactly as if its records were alone in
 * the files. Its batches' segments still name the files' own positions, so a resume or a
 * re-derivation reads the same records again and skips the same others.
 */
import type { Domain } from '../domain/domains.ts';
import { domainOfDecoded, type Decoded } from './decode.ts';

export interface DomainFilter {
  /** The store's domain (null: the default domain). */
  readonly name: Domain;
  /** Told of every record of another domain (how `run` finds the domains an input holds). */
  readonly onOther?: (domain: Domain) => void;
}

/** A predicate keeping the records of the filter's domain; without a filter, every record. */
export function inDomain(filter: DomainFilter | undefined): (d: Decoded) => boolean {
  if (filter === undefined) return () => true;
  const { name, onOther } = filter;
  return (d) => {
    const domain = domainOfDecoded(d);
    if (domain === name) return true;
    onOther?.(domain);
    return false;
  };
}
