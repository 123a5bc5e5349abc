import * as z from 'zod/mini';
import { AppError, unauthorized } from '../core/errors.js';
import type { TokenClaims } from '../adapters/jwt-verifier.js';

/** What a signed-in console user may do: `admin` reads and writes, `viewer` only reads. */
export type ConsoleRole = 'admin' | 'viewer';

export interface ConsoleIdentity {
  subject: string;
  email: string;
  role: ConsoleRole;
}

export interface ConsoleAuth {
  verify(token: string): Promise<TokenClaims>;
  /** The claim holding the user's groups: `cognito:groups` on Cognito, `groups` on most other IdPs. */
  groupsClaim: string;
}

const Claims = z.object({
  sub: z.string().check(z.minLength(1), z.maxLength(256)),
  email: z.string().check(z.minLength(3), z.maxLength(320)),
});

const GroupList = z.array(z.string());

/** Roles come from groups only: a verified user in neither group is signed in but may do nothing. */
export function consoleIdentity(claims: TokenClaims, groupsClaim: string): ConsoleIdentity {
  const parsed = Claims.safeParse(claims);
  if (!parsed.success) throw unauthorized('The sign-in token lacks the sub or email claim; request the "email" scope.');
  const rawGroups = claims[groupsClaim];
  const groups = GroupList.safeParse(typeof rawGroups === 'string' ? [rawGroups] : rawGroups ?? []);
  const memberOf = new Set(groups.success ? groups.data : []);
  const role = memberOf.has('admin') ? 'admin' : memberOf.has('viewer') ? 'viewer' : undefined;
  if (!role) throw new AppError(403, 'forbidden', `${parsed.data.email} is in neither the "admin" nor the "viewer" group; ask an administrator for access.`);
  return { subject: parsed.data.sub, email: parsed.data.email, role };
}

/**
 * Reads are GETs; every other method changes something or asks ISC on the caller's behalf (preview, checks,
 * match tests), so a viewer is refused before the route runs.
 */
export function requireRoleFor(method: string, identity: ConsoleIdentity): void {
  if (method !== 'GET' && identity.role !== 'admin') {
    throw new AppError(403, 'forbidden', `${identity.email} is a viewer; only members of the "admin" group may ${method} here.`, { role: identity.role });
  }
}

/** How an audit entry names a console user: the email people read and the subject that cannot be reassigned. */
export const consoleActor = (identity: ConsoleIdentity): string => `${identity.email} (sub ${identity.subject})`;

/** Signed-in console user for a bearer JWT, authorized for this method; the audit actor it acts as. */
export async function authorizeConsoleToken(auth: ConsoleAuth, token: string, method: string): Promise<string> {
  const identity = consoleIdentity(await auth.verify(token), auth.groupsClaim);
  requireRoleFor(method, identity);
  return consoleActor(identity);
}

/** A compact JWS (three base64url parts), as opposed to the opaque local admin token. */
export const looksLikeJwt = (token: string): boolean => /^[\w-]+\.[\w-]*\.[\w-]*$/.test(token);
