/**
 * `?domain=`: taken off the query before a per-domain route reads it, so every route keeps its
 * strict parameter list (params.ts) unchanged and a request without `domain` reaches its route
 * with the very URL it came with (responses byte-identical to before domains).
 */
import { badParameter } from './errors.ts';
import { parseQuery } from './params.ts';

export const DOMAIN_PARAMETER = 'domain';

export function takeDomain(url: URL): { domain: string | undefined; url: URL } {
  const pairs = parseQuery(url.search);
  const given = pairs.filter(([name]) => name === DOMAIN_PARAMETER);
  if (given.length === 0) return { domain: undefined, url };
  if (given.length > 1) throw badParameter(DOMAIN_PARAMETER, `query parameter "${DOMAIN_PARAMETER}" given more than once`);
  // The raw parts but `domain`'s, so the route decodes (and refuses) the rest exactly as before.
  const rest = url.search.slice(1).split('&').filter((part) => part !== '' && parseQuery(part.split('=')[0])[0]?.[0] !== DOMAIN_PARAMETER);
  const stripped = new URL(url.href);
  stripped.search = rest.length === 0 ? '' : `?${rest.join('&')}`;
  return { domain: given[0][1], url: stripped };
}
