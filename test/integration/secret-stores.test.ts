/**
 * SecretStore adapters. Secrets Manager has no local engine, so its adapter runs against aws-sdk-client-mock;
 * the local file store runs against the real file system.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceNotFoundException,
  RestoreSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { webhookSecretsFrom } from '../../functions/adapters/webhook-secrets.js';
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

describe('Class: SecretsManagerStore (deletion)', () => {
  const credentials = { clientId: 'cid', clientSecret: 'shh-123' };
  const scheduled = () => new InvalidRequestException({ message: 'You can\'t perform this operation on the secret because it was marked for deletion.', $metadata: {} });

  it('schedules deletion with a recovery window, and a later write restores the secret', async () => {
    sm.on(DeleteSecretCommand).resolves({});
    sm.on(PutSecretValueCommand).rejectsOnce(scheduled()).resolves({});
    sm.on(RestoreSecretCommand).resolves({});
    const store = new SecretsManagerStore({ client: new SecretsManagerClient({}) });
    await store.deleteCredentials('p/targets/gone/trigger');
    await store.putCredentials('p/targets/gone/trigger', credentials);
    expect(sm.commandCalls(DeleteSecretCommand)[0]!.args[0].input).toEqual({ SecretId: 'p/targets/gone/trigger', RecoveryWindowInDays: 7 });
    expect(sm.commandCalls(RestoreSecretCommand)).toHaveLength(1);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(2);
  });

  it('treats a secret scheduled for deletion as absent when reading, and deleting twice as done', async () => {
    sm.on(GetSecretValueCommand).rejects(scheduled());
    sm.on(DeleteSecretCommand).rejects(scheduled());
    const store = new SecretsManagerStore({ client: new SecretsManagerClient({}) });
    await expect(store.getCredentials('s')).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(store.deleteCredentials('s')).resolves.toBeUndefined();
  });

  it('fetches again when the target\'s credential version moved on, even inside the cache time', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: JSON.stringify(credentials) }).resolves({ SecretString: JSON.stringify({ ...credentials, clientSecret: 'new' }) });
    const store = new SecretsManagerStore({ client: new SecretsManagerClient({}), cacheMs: 60_000 });
    expect((await store.getCredentials('s', 1)).clientSecret).toBe('shh-123');
    expect((await store.getCredentials('s', 1)).clientSecret).toBe('shh-123');
    expect((await store.getCredentials('s', 2)).clientSecret).toBe('new');
  });
});

describe('Function: webhookSecretsFrom', () => {
  const secret = 'PlainTextSecretValue-9f8e7d6c5b4a';

  it('takes a plain-text secret as the current value instead of throwing a SyntaxError that quotes it', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: secret });
    await expect(webhookSecretsFrom(new SecretsManagerClient({}), 'arn')()).resolves.toEqual([secret]);
  });

  it('reads {"current","previous"} and refuses broken JSON without quoting any of it', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: JSON.stringify({ current: 'a', previous: '' }) }).resolves({ SecretString: `{"current": "${secret}` });
    let now = 0;
    const read = webhookSecretsFrom(new SecretsManagerClient({}), 'arn', () => now);
    await expect(read()).resolves.toEqual(['a']);
    now = 6 * 60_000;
    const error = await read().catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).not.toBe('SyntaxError');
    expect((error as Error).message).not.toContain(secret.slice(0, 6));
  });

  it('remembers a failure for 30 s, so a broken secret costs one GetSecretValue, not one per request', async () => {
    sm.on(GetSecretValueCommand).rejects(new Error(`AccessDenied for ${secret}`));
    let now = 0;
    const read = webhookSecretsFrom(new SecretsManagerClient({}), 'arn', () => now);
    for (let i = 0; i < 5; i++) await expect(read()).rejects.toThrow('Could not read the webhook secret');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    now = 31_000;
    await expect(read()).rejects.not.toThrow(secret);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});
