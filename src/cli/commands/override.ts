/**
 * `campaigns override`: the write path for people (docs/ANALYSTS.md). One analyst override
 * becomes one NDJSON line appended to an overrides file, the same format `campaigns run` reads,
 * or one message on the identity topic the pipeline consumes: either way it is input with the
 * identity events, and replay reproduces it.
 *
 * The event id and time are the only inputs not derived from the command line: a random UUID
 * and the clock, here in the shell (the engine never draws either), both overridable.
 */
import { randomUUID } from 'node:crypto';
import { formatIso } from '../../domain/time.ts';
import { identityEventToWire, validateIdentityEvent } from '../../domain/validate.ts';
import { UsageError } from '../args.ts';
import { defineCommand } from '../command.ts';
import { emit } from '../io.ts';
import { overrideSinkOf, overrideTopicOptions } from '../override-sinks.ts';

/** Operands after the kind, per kind, as the help names them. */
const KINDS = {
  'must-link': ['IDENTITY', 'IDENTITY'],
  'cannot-link': ['IDENTITY', 'IDENTITY'],
  pin: ['IDENTITY', 'ANCHOR'],
  label: ['CAMPAIGN'],
  revoke: ['OVERRIDE_EVENT_ID'],
} as const;
type Kind = keyof typeof KINDS;

const options = {
  _: { type: 'strings', required: true, placeholder: 'kind operand…', description: 'must-link A B | cannot-link A B | pin IDENTITY ANCHOR | label CAMPAIGN | revoke EVENT_ID' },
  file: { type: 'string', placeholder: 'file', description: 'overrides file to append the line to (NDJSON; created if missing)' },
  topic: { type: 'string', placeholder: 'topic', description: 'or: the identity topic to produce the override to (it must exist)' },
  ...overrideTopicOptions,
  reason: { type: 'string', required: true, placeholder: 'text', description: 'why: kept with the override for review' },
  author: { type: 'string', placeholder: 'name', description: 'who decided (default $USER)' },
  name: { type: 'string', placeholder: 'text', description: 'label: the campaign\'s name (required for label)' },
  tag: { type: 'strings', placeholder: 'tag', description: 'label: tags' },
  notes: { type: 'string', placeholder: 'text', description: 'label: free-text notes' },
  domain: { type: 'string', placeholder: 'name', description: 'the clustering domain of the identities or campaign (default: the default domain)' },
  'event-id': { type: 'string', placeholder: 'id', description: 'the override\'s event id (default: a random UUID; must be unique in the stream)' },
  time: { type: 'string', placeholder: 'iso-8601', description: 'the override\'s time (default: now); of two conflicting overrides the later wins' },
} as const;

export const overrideCommand = defineCommand({
  name: 'override',
  summary: 'append an analyst override (must-link, cannot-link, pin, label, revoke) to an overrides file or the identity topic',
  usage: '<must-link A B | cannot-link A B | pin IDENTITY ANCHOR | label CAMPAIGN --name N | revoke EVENT_ID> --reason TEXT (--file F | --topic T [--brokers B] [--registry URL] [--key-by identity|domain])',
  description:
    'Writes one analyst override as an NDJSON line at the end of --file, or produces it to --topic, and prints it.\n' +
    'The file is input like any other: give it to `campaigns run --input events.ndjson F`; the topic is the one\n' +
    'the pipeline reads. Overrides act on the clustering exactly (docs/ANALYSTS.md): must-link and pin join,\n' +
    'cannot-link keeps apart, label names a campaign, revoke undoes an earlier override by its event id. The\n' +
    'override is checked as `run` will check it before it is written.',
  options,
  async run(opts, { io, clock }) {
    const sinkOf = overrideSinkOf(opts, { file: 'file', topic: 'topic' }, 'campaigns-override');
    if (sinkOf === null) throw new UsageError('give one of --file and --topic');
    const [kindArg, ...operands] = opts._;
    if (!Object.prototype.hasOwnProperty.call(KINDS, kindArg)) {
      throw new UsageError(`unknown override kind '${kindArg}': one of ${Object.keys(KINDS).join(', ')}`);
    }
    const kind = kindArg as Kind;
    const expected = KINDS[kind];
    if (operands.length !== expected.length) {
      throw new UsageError(`override ${kind} takes ${expected.join(' ')}, got ${operands.length} operand${operands.length === 1 ? '' : 's'}`);
    }
    if (kind !== 'label' && (opts.name !== undefined || opts.tag !== undefined || opts.notes !== undefined)) {
      throw new UsageError('--name, --tag and --notes are for label');
    }
    const author = opts.author ?? process.env.USER;
    if (author === undefined || author === '') throw new UsageError('--author is required when $USER is not set');
    const wire = {
      type: `analyst.${kind.replace('-', '_')}`,
      event_id: opts['event-id'] ?? randomUUID(),
      time: opts.time ?? formatIso(clock.now() / 1000),
      ...body(kind, operands, opts),
      author,
      reason: opts.reason,
      ...(opts.domain === undefined ? {} : { domain: opts.domain }),
    };
    const checked = validateIdentityEvent(wire);
    if (!checked.ok) throw new UsageError(`the override would be refused (${checked.code}): ${checked.reason}`);
    // What is written is what the engine will read back: the validated event's wire form.
    const written = identityEventToWire(checked.event);
    const sink = await sinkOf();
    try {
      await sink.append(written);
    } finally {
      await sink.close();
    }
    await emit(io.stdout, JSON.stringify(written) + '\n');
    return 0;
  },
});

function body(kind: Kind, operands: readonly string[], opts: { name?: string; tag?: string[]; notes?: string }): Record<string, unknown> {
  switch (kind) {
    case 'must-link':
    case 'cannot-link':
      return { identity_uuids: [operands[0], operands[1]] };
    case 'pin':
      return { identity_uuid: operands[0], anchor_uuid: operands[1] };
    case 'label':
      if (opts.name === undefined) throw new UsageError('override label needs --name');
      return { campaign_uuid: operands[0], name: opts.name, tags: opts.tag ?? [], notes: opts.notes ?? null };
    case 'revoke':
      return { override_event_id: operands[0] };
  }
}
