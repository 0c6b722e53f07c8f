/**
 * Shows a system notification (Notification API) when the person allowed them: through the service
 * worker when there is one (its click handler opens `url`, public/notify-sw.js), else from the page.
 * Answers whether one was shown. `tag` makes a second tab's copy replace the first.
 */
export async function showSystemNotification(note: {
  title: string;
  body: string;
  url: string;
  tag: string;
}): Promise<boolean> {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return false;
  const options = { body: note.body, tag: note.tag, icon: '/icons/icon-192.png', data: { url: note.url } };
  try {
    const registration = await navigator.serviceWorker?.getRegistration();
    if (registration) {
      await registration.showNotification(note.title, options);
      return true;
    }
  } catch {
    // No worker or it refused: the page shows it itself.
  }
  const shown = new Notification(note.title, options);
  shown.onclick = () => {
    window.focus();
    location.assign(note.url);
  };
  return true;
}

/** Whether this browser can show system notifications, and what the person said. */
export function notificationPermission(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/**
 * Asks for permission, then subscribes this device to Web Push with the server's key (for when no
 * page is open). Answers the subscription as JSON, or null when the browser has no push service.
 */
export async function subscribeToPush(vapidKey: () => Promise<string>): Promise<PushSubscriptionJSON | null> {
  if (typeof Notification === 'undefined') return null;
  if ((await Notification.requestPermission()) !== 'granted') return null;
  const registration = await navigator.serviceWorker?.getRegistration();
  if (!registration?.pushManager) return null;
  try {
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: base64urlBytes(await vapidKey()),
    });
    return subscription.toJSON();
  } catch {
    return null; // no push service reachable: notifications still work while a page is open
  }
}

function base64urlBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
