import type { Stamp } from './hlc';
import { composeOps, type TextOp } from './text-ops';

// A device's short memory of how a text field moved from one stored version to the next, each
// step exact (its own typing, the server's merge, another tab's write merged in the store). An
// editor or a write made on an older version moves along it instead of guessing with a diff,
// which cannot tell two people's alike characters apart (S39).

/** One step: the edit from version `from` to version `to` of a text field. */
export interface TextMove {
  from: Stamp;
  to: Stamp;
  op: TextOp;
}

/** How many steps a field remembers: enough for an editor a few writes behind. */
export const TEXT_MOVES_KEPT = 16;

/** The field's steps with `step` added; a step that does not follow the last one starts anew. */
export function withMove(chain: readonly TextMove[] | undefined, step: TextMove): TextMove[] {
  const last = chain?.at(-1);
  if (!chain || !last || last.to !== step.from) return [step];
  return [...chain, step].slice(-TEXT_MOVES_KEPT);
}

/** The edit from version `from` to version `to` along the steps, or null when they do not say. */
export function moveAlong(
  chain: readonly TextMove[] | undefined,
  from: Stamp | null,
  to: Stamp | null,
): TextOp | null {
  if (!chain || from === null || to === null) return null;
  const start = chain.findIndex((step) => step.from === from);
  if (start < 0) return null;
  let op: TextOp | null = null;
  for (const step of chain.slice(start)) {
    try {
      op = op === null ? step.op : composeOps(op, step.op);
    } catch {
      return null; // steps that do not fit one another: a broken memory says nothing
    }
    if (step.to === to) return op;
  }
  return null;
}
