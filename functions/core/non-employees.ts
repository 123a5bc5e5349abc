import { AppError, IscError } from './errors.js';
import type { Clock, Log, SecretStore } from './ports.js';
import { readCredentials, type Credentials, type Target } from './target.js';

/**
 * Non-employees (SailPoint Non-Employee Risk Management, NERM): users of a report that ISC does not know are often
 * contractors and guests, managed in NERM rather than as ISC identities. A target with a `nermUrl` has them looked
 * up there after identity resolution, so an admin sees who they are and whom to ask (the sponsor or manager).
 * NERM accepts the ISC access token of the target's API client (a personal access token: NERM acts as its user).
 */

/** One NERM user found by email: only what an admin needs to act (NERM v1 `User` fields; see docs/isc-setup.md). */
export interface NonEmployee {
  email: string;
  /** NERM's user id (GET /api/users/{id}). */
  nermId: string;
  /** NERM's user type: NeprofileUser (the user of a non-employee profile) or NeaccessUser (a portal user). */
  type?: string;
  /** NERM's user status: Active, Pending or Disabled. */
  status?: string;
  /** The user's manager in NERM (user_managers): the sponsor who vouches for the non-employee. */
  manager?: { name?: string; email?: string };
}

/** What a batch records of its NERM look-up. */
export interface NonEmployeeLookup {
  at: string;
  /** Unmatched emails looked up. */
  checked: number;
  /** Unmatched emails not looked up: beyond the per-batch cap or the time budget, or after an error. */
  skipped: number;
  found: NonEmployee[];
  /** Why the look-up stopped early; the batch went on regardless. */
  error?: { code: string; message: string };
}

/** The NERM call the dispatcher makes (adapters/nerm-client.ts); undefined when NERM has no user with this email. */
export interface NonEmployeeDirectory {
  findNonEmployee: (target: Target, credentials: Credentials, email: string) => Promise<NonEmployee | undefined>;
}

/** Look-ups per batch attempt: enough to show who the unmatched users are without holding the batch for long. */
export const MAX_NERM_LOOKUPS = 50;
/** The whole look-up stops starting new calls after this, so NERM slowness delays a trigger by seconds, not minutes. */
export const NERM_LOOKUP_BUDGET_MS = 20_000;

export interface NonEmployeeDeps {
  nerm?: NonEmployeeDirectory;
  secrets: SecretStore;
  clock: Clock;
  log: Log;
}

/**
 * Look up a batch's unmatched emails in the target's NERM. Off (nothing recorded, no call) without a `nermUrl`,
 * a NERM client or unmatched users. Never throws: a NERM failure is recorded on the lookup and the batch proceeds.
 */
export async function lookUpNonEmployees(target: Target, unmatched: readonly string[], deps: NonEmployeeDeps): Promise<{ nonEmployees?: NonEmployeeLookup }> {
  const { nerm, clock } = deps;
  if (!target.nermUrl || !nerm || unmatched.length === 0) return {};
  const started = clock.now();
  const found: NonEmployee[] = [];
  let checked = 0;
  let error: NonEmployeeLookup['error'];
  try {
    const credentials = await readCredentials(deps.secrets, target, 'api');
    for (const email of unmatched.slice(0, MAX_NERM_LOOKUPS)) {
      if (clock.now().getTime() - started.getTime() >= NERM_LOOKUP_BUDGET_MS) break;
      const record = await nerm.findNonEmployee(target, credentials, email);
      checked++;
      if (record) found.push(record);
    }
  } catch (cause) {
    error = describe(cause);
    deps.log.warn('NERM look-up stopped; the batch goes on without it', { targetId: target.id, error: error.code });
  }
  return { nonEmployees: { at: started.toISOString(), checked, skipped: unmatched.length - checked, found, ...(error ? { error } : {}) } };
}

function describe(cause: unknown): { code: string; message: string } {
  // IscError and AppError messages are written for admins and carry no secret (the transport scrubs ISC's bodies).
  if (cause instanceof IscError || (cause instanceof AppError && cause.exposed)) return { code: cause.code, message: `NERM look-up stopped: ${cause.message}` };
  return { code: 'internal_error', message: `NERM look-up stopped: unexpected ${(cause as Error)?.name ?? 'error'}.` };
}
