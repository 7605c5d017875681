import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astTrue } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-SYS-002',
  title: 'execincludes runs #exec commands while loading configuration',
  severity: 'medium',
  step: 'exposure',
  docs: {
    why: 'With `execincludes = yes` in asterisk.conf, every `#exec /path/script` line in any configuration file runs that program as the Asterisk user each time the file is loaded, and its output becomes configuration. Anyone who can write one config file (an AMI user with the `config` class, a web GUI, a backup restore) can then run programs on the PBX; the generated configuration is also invisible to reviews and to this audit.',
    fix: 'Set `execincludes = no` in asterisk.conf [options] and generate the files with a script before reloading instead, so that what Asterisk loads can be read and audited.',
    refs: ['Asterisk configs/samples/asterisk.conf.sample'],
  },
  messages: {
    used: 'asterisk.conf execincludes={value} and {count} #exec line(s) run commands at load time',
    unused: 'asterisk.conf execincludes={value} although no file uses #exec',
  },
  check(m, ctx) {
    const v = m.section('asterisk.conf', 'options')?.get('execincludes');
    if (!v || !astTrue(v.value)) return;
    const execs = Object.values(m.files).flatMap((f) => f?.execs ?? []);
    ctx.report({
      messageId: execs.length ? 'used' : 'unused',
      data: { value: v.value, count: execs.length },
      at: spanOf(v),
      target: 'asterisk:execincludes',
      ...(execs.length ? { related: execs.map(spanOf) } : { severity: 'low' as const }),
    });
  },
});
