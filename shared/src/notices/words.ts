import type { Notice } from './schemas';

/**
 * The sentence a person reads for a notice, in the app and in a system notification: it names
 * people and the item, never ids ("bob asks you to release “Logo”: “I need it before 5”").
 */
export function noticeText(notice: Notice): string {
  const item = `“${notice.title}”`;
  const said = notice.message ? `: “${notice.message}”` : '.';
  switch (notice.kind) {
    case 'asked':
      return `${notice.from ?? 'Someone'} asks you to release ${item}${said}`;
    case 'answered':
      return `${notice.from ?? 'The holder'} answered about ${item}${said}`;
    case 'free':
      return notice.message ? `${item} is free again: ${notice.message}.` : `${item} is free again.`;
    case 'granted':
      return `You have ${item} checked out now${notice.from ? ` (from ${notice.from})` : ''}.`;
    case 'taken':
      return `${notice.from ?? 'Someone'} took ${item} from you: ${notice.message}.`;
  }
}

/** The short title of a system notification for a notice. */
export function noticeTitle(notice: Notice): string {
  switch (notice.kind) {
    case 'asked':
      return `${notice.from ?? 'Someone'} asks for “${notice.title}”`;
    case 'answered':
      return `About “${notice.title}”`;
    case 'free':
      return `“${notice.title}” is free`;
    case 'granted':
      return `“${notice.title}” is yours`;
    case 'taken':
      return `“${notice.title}” was taken`;
  }
}

/** The page a notice opens: the item when the lock names one (its title is known), else the space's locks. */
export function noticeUrl(spaceId: string, notice: Notice): string {
  const space = encodeURIComponent(spaceId);
  return notice.title !== notice.lock
    ? `/spaces/${space}/items/${encodeURIComponent(notice.lock)}`
    : `/spaces/${space}/locks`;
}
