import { definePolicyRule } from './model.js';

export default definePolicyRule({
  id: 'HL-POL-001',
  title: 'Policy exception has expired',
  severity: 'medium',
  step: 'logging',
  docs: {
    why: 'Break-glass exceptions are granted for a time. Once expired, the finding they covered is reported again, and the exception itself is reported until someone removes it or renews it with a new approval, so temporary weakenings do not become permanent by neglect.',
    fix: "Fix the waived finding and delete the exception from hardline.yaml, or renew it with a new `expires` and the approver's name.",
    refs: ['hardline docs: policy exceptions'],
  },
  messages: {
    expired: 'exception for {rule} on {target} (approved by {approver}) expired on {expires}{still}',
  },
  check(p, ctx) {
    for (const e of p.exceptions) {
      const expires = new Date(e.exception.expires);
      if (expires.getTime() > p.now.getTime()) continue;
      ctx.report({
        messageId: 'expired',
        data: {
          rule: e.exception.rule,
          target: e.exception.target,
          approver: e.exception.approver,
          expires: e.exception.expires.slice(0, 10),
          still:
            e.matched > 0
              ? `; the finding is still present (${e.matched})`
              : '; it no longer matches any finding',
        },
        at: { file: p.file, line: e.line },
        target: `exception/${e.exception.rule}/${e.exception.target}`,
        ...(e.matched === 0 ? { severity: 'low' as const } : {}),
      });
    }
  },
});
