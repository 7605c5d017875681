import type { Rule, RuleContext } from '../../core/rule.js';
import type { Policy } from '../../policy/schema.js';
import type { FreeswitchModel } from './model.js';

export type FreeswitchRule = Rule<FreeswitchModel, Policy>;
export type FreeswitchRuleContext = RuleContext<Policy>;

/** Declares a FreeSWITCH rule; the object is returned as is, typed. */
export function defineFreeswitchRule(rule: Omit<FreeswitchRule, 'pbx'>): FreeswitchRule {
  return { ...rule, pbx: 'freeswitch' };
}
