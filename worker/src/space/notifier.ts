import { noticeText, noticeTitle, noticeUrl } from '#shared/notices/words';
import type { Notice, NoticeListResponse, PushPayload } from '#shared/notices/schemas';
import { sendWebPush, type StoredSubscription, type VapidKeys } from '../push/web-push';
import { Notices, type NoticeDraft } from './notices';
import { PushSubscriptions } from './push-subscriptions';

/** What the notifier needs from its space's object. */
export interface NotifierPorts {
  sql: SqlStorage;
  now: () => number;
  /** Sends text to every socket of the person on this space; answers how many it reached. */
  toSockets(userId: string, text: string): number;
  titleOf(lock: string): string | null;
  spaceId(): string | null;
  /** The server's VAPID keys (made on first use, kept by the account directory) and the contact it signs with. */
  vapid(): Promise<VapidKeys & { subject: string }>;
  /** Keeps the object alive until background work (sending pushes) ends. */
  waitUntil(work: Promise<unknown>): void;
}

/**
 * The space's notices and their delivery (L26–L29): kept per person, sent live to open sockets,
 * and by Web Push to the person's devices when none is open and they want notifications.
 */
export class SpaceNotifier {
  readonly subscriptions: PushSubscriptions;
  private readonly notices: Notices;

  constructor(private readonly ports: NotifierPorts) {
    this.subscriptions = new PushSubscriptions(ports.sql, ports.now);
    this.notices = new Notices(
      ports.sql,
      {
        toSockets: (userId, text) => ports.toSockets(userId, text),
        titleOf: (lock) => ports.titleOf(lock),
        push: (userId, notice) => ports.waitUntil(this.push(userId, notice)),
      },
      ports.now,
    );
  }

  deliver(drafts: readonly NoticeDraft[]): void {
    if (drafts.length > 0) this.notices.deliver(drafts);
  }

  list(userId: string, after: number): NoticeListResponse {
    return this.notices.list(userId, after);
  }

  setEnabled(userId: string, enabled: boolean): void {
    this.notices.setEnabled(userId, enabled);
  }

  /** Sends `notice` to each of the person's devices; a subscription the push service says is gone is dropped. */
  async push(userId: string, notice: Notice): Promise<void> {
    const devices: StoredSubscription[] = this.subscriptions.of(userId);
    if (devices.length === 0) return;
    const payload = this.payload(notice);
    const vapid = await this.ports.vapid();
    for (const device of devices) {
      const result = await sendWebPush(device, payload, vapid);
      if (result === 'gone') this.subscriptions.remove(device.endpoint);
    }
  }

  private payload(notice: Notice): PushPayload {
    return {
      title: noticeTitle(notice),
      body: noticeText(notice),
      url: noticeUrl(this.ports.spaceId() ?? '', notice),
      tag: `baton-notice-${notice.seq}`,
      notice,
    };
  }
}
