import { readFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { HardlineError } from '../core/errors.js';
import type { AlertChannelConfig } from '../policy/sections.js';
import type { AlertTransport } from './channel.js';
import { type AlertMessage, messageSubject, messageText } from './message.js';

type EmailConfig = Extract<AlertChannelConfig, { type: 'email' }>;

/**
 * E-mail over SMTP (nodemailer): STARTTLS required by default (port 587), implicit TLS (465) or,
 * for a local relay only, none. The password comes from an environment variable named in the
 * policy, never from the policy itself, and never appears in a log or an error message.
 */
export class EmailTransport implements AlertTransport {
  readonly type = 'email';
  private readonly transporter: nodemailer.Transporter<SMTPTransport.SentMessageInfo>;

  constructor(
    private readonly c: EmailConfig,
    baseDir: string,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const s = c.smtp;
    let auth: { user: string; pass: string } | undefined;
    if (s.user && s.password_env) {
      const pass = env[s.password_env];
      if (!pass)
        throw new HardlineError(
          'HL_ERR_ALERT',
          `alert channel ${c.name ?? 'email'}: environment variable ${s.password_env} (SMTP password) is not set`,
        );
      auth = { user: s.user, pass };
    }
    let ca: Buffer | undefined;
    if (s.ca_file) {
      const f = path.resolve(baseDir, s.ca_file);
      try {
        ca = readFileSync(f);
      } catch (e) {
        throw new HardlineError('HL_ERR_ALERT', `cannot read smtp.ca_file ${f}: ${(e as Error).message}`);
      }
    }
    const options: SMTPTransport.Options = {
      host: s.host,
      port: s.port ?? (s.security === 'tls' ? 465 : s.security === 'starttls' ? 587 : 25),
      secure: s.security === 'tls',
      requireTLS: s.security === 'starttls',
      ignoreTLS: s.security === 'none',
      ...(auth ? { auth } : {}),
      tls: { minVersion: 'TLSv1.2', ...(ca ? { ca } : {}) },
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
      disableFileAccess: true,
      disableUrlAccess: true,
    };
    this.transporter = nodemailer.createTransport(options);
  }

  async send(m: AlertMessage): Promise<void> {
    try {
      await this.transporter.sendMail({
        from: this.c.from,
        to: this.c.to,
        subject: `${this.c.subject} ${messageSubject(m)}`.trim(),
        text: messageText(m),
        headers: { 'X-Hardline-Message': m.kind },
      });
    } catch (e) {
      // nodemailer errors name the server's reply; they never contain the password.
      throw new Error(`SMTP ${this.c.smtp.host}: ${(e as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}
