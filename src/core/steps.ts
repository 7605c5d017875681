/**
 * The hardening plan's five steps, in the guide's order. Every finding belongs to one; reports
 * are grouped by them.
 */
export const STEPS = ['exposure', 'authentication', 'transport', 'firewall', 'logging'] as const;
export type Step = (typeof STEPS)[number];

export const STEP_TITLES: Record<Step, string> = {
  exposure: 'Exposure and management plane',
  authentication: 'Authentication of SIP accounts and voicemail',
  transport: 'Secure transport and media',
  firewall: 'Firewall and media port narrowing',
  logging: 'Logging, alerting and time sync',
};

export function stepNumber(step: Step): number {
  return STEPS.indexOf(step) + 1;
}
