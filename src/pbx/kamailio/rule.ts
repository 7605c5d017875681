import type { Rule, RuleContext } from '../../core/rule.js';
import type { Policy } from '../../policy/schema.js';
import type { KamailioModel } from './model.js';

export type KamailioRule = Rule<KamailioModel, Policy>;
export type KamailioRuleContext = RuleContext<Policy>;

/** Declares a Kamailio rule; the object is returned as is, typed. */
export function defineKamailioRule(rule: Omit<KamailioRule, 'pbx'>): KamailioRule {
  return { ...rule, pbx: 'kamailio' };
}
