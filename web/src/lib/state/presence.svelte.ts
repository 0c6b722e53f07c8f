import type { PresenceChannel, Present } from '../sync/presence';

/** How long after the last key a person still counts as typing. */
const TYPING_MS = 3_000;

/**
 * Who else has an item open, and who is typing in it (S26), for the item's screen. Names, never
 * ids; another tab of the same person shows as "you, in another tab".
 */
export class ItemPresence {
  people = $state.raw<Present[]>([]);
  #channel: PresenceChannel | null = null;
  #idle: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(spaceId: string, itemId: string) {
    // The socket code loads with the item screen of a cloud space, not with the first screen.
    void import('../sync/presence').then(({ PresenceChannel }) => {
      if (this.#stopped) return;
      this.#channel = new PresenceChannel(spaceId, itemId, (people) => (this.people = people)).start();
    });
  }

  /** The user typed: "editing" until they stop for a moment. */
  typing(): void {
    this.#channel?.set('editing');
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.#channel?.set('viewing'), TYPING_MS);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#idle);
    this.#channel?.stop();
  }
}

/** The sentence the item screen shows, e.g. "bob is editing · carol has this open". */
export function presenceText(people: readonly Present[], me: string | null): string {
  // A plain Map: built and read within this call, never watched.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  const states = new Map<string, Present['state']>();
  for (const person of people) {
    if (states.get(person.username) !== 'editing') states.set(person.username, person.state);
  }
  return [...states]
    .map(([name, state]) => {
      if (name === me) {
        return state === 'editing'
          ? 'you are editing this in another tab'
          : 'you have this open in another tab';
      }
      return state === 'editing' ? `${name} is editing` : `${name} has this open`;
    })
    .join(' · ');
}
