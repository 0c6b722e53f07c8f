import { describe, it } from 'vitest';
import { twoPeopleForSuite } from '../e2e/together-support';
import {
  overlapOneLineOffline,
  reloadWhileTypingTogether,
  typeDifferentLines,
  typeInTwoTabs,
} from '../e2e/typing-scenarios';

// Soak: the key-by-key scenarios of tests/e2e/typing-together.test.ts, many times over in one
// space, to catch what a single run rarely shows (run it while the machine is busy, too).

const ROUNDS = Number(process.env['BATON_SOAK_ROUNDS'] ?? 6);

describe('typing together, again and again', () => {
  const people = twoPeopleForSuite('Typing together');

  for (let round = 1; round <= ROUNDS; round++) {
    it(`[S37][S39] round ${round}: two people type different lines at once`, async () => {
      await typeDifferentLines(people.spaceId, people.a, people.b);
    });
    it(`[S37][S39] round ${round}: one person types different lines in two tabs`, async () => {
      await typeInTwoTabs(people.spaceId, people.a);
    });
    it(`[S23][S37] round ${round}: both change one word, one offline`, async () => {
      await overlapOneLineOffline(people.spaceId, people.a, people.b);
    });
    it(`[S22][S34] round ${round}: one of two typing at once reloads 50 ms after the last key`, async () => {
      await reloadWhileTypingTogether(people.spaceId, people.a, people.b);
    });
  }
});
