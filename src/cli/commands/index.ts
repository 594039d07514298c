/**
 * The command registry: the order here is the order of `campaigns --help`. Adding a command
 * is one module in this folder and one line below.
 *
 * A command's module is loaded only when it runs (or its own help is asked for): each pulls in
 * its adapters (kafkajs, better-sqlite3, avsc, pg, …), and `campaigns --help` must not pay for
 * all of them (it starts in well under 150 ms compiled; docs/BENCHMARKS.md). The summary is
 * repeated here for the tool's help; a unit test holds it equal to the module's.
 */
import type { Command } from '../command.ts';

export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'run', summary: 'cluster identity events from files into the store', load: async () => (await import('./run.ts')).runCommand },
  { name: 'membership', summary: 'print each active identity and its campaign as NDJSON', load: async () => (await import('./membership.ts')).membershipCommand },
  { name: 'events', summary: 'print the campaign event log as NDJSON', load: async () => (await import('./events.ts')).eventsCommand },
  { name: 'tables', summary: 'print the campaign tables', load: async () => (await import('./tables.ts')).tablesCommand },
  { name: 'export', summary: 'export the live campaigns for threat-intelligence platforms (STIX 2.1)', load: async () => (await import('./export.ts')).exportCommand },
  { name: 'override', summary: 'append an analyst override (must-link, cannot-link, pin, label, revoke) to an overrides file or the identity topic', load: async () => (await import('./override.ts')).overrideCommand },
  { name: 'diff', summary: 'compare the store\'s campaigns with those another scoring profile would make of the same input', load: async () => (await import('./diff.ts')).diffCommand },
  { name: 'replay', summary: 'rebuild the campaign tables from the event log', load: async () => (await import('./replay.ts')).replayCommand },
  { name: 'simulate', summary: 'expand a scenario (fixture DSL) into identity events and truth labels', load: async () => (await import('./simulate.ts')).simulateCommand },
  { name: 'score', summary: 'simulate a scenario, cluster it, and score the campaigns against the truth', load: async () => (await import('./score.ts')).scoreCommand },
  { name: 'pipeline', summary: 'consume identity events from Kafka, publish campaign events and tables to Kafka', load: async () => (await import('./pipeline.ts')).pipelineCommand },
  { name: 'repartition', summary: 'copy the identity topic into a topic keyed by domain, exactly once per input record', load: async () => (await import('./repartition.ts')).repartitionCommand },
  { name: 'rebuild', summary: 're-cluster the whole identity topic history into a fresh event log', load: async () => (await import('./rebuild.ts')).rebuildCommand },
  { name: 'serve', summary: 'serve the HTTP API, event stream, metrics and explorer page', load: async () => (await import('./serve.ts')).serveCommand },
  { name: 'demo', summary: 'run the main job on the bundled demo input and show the campaigns', load: async () => (await import('./demo.ts')).demoCommand },
];
