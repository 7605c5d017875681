import type { Rule } from '../../core/rule.js';
import type { Exception } from '../../policy/schema.js';

/** What the policy rules look at: the exceptions and whether each matched a finding. */
export interface PolicyModel {
  kind: 'policy';
  /** Display path of the policy file. */
  file: string;
  now: Date;
  exceptions: { exception: Exception; line: number; matched: number }[];
  /** Line of a key in the policy file, e.g. ['networks', 'voice'] (undefined when not set). */
  lineOf(path: (string | number)[]): number | undefined;
}

export type PolicyRule = Rule<PolicyModel>;

export function definePolicyRule(rule: Omit<PolicyRule, 'pbx'>): PolicyRule {
  return { ...rule, pbx: 'any' };
}
