/**
 * The command registry: the order here is the order of `campaigns --help`. Adding a command
 * is one module in this folder and one line below.
 */
import type { Command } from '../command.ts';
import { demoCommand } from './demo.ts';
import { eventsCommand } from './events.ts';
import { membershipCommand } from './membership.ts';
import { pipelineCommand } from './pipeline.ts';
import { rebuildCommand } from './rebuild.ts';
import { replayCommand } from './replay.ts';
import { runCommand } from './run.ts';
import { scoreCommand } from './score.ts';
import { serveCommand } from './serve.ts';
import { simulateCommand } from './simulate.ts';
import { tablesCommand } from './tables.ts';

export const COMMANDS: readonly Command[] = [
  runCommand,
  membershipCommand,
  eventsCommand,
  tablesCommand,
  replayCommand,
  simulateCommand,
  scoreCommand,
  pipelineCommand,
  rebuildCommand,
  serveCommand,
  demoCommand,
];
