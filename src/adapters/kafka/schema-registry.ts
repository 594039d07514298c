/**
 * The schema registry as the pipeline needs it: register our schemas under `<topic>-value`,
 * and look up the writer schema of an id found in a message.
 *
 * Record schemas are registered through `@kafkajs/confluent-schema-registry` (it handles the
 * subject compatibility dance that Apicurio's ccompat API needs, docs/SERVICES.md §4). The
 * library refuses a schema whose top level is a union ("Invalid name: undefined"), which the
 * identity-event schema is, so those go through the same REST calls directly. Lookups by id use
 * the REST call too: we need the schema *text* for our own codec, and the library reports a
 * refused connection as an HTTP 400, which would make an outage look like a bad request.
 */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { KafkaAdapterError } from './errors.ts';

export interface SchemaRegistryClient {
  /** Registers `schemaJson` under `subject` (or finds it there); returns the schema id. */
  register(subject: string, schemaJson: string): Promise<number>;
  /**
   * The writer schema (JSON text) of an id. Throws KafkaAdapterError `schema_not_found`
   * (not retriable) when the registry does not know it, `registry_unavailable` (retriable)
   * when the registry cannot answer.
   */
  schemaById(id: number): Promise<string>;
}

export interface RegistryOptions {
  readonly clientId?: string;
  /** Per request. */
  readonly timeoutMs?: number;
  /**
   * How long "no such id" is remembered. A producer may register a schema just after sending
   * with it, but asking the registry again for every message of a bad producer would flood it.
   */
  readonly notFoundTtlMs?: number;
}

const NETWORKISH = /network error|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|socket hang up|fetch failed|timed? ?out/i;

function registrationError(e: unknown, subject: string): KafkaAdapterError {
  const status = typeof e === 'object' && e !== null ? (e as { status?: unknown }).status : undefined;
  const message = e instanceof Error ? e.message : String(e);
  const unavailable = (typeof status === 'number' && status >= 500) || NETWORKISH.test(message);
  return unavailable
    ? new KafkaAdapterError('registry_unavailable', `registering a schema under ${subject}: ${message}`, true, { cause: e })
    : new KafkaAdapterError('schema_rejected', `registering a schema under ${subject}: ${message}`, false, { cause: e });
}

export class ConfluentRegistryClient implements SchemaRegistryClient {
  private readonly lib: SchemaRegistry;
  private readonly base: string;
  private readonly byId = new Map<number, Promise<string>>();
  private readonly notFound = new Map<number, number>();
  private readonly timeoutMs: number;
  private readonly notFoundTtlMs: number;

  constructor(url: string, options: RegistryOptions = {}) {
    this.base = url.replace(/\/+$/, '');
    this.lib = new SchemaRegistry({ host: this.base, clientId: options.clientId ?? 'campaign-stream' });
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.notFoundTtlMs = options.notFoundTtlMs ?? 60_000;
  }

  async register(subject: string, schemaJson: string): Promise<number> {
    if (schemaJson.trimStart().startsWith('[')) return this.registerByRest(subject, schemaJson);
    try {
      const { id } = await this.lib.register({ type: SchemaType.AVRO, schema: schemaJson }, { subject });
      this.byId.set(id, Promise.resolve(schemaJson));
      return id;
    } catch (e) {
      throw registrationError(e, subject);
    }
  }

  /**
   * POST the schema to the subject; on the subject's first registration set BACKWARD
   * compatibility afterwards (Apicurio refuses config on a subject that does not exist yet).
   */
  private async registerByRest(subject: string, schemaJson: string): Promise<number> {
    const url = `${this.base}/subjects/${encodeURIComponent(subject)}`;
    const call = async (method: string, where: string, body?: unknown): Promise<Response> => {
      try {
        return await fetch(where, {
          method,
          signal: AbortSignal.timeout(this.timeoutMs),
          headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', accept: 'application/json' },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
      } catch (e) {
        throw new KafkaAdapterError('registry_unavailable', `${method} ${where}: ${(e as Error).message}`, true, { cause: e });
      }
    };
    const res = await call('POST', `${url}/versions`, { schema: schemaJson });
    const text = await res.text();
    if (!res.ok) {
      const unavailable = res.status >= 500 || res.status === 429;
      throw new KafkaAdapterError(unavailable ? 'registry_unavailable' : 'schema_rejected',
        `registering a schema under ${subject}: HTTP ${res.status} ${text.slice(0, 300)}`, unavailable);
    }
    const id = (JSON.parse(text) as { id?: unknown }).id;
    if (typeof id !== 'number') throw new KafkaAdapterError('kafka_failure', `registering under ${subject}: no id in ${text.slice(0, 200)}`);
    const config = await call('GET', `${this.base}/config/${encodeURIComponent(subject)}`);
    await config.body?.cancel();
    if (config.status === 404) {
      const put = await call('PUT', `${this.base}/config/${encodeURIComponent(subject)}`, { compatibility: 'BACKWARD' });
      await put.body?.cancel();
    }
    this.byId.set(id, Promise.resolve(schemaJson));
    return id;
  }

  schemaById(id: number): Promise<string> {
    const cached = this.byId.get(id);
    if (cached !== undefined) return cached;
    const missingSince = this.notFound.get(id);
    if (missingSince !== undefined && Date.now() - missingSince < this.notFoundTtlMs) {
      return Promise.reject(new KafkaAdapterError('schema_not_found', `the schema registry has no schema with id ${id}`));
    }
    // One request per id, shared by concurrent callers; a failure is not cached.
    const request = this.fetchSchema(id);
    this.byId.set(id, request);
    request.catch(() => this.byId.delete(id));
    return request;
  }

  private async fetchSchema(id: number): Promise<string> {
    const where = `${this.base}/schemas/ids/${id}`;
    let res: Response;
    try {
      res = await fetch(where, { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/vnd.schemaregistry.v1+json, application/json' } });
    } catch (e) {
      throw new KafkaAdapterError('registry_unavailable', `GET ${where}: ${(e as Error).message}${(e as Error).cause ? ` (${String((e as { cause?: { code?: string } }).cause?.code ?? (e as Error).cause)})` : ''}`, true, { cause: e });
    }
    if (res.status === 404) {
      this.notFound.set(id, Date.now());
      await res.body?.cancel();
      throw new KafkaAdapterError('schema_not_found', `the schema registry has no schema with id ${id}`);
    }
    if (!res.ok) {
      const body = await res.text().catch(() => '');
      throw new KafkaAdapterError(
        res.status >= 500 || res.status === 429 ? 'registry_unavailable' : 'kafka_failure',
        `GET ${where}: HTTP ${res.status} ${body.slice(0, 200)}`, res.status >= 500 || res.status === 429,
      );
    }
    let body: { schema?: unknown; schemaType?: unknown };
    try {
      body = await res.json() as { schema?: unknown; schemaType?: unknown };
    } catch (e) {
      throw new KafkaAdapterError('registry_unavailable', `GET ${where}: unreadable answer: ${(e as Error).message}`, true, { cause: e });
    }
    if (typeof body.schema !== 'string') {
      throw new KafkaAdapterError('kafka_failure', `GET ${where}: the answer has no schema text`);
    }
    if (body.schemaType !== undefined && body.schemaType !== null && body.schemaType !== 'AVRO') {
      // Not ours to read: the codec will refuse it as undecodable, with this reason.
      throw new KafkaAdapterError('schema_not_found', `schema id ${id} is a ${String(body.schemaType)} schema, not Avro`);
    }
    return body.schema;
  }
}
