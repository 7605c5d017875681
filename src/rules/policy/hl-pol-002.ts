import { definePolicyRule } from './model.js';

export default definePolicyRule({
  id: 'HL-POL-002',
  title: 'Policy exception matches nothing',
  severity: 'info',
  step: 'logging',
  docs: {
    why: 'An exception that matches no finding is either stale (the problem was fixed) or mistyped (the rule id or target is wrong, so the finding it was meant to cover is still reported). Both deserve a look at the next review.',
    fix: 'Remove the exception if the problem is fixed; otherwise correct `rule` and `target` to the values shown in the finding (the JSON report lists both).',
    refs: ['hardline docs: policy exceptions'],
  },
  messages: {
    unused: 'exception for {rule} on {target} matches no finding',
  },
  check(p, ctx) {
    for (const e of p.exceptions) {
      if (e.matched > 0 || new Date(e.exception.expires).getTime() <= p.now.getTime()) continue;
      ctx.report({
        messageId: 'unused',
        data: { rule: e.exception.rule, target: e.exception.target },
        at: { file: p.file, line: e.line },
        target: `exception/${e.exception.rule}/${e.exception.target}`,
      });
    }
  },
});
