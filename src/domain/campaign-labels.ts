/**
 * The analyst labels standing on campaigns, as the campaign log says them: the latest
 * `campaign.labelled` of each campaign, gone when that one has `name: null` (the label was
 * revoked and none stands). A fold over the log, like the tables: the same prefix gives the same
 * labels, so an export at a past position names campaigns as they were named then.
 *
 * A label belongs to its campaign uuid and nothing else: a labelled campaign merged into another
 * keeps its label (it is back if the campaign is unmerged), and the winner is not renamed by it.
 */
import type { CampaignEvent } from './campaign-events.ts';

export interface CampaignLabel {
  readonly name: string;
  readonly tags: readonly string[];
  readonly notes: string | null;
}

/** Applies the `campaign.labelled` events among `events` (in log order) to `labels`, by campaign uuid. */
export function foldLabels(labels: Map<string, CampaignLabel>, events: Iterable<Pick<CampaignEvent, 'type' | 'payload'>>): void {
  for (const e of events) {
    if (e.type !== 'campaign.labelled') continue;
    const p = (e as Extract<CampaignEvent, { type: 'campaign.labelled' }>).payload;
    if (p.name === null) labels.delete(p.campaign_uuid);
    else labels.set(p.campaign_uuid, { name: p.name, tags: [...p.tags], notes: p.notes });
  }
}
