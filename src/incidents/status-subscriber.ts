/** Someone told of the public status page's incident updates, by email or webhook, per component if they chose. */
export interface StatusSubscriber {
  id: string;
  service: string;
  kind: 'email' | 'webhook';
  /** The email address or the webhook URL. */
  target: string;
  /** Public component names; empty = all. */
  components: string[];
  /** Webhooks only: the key their payloads are signed with (x-ripcord-signature). */
  secret?: string | undefined;
  createdAt: string;
  /** Email waits for the link in the confirmation mail (double opt-in); webhooks are confirmed at once. */
  confirmedAt?: string | undefined;
  unsubscribedAt?: string | undefined;
}

export interface StatusSubscriberRepository {
  insert(subscriber: StatusSubscriber, tokenHash: string): Promise<void>;
  byTokenHash(tokenHash: string): Promise<StatusSubscriber | undefined>;
  confirm(id: string, at: string): Promise<void>;
  unsubscribe(id: string, at: string): Promise<void>;
  /** Confirmed and not unsubscribed. */
  active(service: string): Promise<StatusSubscriber[]>;
}
