/**
 * SecretStore adapters. Secrets Manager has no local engine, so its adapter runs against aws-sdk-client-mock;
 * the local file store runs against the real file system.
 */
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
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
import { SecretsManagerStore } from '../../functions/adapters/secrets-manager-store.js';
import { FileSecretStore } from '../../functions/adapters/file-secret-store.js';
import { webhookSecretsFrom } from '../../functions/adapters/webhook-secrets.js';
import { CredentialsMissingError, StoreUnavailableError } from '../../functions/core/errors.js';

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
    await expect(store.getCredentials('s')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.getCredentials('s')).resolves.toEqual(credentials);
  });

  it('turns a missing, deleted or malformed secret into credentials_missing naming the secret id, never any of its value', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'missing' }).rejects(new ResourceNotFoundException({ message: 'Secrets Manager can\'t find the specified secret.', $metadata: {} }));
    sm.on(GetSecretValueCommand, { SecretId: 'deleted' }).rejects(new InvalidRequestException({ message: 'marked for deletion', $metadata: {} }));
    sm.on(GetSecretValueCommand, { SecretId: 'not-json' }).resolves({ SecretString: 'leaky-value-1234 {' });
    sm.on(GetSecretValueCommand, { SecretId: 'wrong-shape' }).resolves({ SecretString: '{"clientId":"x","token":"leaky-value-1234"}' });
    sm.on(GetSecretValueCommand, { SecretId: 'binary' }).resolves({ SecretBinary: new Uint8Array([1, 2]) });
    const store = new SecretsManagerStore({ client: new SecretsManagerClient({}), cacheMs: 0 });
    const errors = await Promise.all(['missing', 'deleted', 'not-json', 'wrong-shape', 'binary'].map((id) => store.getCredentials(id).catch((e: unknown) => e)));
    for (const error of errors) {
      expect(error).toBeInstanceOf(CredentialsMissingError);
      expect(error).toMatchObject({ status: 422, code: 'credentials_missing' });
      expect((error as Error).message).not.toMatch(/leaky|1234/);
    }
    expect(errors.map((e) => (e as Error).message)).toEqual([
      'Secret missing does not exist.',
      'Secret deleted is scheduled for deletion (aws secretsmanager restore-secret --secret-id deleted brings it back).',
      'Secret not-json is not JSON {clientId, clientSecret}.',
      'Secret wrong-shape is not JSON {clientId, clientSecret}.',
      'Secret binary is not JSON {clientId, clientSecret}.',
    ]);
  });

  it('translates other failures (throttling, access) into StoreUnavailableError, for the caller to retry', async () => {
    sm.on(GetSecretValueCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const store = new SecretsManagerStore({ client: new SecretsManagerClient({}) });
    const error = await store.getCredentials('s').catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(CredentialsMissingError);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(((error as Error).cause as Error).name).toBe('ThrottlingException');
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

  it('translates a failed put, create or delete into StoreUnavailableError with the SDK error as its cause', async () => {
    const denied = () => Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' });
    sm.on(PutSecretValueCommand, { SecretId: 'denied' }).rejects(denied());
    sm.on(PutSecretValueCommand, { SecretId: 'new' }).rejects(new ResourceNotFoundException({ message: 'nope', $metadata: {} }));
    sm.on(CreateSecretCommand).rejects(denied());
    sm.on(DeleteSecretCommand).rejects(denied());
    const store = new SecretsManagerStore({ client: new SecretsManagerClient({}) });
    const errors = await Promise.all([
      store.putCredentials('denied', credentials).catch((e: unknown) => e),
      store.putCredentials('new', credentials).catch((e: unknown) => e),
      store.deleteCredentials('denied').catch((e: unknown) => e),
    ]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(((error as Error).cause as Error).name).toBe('AccessDeniedException');
    }
  });
});

describe('Function: webhookSecretsFrom', () => {
  it('reads current and previous, takes a secret stored bare as the current one, and never quotes broken JSON', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'arn:ok' }).resolves({ SecretString: '{"current":"now-secret","previous":"old-secret"}' });
    sm.on(GetSecretValueCommand, { SecretId: 'arn:bare' }).resolves({ SecretString: 'bare-webhook-secret-2468' });
    sm.on(GetSecretValueCommand, { SecretId: 'arn:broken' }).resolves({ SecretString: '{"current":"broken-secret-1357' });
    const client = new SecretsManagerClient({});
    expect(await webhookSecretsFrom(client, 'arn:ok')()).toEqual(['now-secret', 'old-secret']);
    expect(await webhookSecretsFrom(client, 'arn:bare')()).toEqual(['bare-webhook-secret-2468']);
    const error = (await webhookSecretsFrom(client, 'arn:broken')().catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).not.toContain('broken-secret');
    expect(error.message).not.toContain('1357');
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
      await expect(reopened.getCredentials('nope')).rejects.toThrow(new CredentialsMissingError('Secret nope does not exist.'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('turns a deleted file, a removed entry, a malformed entry or an unparsable file into credentials_missing, quoting none of it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'secrets-'));
    try {
      const file = join(dir, 'secrets.json');
      const store = new FileSecretStore(file);
      await store.putCredentials('t/keep', { clientId: 'c', clientSecret: 'leaky-secret-5678' });
      await store.putCredentials('t/gone', { clientId: 'c', clientSecret: 'leaky-secret-5678' });
      const failure = (id: string) => store.getCredentials(id).then(() => undefined, (e: unknown) => e as CredentialsMissingError);

      const all = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      delete all['t/gone'];
      all['t/odd'] = { clientId: 'c', secret: 'leaky-secret-5678' };
      await writeFile(file, JSON.stringify(all));
      expect(await failure('t/gone')).toMatchObject({ code: 'credentials_missing', message: 'Secret t/gone does not exist.' });
      expect(await failure('t/odd')).toMatchObject({ code: 'credentials_missing', message: 'Secret t/odd is not JSON {clientId, clientSecret}.' });
      expect(await store.getCredentials('t/keep')).toEqual({ clientId: 'c', clientSecret: 'leaky-secret-5678' });

      await writeFile(file, '{"t/keep": {"clientId": "c", "clientSecret": "leaky-secret-5678"');
      const truncated = await failure('t/keep');
      expect(truncated).toMatchObject({ code: 'credentials_missing' });
      expect(truncated!.message).toBe(`Secret t/keep cannot be read: ${file} is not valid JSON; fix or remove it, then set the credentials again.`);

      await unlink(file);
      expect(await failure('t/keep')).toMatchObject({ code: 'credentials_missing', message: 'Secret t/keep does not exist.' });
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
    await expect(store.getCredentials('s')).rejects.toBeInstanceOf(CredentialsMissingError);
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
