import { AppError, unprocessable } from '../core/errors.js';
import { IscError } from '../core/errors.js';
import type { MappingInput } from '../core/mapping.js';
import { readCredentials, type Credentials, type Target } from '../core/target.js';
import type { AdminDeps } from './admin-common.js';

/** The target's API-client credentials, or a 422 saying how to add them (or set them again when their secret is gone). */
export async function apiCredentials(deps: AdminDeps, target: Target, purpose: string): Promise<Credentials> {
  if (!target.credentials.api) throw unprocessable('api_credentials_missing', `${purpose} needs API credentials on target "${target.id}": PUT /admin/targets/${target.id}/credentials/api.`);
  return readCredentials(deps.secrets, target, 'api');
}

/** An ISC failure during an admin call: retryable ones are 503 (try again), others 422 with ISC's hints. */
export function iscFailure(error: unknown, what: string, escape: string): never {
  if (!(error instanceof IscError)) throw error;
  if (error.retryable) throw new AppError(503, 'isc_unavailable', `Could not ${what}: ${error.message} Retry, or ${escape}.`);
  throw new AppError(422, error.code, `Could not ${what}: ${error.message}`, { hints: error.details.hints, isc: error.details.isc });
}

/**
 * Confirm the mapping's source exists in the target tenant and return it with ISC's canonical name. A wrong id
 * with a known name gets a 422 that names the id ISC has for that name.
 */
export async function verifySource(deps: AdminDeps, target: Target, source: MappingInput['source']): Promise<MappingInput['source']> {
  const credentials = await apiCredentials(deps, target, 'The source check');
  try {
    const found = await deps.isc.getSource(target, credentials, source.id);
    if (found) return { id: found.id, name: found.name };
    const named = source.name ? (await deps.isc.listSources(target, credentials)).find((s) => s.name.toLowerCase() === source.name!.toLowerCase()) : undefined;
    throw unprocessable(
      'source_not_found',
      `Source ${source.id} does not exist in tenant "${target.tenant}"${named ? `; the source named "${named.name}" has id ${named.id}` : ''}. Check the id (Admin → Connections → Sources), or save with ?skipSourceCheck=true for offline setup.`,
      { field: 'source.id', ...(named ? { suggestion: named } : {}) },
    );
  } catch (error) {
    return iscFailure(error, 'verify the source', 'save with ?skipSourceCheck=true');
  }
}
