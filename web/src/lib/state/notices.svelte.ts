import type { Notice } from '#shared/notices/schemas';
import { noticeText, noticeTitle, noticeUrl } from '#shared/notices/words';
import { fetchNotices, savePushSubscription, setNoticesEnabled, vapidPublicKey } from '../api/notices';
import { notificationPermission, showSystemNotification, subscribeToPush } from '../pwa/notify';

/** How many notices the page keeps on screen. */
const SHOWN_MAX = 10;

const seenKey = (spaceId: string) => `baton.notices.${spaceId}`;

/**
 * The signed-in person's notices in one space (docs/spec/locks.md L26–L29): each shows in the app
 * and, when they allowed it and did not turn this space off, as a system notification — once per
 * device (the last number seen is kept in localStorage). Notices sent while the device was away
 * are read when it is back ({@link catchUp}).
 */
export class SpaceNotices {
  shown = $state.raw<Notice[]>([]);
  /** This person wants system notifications from this space (kept by the server). */
  enabled = $state(true);
  permission = $state(notificationPermission());
  #seen: number | null;

  constructor(
    readonly spaceId: string,
    /** A notice that the lock is now this person's (handed over, or their turn). */
    private readonly onGranted: (notice: Notice) => void,
  ) {
    const stored = Number(localStorage.getItem(seenKey(spaceId)));
    this.#seen = Number.isSafeInteger(stored) && stored > 0 ? stored : null;
  }

  /** A notice arrived (live, or read after being away). Each is handled once per device. */
  receive(notice: Notice): void {
    if (this.#seen !== null && notice.seq <= this.#seen) return;
    this.#remember(notice.seq);
    this.shown = [
      ...this.shown.filter((n) => n.lock !== notice.lock || n.kind !== notice.kind),
      notice,
    ].slice(-SHOWN_MAX);
    if (notice.kind === 'granted') this.onGranted(notice);
    if (this.enabled) {
      void showSystemNotification({
        title: noticeTitle(notice),
        body: noticeText(notice),
        url: noticeUrl(this.spaceId, notice),
        tag: `baton-notice-${notice.seq}`,
      });
    }
  }

  /** Reads what was sent while this device was away (L29); a device new to the space starts from now. */
  async catchUp(): Promise<void> {
    try {
      const first = this.#seen === null;
      const page = await fetchNotices(this.spaceId, this.#seen ?? 0);
      this.enabled = page.enabled;
      if (first) {
        this.#remember(page.head);
        return;
      }
      for (const notice of page.notices) this.receive(notice);
    } catch {
      // Offline or signed out: the next connect tries again.
    }
  }

  dismiss(notice: Notice): void {
    this.shown = this.shown.filter((n) => n.seq !== notice.seq);
  }

  /** Turns notifications from this space on (asking the browser, subscribing to Web Push) or off. */
  async setEnabled(enabled: boolean): Promise<void> {
    this.enabled = enabled;
    await setNoticesEnabled(this.spaceId, enabled);
    if (!enabled) return;
    const subscription = await subscribeToPush(vapidPublicKey);
    this.permission = notificationPermission();
    if (subscription) await savePushSubscription(this.spaceId, subscription);
  }

  #remember(seq: number): void {
    this.#seen = Math.max(this.#seen ?? 0, seq);
    try {
      localStorage.setItem(seenKey(this.spaceId), String(this.#seen));
    } catch {
      // Storage refused: notices may show again after a reload.
    }
  }
}
