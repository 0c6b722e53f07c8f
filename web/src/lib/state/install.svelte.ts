// Chromium's install prompt event is not in the DOM typings.
interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>;
  readonly userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>;
}

function isInstallPrompt(event: Event): event is BeforeInstallPromptEvent {
  return 'prompt' in event && typeof event.prompt === 'function';
}

/**
 * Keeps the browser's `beforeinstallprompt` event so an "Install" button can show it later
 * (https://web.dev/articles/customize-install). `available` is false where the browser does not
 * offer installation or the app is installed already.
 */
class InstallState {
  available = $state(false);
  #event: BeforeInstallPromptEvent | undefined;

  constructor() {
    if (typeof window === 'undefined') return;
    addEventListener('beforeinstallprompt', (event) => {
      if (!isInstallPrompt(event)) return;
      event.preventDefault();
      this.#event = event;
      this.available = true;
    });
    addEventListener('appinstalled', () => {
      this.#event = undefined;
      this.available = false;
    });
  }

  async install(): Promise<void> {
    const event = this.#event;
    if (!event) return;
    await event.prompt();
    await event.userChoice;
    // The event can be used once; the browser fires a new one if installation is still possible.
    this.#event = undefined;
    this.available = false;
  }
}

/** The install prompt, when the browser offers one. */
export const installState = new InstallState();
