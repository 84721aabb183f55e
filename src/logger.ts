import { type DestinationStream, type Logger, pino } from 'pino';
import { redact } from './core/secrets.js';

/**
 * Structured JSON logs. Every line passes through `redact` on its way out, so a secret that reached
 * a log field by any path (an error message from a library, a URL with credentials) is masked.
 */
export function createLogger(options: { level?: string | undefined; destination?: DestinationStream | undefined } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.RIPCORD_LOG_LEVEL ?? 'info',
      base: { service: 'ripcord' },
      redact: { paths: ['req.headers.authorization', '*.token', '*.secret', '*.password'], censor: '[redacted]' },
      hooks: { streamWrite: (line) => redact(line) },
    },
    options.destination,
  );
}
