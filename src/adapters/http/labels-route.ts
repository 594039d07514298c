/**
 * `GET /api/v1/labels?as_of`: the analysts' labels standing at a log position, one per labelled
 * campaign (name, tags, notes, author, the label's override event). Labels live in the log as
 * `campaign.labelled` events and not yet in the campaign rows (a column needs a new row schema:
 * docs/ANALYSTS.md#overrides), so the campaign list cannot carry them; this route lets the
 * explorer show them beside the list and on a campaign's page.
 *
 * It reads the EventLog port only: the first request scans the log once (the serialised events,
 * when the adapter keeps them, are tested as text and only the labels are parsed), later ones
 * read what was appended since. Concurrent requests share one scan. Labels are few (an analyst
 * writes them), so every `campaign.labelled` is kept: a past position is a lookup, no fold.
 */
import type { CampaignEvent, CampaignLabelled } from '../../domain/campaign-events.ts';
import type { EventLog } from '../../ports/event-log.ts';
import { logPositions } from './log-positions.ts';
import { Query } from './params.ts';
import { json, type Route, type RouteContext } from './route-context.ts';

export interface StandingLabel {
  readonly campaign_uuid: string;
  readonly name: string;
  readonly tags: readonly string[];
  readonly notes: string | null;
  readonly author: string | null;
  readonly override_event_id: string | null;
  /** The `campaign.labelled` event that set it. */
  readonly sequence: number;
  readonly time: string;
}

interface LabelEvent {
  readonly sequence: number;
  readonly time: string;
  readonly payload: CampaignLabelled;
}

const PAGE = 5_000;
const TYPE = 'campaign.labelled';

/** Every `campaign.labelled` of one log, by campaign, in log order; extended on demand. */
export class LabelScan {
  private scanned = 0;
  private running: Promise<void> | null = null;
  private readonly byCampaign = new Map<string, LabelEvent[]>();

  constructor(private readonly log: EventLog) {}

  /** Read the log up to its current head (shared by concurrent callers). Returns the head scanned. */
  async catchUp(): Promise<number> {
    while (this.running !== null) await this.running;
    const head = await this.log.head();
    if (head > this.scanned) {
      this.running = this.scan(head).finally(() => {
        this.running = null;
      });
      await this.running;
    }
    return this.scanned;
  }

  private async scan(head: number): Promise<void> {
    const serialized = this.log.readSerialized?.bind(this.log);
    while (this.scanned < head) {
      const from = this.scanned + 1;
      const limit = Math.min(PAGE, head - from + 1);
      let events: CampaignEvent[];
      let read: number;
      if (serialized !== undefined) {
        const lines = await serialized(from, limit);
        read = lines.length;
        // The type is a plain string in the envelope: a line without it holds no label.
        events = lines.filter((l) => l.includes(`"${TYPE}"`)).map((l) => JSON.parse(l) as CampaignEvent);
      } else {
        const page = await this.log.read(from, limit);
        read = page.length;
        events = [...page];
      }
      if (read === 0) throw new Error(`the event log returned nothing from sequence ${from} below head ${head}`);
      for (const ev of events) {
        if (ev.type !== TYPE) continue;
        const list = this.byCampaign.get(ev.payload.campaign_uuid) ?? [];
        list.push({ sequence: ev.sequence, time: ev.time, payload: ev.payload });
        this.byCampaign.set(ev.payload.campaign_uuid, list);
      }
      this.scanned = from + read - 1;
    }
  }

  /** The labels standing after event `sequence` (a batch end): named ones only, by campaign uuid. */
  standingAt(sequence: number): StandingLabel[] {
    const out: StandingLabel[] = [];
    for (const [campaign, events] of this.byCampaign) {
      let last: LabelEvent | undefined;
      for (const e of events) if (e.sequence <= sequence) last = e;
      if (last === undefined || last.payload.name === null) continue;
      const p = last.payload;
      out.push({
        campaign_uuid: campaign, name: p.name!, tags: p.tags, notes: p.notes, author: p.author,
        override_event_id: p.override_event_id, sequence: last.sequence, time: last.time,
      });
    }
    return out.sort((a, b) => (a.campaign_uuid < b.campaign_uuid ? -1 : a.campaign_uuid > b.campaign_uuid ? 1 : 0));
  }
}

const scans = new WeakMap<EventLog, LabelScan>();

function scanOf(log: EventLog): LabelScan {
  let s = scans.get(log);
  if (s === undefined) scans.set(log, (s = new LabelScan(log)));
  return s;
}

export const labelsRoute: Route = {
  perDomain: true,
  async handle({ url, log }: RouteContext) {
    const q = new Query(url, ['as_of']);
    // A sequence only: a time would need the log walked to find its prefix (the campaign
    // routes do that); the explorer passes the `sequence` their answers gave.
    const asOf = q.int('as_of', { min: 0, max: Number.MAX_SAFE_INTEGER, default: -1 });
    const scanned = await scanOf(log).catchUp();
    let sequence = scanned;
    if (asOf >= 0 && asOf < scanned) {
      const positions = logPositions(log);
      sequence = (await positions.atOrBefore(asOf, await positions.lastBatch())).sequence;
    }
    return json({ sequence, data: scanOf(log).standingAt(sequence) });
  },
};
