import nodemailer, { type Transporter } from 'nodemailer';
import type { IncidentMessage } from '../incidents/incident-message.js';
import { DEFAULT_TEMPLATES, renderTemplate } from '../incidents/incident-message.js';
import type { Notifier } from '../incidents/notifier.js';

export interface EmailTemplates {
  email_subject?: string | undefined;
  email_body?: string | undefined;
  resolved_email_subject?: string | undefined;
  resolved_email_body?: string | undefined;
}

/** Email over SMTP (nodemailer). Resolved incidents use seed 002's `[RESOLVED]` user email. */
export class EmailNotifier implements Notifier {
  readonly name: string;
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly to: string[],
    private readonly from: string,
    private readonly templates: EmailTemplates = {},
  ) {
    this.name = `email ${to.join(', ')} via ${smtpHost(smtpUrl)}`;
    this.transport = nodemailer.createTransport(smtpUrl);
  }

  render(message: IncidentMessage): { subject: string; text: string } {
    const t = this.templates;
    const fields = { ...message.fields, ack: message.ackUrl ? `Acknowledge: ${message.ackUrl}` : '' };
    if (message.kind === 'resolved') {
      return {
        subject: renderTemplate(t.resolved_email_subject ?? DEFAULT_TEMPLATES.resolved_email_subject, fields),
        text: renderTemplate(t.resolved_email_body ?? DEFAULT_TEMPLATES.resolved_email_body, fields),
      };
    }
    return {
      subject: renderTemplate(t.email_subject ?? DEFAULT_TEMPLATES.email_subject, fields),
      text: renderTemplate(t.email_body ?? DEFAULT_TEMPLATES.email_body, fields),
    };
  }

  async send(message: IncidentMessage): Promise<void> {
    const { subject, text } = this.render(message);
    await this.transport.sendMail({ from: this.from, to: this.to, subject, text });
  }

  close(): void {
    this.transport.close();
  }
}

/** The SMTP server's host and port only: the URL's credentials are secrets. */
function smtpHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'smtp';
  }
}
