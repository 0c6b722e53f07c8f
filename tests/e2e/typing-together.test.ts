import { describe, it } from 'vitest';
import { twoPeopleForSuite } from './together-support';
import {
  overlapOneLineOffline,
  reloadWhileTypingTogether,
  typeDifferentLines,
  typeInTwoTabs,
} from './typing-scenarios';

// Two people typing in one note key by key at human speed, in two browser contexts, and one
// person in two tabs, against the real local server (tests/e2e/typing-scenarios.ts).
// tests/soak/concurrent-typing.soak.ts repeats the same scenarios many times.

describe('typing together, key by key', () => {
  const people = twoPeopleForSuite('Typing together');

  it('[S37][S39] two people type different lines at once: both lines in the note on both sides, no conflict copy', async () => {
    await typeDifferentLines(people.spaceId, people.a, people.b);
  });

  it('[S37][S39] one person types different lines in two tabs: both lines in both tabs, no conflict copy', async () => {
    await typeInTwoTabs(people.spaceId, people.a);
  });

  it('[S23][S37] both change one word, one offline: one version in the note, the other in a conflict copy both see', async () => {
    await overlapOneLineOffline(people.spaceId, people.a, people.b);
  });

  it('[S22][S34] one of two typing at once reloads 50 ms after the last key, with storage busy: both lines kept', async () => {
    await reloadWhileTypingTogether(people.spaceId, people.a, people.b);
  });
});
