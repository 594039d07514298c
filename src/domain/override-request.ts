/**
 * An analyst override as a person sends it to the API (`POST /api/v1/overrides`, docs/API.md):
 * the override event without `event_id` and `time`, which the receiver assigns. The result is
 * the very event the engine will read back from the input, validated by the same rules
 * (validate.ts), or the validator's refusal.
 *
 * Both stamps are refused when the body brings its own: the id must be unique in the stream, and
 * the time decides which of two conflicting overrides wins (ANALYSTS.md), so neither is the
 * sender's to choose. The receiver draws them (a random UUID, its clock): pure here, they come in.
 */
import type { AnalystEvent } from './identity-events.ts';
import type { RejectCode } from './engine-api.ts';
import { validateIdentityEvent } from './validate.ts';

export const OVERRIDE_TYPES: readonly string[] = [
  'analyst.must_link', 'analyst.cannot_link', 'analyst.pin', 'analyst.label', 'analyst.revoke',
];

export type OverrideRequest =
  | { readonly ok: true; readonly event: AnalystEvent }
  | { readonly ok: false; readonly code: RejectCode; readonly reason: string };

const refuse = (code: RejectCode, reason: string): OverrideRequest => ({ ok: false, code, reason });

/** `text`: the request body (JSON); `stamp`: the event id and ISO-8601 time the receiver assigns. */
export function overrideRequest(text: string, stamp: { readonly event_id: string; readonly time: string }): OverrideRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    return refuse('invalid_json', `invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return refuse('schema', 'the override must be a JSON object');
  const raw = body as Record<string, unknown>;
  for (const field of ['event_id', 'time'] as const) {
    if (field in raw) return refuse('bad_value', `${field} is assigned by the server: leave it out`);
  }
  if (typeof raw.type !== 'string' || !OVERRIDE_TYPES.includes(raw.type)) {
    return refuse('unknown_type', `type must be one of ${OVERRIDE_TYPES.join(', ')}, got ${JSON.stringify(raw.type) ?? 'nothing'}`);
  }
  const checked = validateIdentityEvent({ ...raw, event_id: stamp.event_id, time: stamp.time });
  if (!checked.ok) return refuse(checked.code, checked.reason);
  return { ok: true, event: checked.event as AnalystEvent };
}
