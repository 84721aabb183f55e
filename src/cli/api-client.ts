import { RipcordError, type ErrorCode, type ErrorIssue } from '../core/errors.js';
import { registerSecret } from '../core/secrets.js';

/** The CLI's way to a running server: JSON over HTTP with a bearer token, errors back as RipcordError. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {
    registerSecret(token);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new RipcordError('unavailable', `cannot reach the ripcord server at ${this.baseUrl}: ${(error as Error).message}. Is it running (ripcord serve)?`);
    }
    const text = await response.text();
    const payload = text && response.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as unknown) : text || undefined;
    if (!response.ok) {
      const error = (payload as { error?: { code?: string; message?: string; issues?: ErrorIssue[] } } | undefined)?.error;
      throw new RipcordError((error?.code as ErrorCode | undefined) ?? 'internal', error?.message ?? `server answered ${response.status}`, error?.issues ?? []);
    }
    return payload as T;
  }
}
