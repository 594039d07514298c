/**
 * Unified Kill Chain vocabulary and the ATT&CK tactic mapping of REFERENCE §1.4–1.5.
 * The string values are the wire format: never rename them.
 */
export const PHASES = [
  'reconnaissance', 'resource_development', 'weaponization', 'delivery', 'social_engineering',
  'exploitation', 'persistence', 'defense_evasion', 'command_and_control',
  'pivoting', 'discovery', 'privilege_escalation', 'execution', 'credential_access', 'lateral_movement',
  'collection', 'exfiltration', 'impact', 'objectives',
] as const;

export type Phase = (typeof PHASES)[number];

const PHASE_SET: ReadonlySet<string> = new Set(PHASES);
export const isPhase = (s: string): s is Phase => PHASE_SET.has(s);

/** Pre-target phases: the fixture generator emits nothing for them. */
export const NON_OBSERVABLE: ReadonlySet<Phase> = new Set<Phase>([
  'reconnaissance', 'resource_development', 'weaponization', 'social_engineering',
]);

/** Handoff roles (REFERENCE §1.4): the outgoing operator ends here, the incoming one starts here. */
export const HANDOFF_OUT: ReadonlySet<Phase> = new Set<Phase>(['command_and_control', 'persistence']);
export const HANDOFF_IN: ReadonlySet<Phase> = new Set<Phase>(['discovery', 'lateral_movement']);

/**
 * Phases in which an operator gains access by itself. An identity with any of them is not a
 * foothold consumer, which the default handoff rule requires of the incoming side.
 */
export const INITIAL_ACCESS: ReadonlySet<Phase> = new Set<Phase>(['delivery', 'exploitation']);

/** ATT&CK tactic id → UKC phase, the complete table of REFERENCE §1.5. */
export const TACTIC_TO_PHASE: Readonly<Record<string, Phase>> = {
  TA0043: 'reconnaissance',
  TA0042: 'resource_development',
  TA0001: 'delivery',
  TA0002: 'execution',
  TA0003: 'persistence',
  TA0004: 'privilege_escalation',
  TA0005: 'defense_evasion',
  TA0006: 'credential_access',
  TA0007: 'discovery',
  TA0008: 'lateral_movement',
  TA0009: 'collection',
  TA0011: 'command_and_control',
  TA0010: 'exfiltration',
  TA0040: 'impact',
  TA0100: 'collection',
  TA0102: 'discovery',
  TA0105: 'impact',
  TA0106: 'impact',
};

export const phaseOfTactic = (tactic: string): Phase | undefined =>
  Object.prototype.hasOwnProperty.call(TACTIC_TO_PHASE, tactic) ? TACTIC_TO_PHASE[tactic] : undefined;
