/** How bad a problem is, P0 (worst) to P3: the vocabulary of triggers, decisions and incidents. */
export const SEVERITIES = ['P0', 'P1', 'P2', 'P3'] as const;
export type Severity = (typeof SEVERITIES)[number];
