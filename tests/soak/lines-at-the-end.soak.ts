import { describe, it } from 'vitest';
import { twoPeopleForSuite } from '../e2e/together-support';
import { typeNewLinesAtTheEnd } from '../e2e/merge-scenarios';

// Soak of the most common shared moment (docs/spec/sync.md S37, S39): two people, key by key,
// typing a new line each at the end of one note at once, in 40 rounds of seeded rhythms (and two
// tabs of one person every fifth round). BATON_SOAK_LINE_ROUNDS sets the number of rounds.

const ROUNDS = Number(process.env['BATON_SOAK_LINE_ROUNDS'] ?? 40);

describe('two people typing new lines at the end of one note, again and again', () => {
  const people = twoPeopleForSuite('Lines at the end');

  for (let round = 1; round <= ROUNDS; round++) {
    it(`[S37][S39] round ${round}: both lines whole on both screens, no copy`, async () => {
      if (round % 5 === 0) {
        const second = await people.a.context().newPage();
        try {
          await typeNewLinesAtTheEnd(people.spaceId, [people.a, second], 100 + round, ['tab one', 'tab two']);
        } finally {
          await second.close();
        }
      } else {
        await typeNewLinesAtTheEnd(people.spaceId, [people.a, people.b], 100 + round, [
          'the owner',
          'the editor',
        ]);
      }
    });
  }
});
