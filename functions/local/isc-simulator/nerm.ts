import { page, type Answer } from './answers.js';

/**
 * The NERM (Non-Employee Risk Management) calls the dispatcher makes, answered with NERM v1's shapes
 * (sailpoint-oss/api-specs nerm/: `{users: [User]}`, `{user: User}`, `{user_managers: [UserManager]}`, errors as
 * `{error}`). Served beside the ISC routes: locally the simulator stands in for `https://{tenant}.nonemployee.com`.
 */
export interface SimulatedNermUser {
  id: string;
  name: string;
  email: string;
  type: 'NeprofileUser' | 'NeaccessUser';
  status: 'Active' | 'Pending' | 'Disabled';
  title?: string;
  /** The user's manager (a NERM user id): the user_managers relationship. */
  managerId?: string;
}

function nermError(status: number, error: string): Answer {
  return { status, body: { error } };
}

function publicUser({ managerId: _relationship, ...user }: SimulatedNermUser) {
  return { ...user, uid: user.email, login: user.email };
}

/** GET /api/users (getUsers) with the `email` filter, limit and offset. */
export function nermUsers(users: readonly SimulatedNermUser[], query: URLSearchParams, maxPageSize: number): Answer {
  const paging = page(query, maxPageSize);
  if ('status' in paging) return nermError(400, 'limit and offset must be whole numbers');
  const email = query.get('email')?.toLowerCase();
  const hits = users.filter((user) => email === undefined || user.email.toLowerCase() === email);
  return { status: 200, body: { users: hits.slice(paging.offset, paging.offset + paging.limit).map(publicUser) } };
}

/** GET /api/users/{id} (getUser). */
export function nermUser(users: readonly SimulatedNermUser[], id: string): Answer {
  const user = users.find((candidate) => candidate.id === id);
  return user ? { status: 200, body: { user: publicUser(user) } } : nermError(404, `User ${id} not found`);
}

/** GET /api/user_managers (getUserManagers) with the `user_id` filter. */
export function nermUserManagers(users: readonly SimulatedNermUser[], query: URLSearchParams, maxPageSize: number): Answer {
  const paging = page(query, maxPageSize);
  if ('status' in paging) return nermError(400, 'limit and offset must be whole numbers');
  const userId = query.get('user_id');
  const relations = users.flatMap((user) => (user.managerId && (userId === null || user.id === userId) ? [{ id: `um-${user.id}`, uid: `um-${user.id}`, user_id: user.id, manager_id: user.managerId }] : []));
  return { status: 200, body: { user_managers: relations.slice(paging.offset, paging.offset + paging.limit) } };
}
