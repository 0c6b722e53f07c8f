import * as v from 'valibot';

/** Shortest username, in code points after normalisation. */
export const USERNAME_MIN = 3;
/** Longest username, in code points after normalisation. */
export const USERNAME_MAX = 32;

// Letters and digits of any script, combining marks, and `.`, `_`, `-` between them.
const ALLOWED = /^[\p{L}\p{N}\p{M}._-]+$/u;

/**
 * The one spelling of a username that is stored and compared: Unicode NFKC, then case-folded
 * (upper then lower case, so that `ß` and `SS` meet), then NFKC again, trimmed. Two names that
 * normalise alike are the same account.
 */
export function normaliseUsername(raw: string): string {
  return raw.trim().normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

/** Why `normalised` is not an acceptable username, or `null` when it is. */
export function usernameProblem(normalised: string): string | null {
  const length = [...normalised].length;
  if (length < USERNAME_MIN) return `A username has at least ${USERNAME_MIN} characters.`;
  if (length > USERNAME_MAX) return `A username has at most ${USERNAME_MAX} characters.`;
  if (!ALLOWED.test(normalised)) return 'A username may only use letters, digits, ".", "_" and "-".';
  return null;
}

/** A username as typed; the output is its normalised form, checked for length and characters. */
export const UsernameSchema = v.pipe(
  v.string(),
  v.maxLength(200, 'That username is far too long.'),
  v.transform(normaliseUsername),
  v.check(
    (name) => usernameProblem(name) === null,
    (issue) => usernameProblem(String(issue.input)) ?? 'Invalid username.',
  ),
);

/** A normalised username. */
export type Username = v.InferOutput<typeof UsernameSchema>;
