import { exports } from 'cloudflare:workers';
import { apiClient } from '../../../tests/support/api-client';

export {
  sessionCookieOf,
  TEST_PASSWORD,
  type ApiInit,
  type TestUser,
} from '../../../tests/support/api-client';

/** The origin worker tests call; state-changing requests carry it as `Origin`. */
export const ORIGIN = 'http://baton.test';

/** The tests' API client, calling the Worker inside workerd (no network between them). */
export const { api, signUp, signIn, createSpace, createLink, addMember, appPassword } = apiClient(
  ORIGIN,
  (url, init) => exports.default.fetch(url, init),
);
