import type { Rule, RuleContext } from '../../core/rule.js';
import type { Policy } from '../../policy/schema.js';
import type { AsteriskModel } from './model.js';

export type AsteriskRule = Rule<AsteriskModel, Policy>;
export type AsteriskRuleContext = RuleContext<Policy>;

/** Declares an Asterisk rule; the object is returned as is, typed. */
export function defineAsteriskRule(rule: Omit<AsteriskRule, 'pbx'>): AsteriskRule {
  return { ...rule, pbx: 'asterisk' };
}
