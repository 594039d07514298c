/**
 * The bundled demo input (`demo/identity-events.ndjson`): `scenarios/demo.yaml` at seed 0, as
 * identity events, with two malformed lines placed among them so the demo also shows how bad
 * input is refused (with file, line and reason) while the events around it are clustered.
 */
import { simulateFixture } from './scenario.ts';

export const DEMO_SCENARIO = 'scenarios/demo.yaml';
export const DEMO_INPUT = 'demo/identity-events.ndjson';

const BAD_LINES: ReadonlyArray<readonly [after: number, line: string]> = [
  [20, '{"type":"identity.observed","event_id":"demo-bad-1","identity_uuid":"broken","version":1,"time":"yesterday","observation":{}}'],
  [60, '{"type":"identity.observed","event_id":"demo-bad-2","identity_uuid":"broken","version":1,"time":"2026-01-02T00:00:00Z","observation":{"sessions":[{"start":"2026-01-02T10:00:00Z","end":"2026-01-02T09:00:00Z","decky":"decky-01"}]}}'],
];

export function demoInput(scenarioPath: string = DEMO_SCENARIO): string {
  const lines = [...simulateFixture(scenarioPath, 0).emitted.lines];
  for (const [after, bad] of [...BAD_LINES].reverse()) lines.splice(after, 0, bad);
  return lines.join('\n') + '\n';
}
