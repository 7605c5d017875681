import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astTrue } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-SYS-001',
  title: 'asterisk.conf live_dangerously lets AMI/ARI run shell commands',
  severity: 'high',
  step: 'exposure',
  docs: {
    why: 'Since Asterisk 12, dialplan functions that touch the system (SHELL(), FILE() writes, System() through Originate, DB writes...) refuse to run when invoked from AMI or ARI, because a manager login would otherwise be a shell on the PBX. `live_dangerously = yes` turns that protection off: one leaked AMI or ARI password becomes remote code execution.',
    fix: 'Set `live_dangerously = no` in asterisk.conf [options] (the default) and move whatever needed it into dialplan that AMI triggers with a plain Originate to a fixed extension.',
    refs: [
      'Asterisk configs/samples/asterisk.conf.sample',
      'https://docs.asterisk.org/Configuration/Core-Configuration/Asterisk-Main-Configuration-File/',
    ],
  },
  messages: {
    on: 'asterisk.conf live_dangerously={value}: AMI and ARI may call dangerous functions such as SHELL()',
  },
  check(m, ctx) {
    const v = m.section('asterisk.conf', 'options')?.get('live_dangerously');
    if (v && astTrue(v.value))
      ctx.report({
        messageId: 'on',
        data: { value: v.value },
        at: spanOf(v),
        target: 'asterisk:live_dangerously',
      });
  },
});
