/**
 * The analyst labels of a log up to a sequence (domain/campaign-labels.ts), for the STIX export:
 * the campaign tables carry no label yet, so the log is scanned for `campaign.labelled`.
 *
 * The scan remembers where it stopped, so asking again at a later sequence (the head, as the log
 * grows) reads only the new events; asking for an earlier one (`as_of`) scans that prefix afresh.
 * Where the log keeps its serialised events, an event is parsed only when its text says it is a
 * label: `,"type":"campaign.labelled"` (a quote after a comma) can only be the envelope's key,
 * since a `"` inside a JSON string is always escaped.
 */
import { foldLabels, type CampaignLabel } from '../domain/campaign-labels.ts';
import type { EventLog } from '../ports/event-log.ts';
import { foldInput, type FoldInput } from './fold-input.ts';
import { PAGE_SIZE } from './log-reader.ts';

const LABEL_TYPE = ',"type":"campaign.labelled"';

export type Labels = ReadonlyMap<string, CampaignLabel>;

export class LabelScan {
  private labels = new Map<string, CampaignLabel>();
  private sequence = 0;
  /** The scan in progress: the next one starts where it ends. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly log: EventLog) {}

  /** The labels standing after event `sequence` (a copy: later scans do not change it). */
  upTo(sequence: number): Promise<Labels> {
    const next = this.tail.then(async () => {
      if (sequence < this.sequence) {
        const past = new Map<string, CampaignLabel>();
        await this.scan(past, 1, sequence);
        return past;
      }
      // Where the log really ended: a sequence past its head must not skip what comes later.
      this.sequence = await this.scan(this.labels, this.sequence + 1, sequence);
      return new Map(this.labels);
    });
    this.tail = next.catch(() => {});
    return next;
  }

  /** Folds events `from`…`to` into `into`; returns the last sequence read. */
  private async scan(into: Map<string, CampaignLabel>, from: number, to: number): Promise<number> {
    const serialized = this.log.readSerialized?.bind(this.log);
    let next = from;
    while (next <= to) {
      const limit = Math.min(PAGE_SIZE, to - next + 1);
      let page: readonly FoldInput[];
      let last: number;
      if (serialized !== undefined) {
        const texts = await serialized(next, limit);
        if (texts.length === 0) break;
        page = texts.filter((t) => t.includes(LABEL_TYPE)).map(foldInput);
        last = next + texts.length - 1;
      } else {
        page = await this.log.read(next, limit);
        if (page.length === 0) break;
        last = page[page.length - 1].sequence;
      }
      foldLabels(into, page);
      next = last + 1;
    }
    return next - 1;
  }
}

/** The labels of a log up to `sequence`, scanned once. */
export const labelsUpTo = (log: EventLog, sequence: number): Promise<Labels> => new LabelScan(log).upTo(sequence);
