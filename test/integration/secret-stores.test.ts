/**
 * SecretStore adapters. Secrets Manager has no local engine, so its adapter runs against aws-sdk-client-mock;
 * the local file store runs against the real file system.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerStore } from '../../functions/adapters/secrets-manager-store.js';
import { FileSecretStore } from '../../functions/adapters/file-secret-store.js';
import { SecretNotFoundError } from '../../functions/adapters/secret-errors.js';

const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());

describe('Class: SecretsManagerStore', () => {
  const credentials = { clientId: 'cid', clientSecret: 'shh-123' };

  it('reads JSON credentials once and serves the cached copy until it expires', async () => {
    // Prepare
    let now = 0;
    sm.on(GetSecretValueCommand, { SecretId: 'p/targets/prod/trigger' }).resolves({ SecretString: JSON.stringify(credentials) });
    const store = new SecretsManagerStore({ client: new SecretsManagerClient({}), clock: { now: () => new Date(now) }, cacheMs: 60_000 });
    // Act
    const first = await store.getCredentials('p/targets/prod/trigger');
    now = 59_000;
    await store.getCredentials('p/targets/prod/trigger');
    now = 61_000;
    await store.getCredentials('p/targets/prod/trigger');
    // Assess
    expect(first).toEqual(credentials);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('does not cache a failed fetch', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(new Error('throttled')).resolves({ SecretString: JSON.stringify(credentials) });
    const store = new SecretsManagerStore({ client: new SecretsManagerClient({}) });
    await expect(store.getCredentials('s')).rejects.toThrow('throttled');
    await expect(store.getCredentials('s')).resolves.toEqual(credentials);
  });

  it('names the secret but never its value when it is missing or malformed', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'missing' }).rejects(new ResourceNotFoundException({ message: 'nope', $metadata: {} }));
    sm.on(GetSecretValueCommand, { SecretId: 'bad' }).resolves({ SecretString: '{"clientId":"x","token":"leaky-value"}' });
    const store = new SecretsManagerStore({ client: new SecretsManagerClient({}), cacheMs: 0 });
    await expect(store.getCredentials('missing')).rejects.toBeInstanceOf(SecretNotFoundError);
    const error = await store.getCredentials('bad').catch((e: Error) => e);
    expect((error as Error).message).toBe('Secret bad lacks clientId/clientSecret.');
  });

  it('puts a new value, creating the secret on first use, and drops the cached copy', async () => {
    sm.on(PutSecretValueCommand).rejectsOnce(new ResourceNotFoundException({ message: 'nope', $metadata: {} })).resolves({});
    sm.on(CreateSecretCommand).resolves({});
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(credentials) });
    const store = new SecretsManagerStore({ client: new SecretsManagerClient({}) });
    await store.getCredentials('s');
    await store.putCredentials('s', { clientId: 'new', clientSecret: 'rotated' });
    await store.putCredentials('s', { clientId: 'new', clientSecret: 'rotated' });
    await store.getCredentials('s');
    expect(sm.commandCalls(CreateSecretCommand)[0]!.args[0].input).toMatchObject({ Name: 's', SecretString: '{"clientId":"new","clientSecret":"rotated"}' });
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(2);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});

describe('Class: FileSecretStore', () => {
  it('keeps credentials in a 0600 file across instances and serialises concurrent writes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'secrets-'));
    try {
      const file = join(dir, 'nested', 'secrets.json');
      const store = new FileSecretStore(file);
      await Promise.all(Array.from({ length: 10 }, (_, i) => store.putCredentials(`t/${i}`, { clientId: `c${i}`, clientSecret: `s${i}` })));
      const reopened = new FileSecretStore(file);
      for (let i = 0; i < 10; i++) expect(await reopened.getCredentials(`t/${i}`)).toEqual({ clientId: `c${i}`, clientSecret: `s${i}` });
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      await expect(reopened.getCredentials('nope')).rejects.toBeInstanceOf(SecretNotFoundError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
