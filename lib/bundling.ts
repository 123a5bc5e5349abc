import { dirname } from 'node:path';

/**
 * How every Lambda function is bundled (the CDK stack and bench/packages.ts share this).
 *
 * The AWS SDK is bundled: measured, a bundled SDK initialises in about half the time of the runtime's copy
 * (bench/results/latest.md); RUNTIME_SDK_CLIENTS names the one exception. Otherwise only the credential
 * providers Lambda never reaches are left out: Lambda puts credentials in the environment, which the default
 * chain reads first; the runtime ships the rest should the chain ever get that far.
 */
const RUNTIME_ONLY_MODULES = [
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@smithy/credential-provider-imds',
];

/**
 * SDK clients a function takes from the Lambda runtime's SDK v3 instead of its bundle, by entry point. Only large
 * ingest's S3 client: bundled, it weighs ~165 KiB (the S3 protocol, checksums, XML) and puts the function over the
 * 400 KiB budget, while large ingest runs on S3 events for seconds to minutes, so the runtime copy's slower load
 * at a cold start (bench/results/latest.md) delays nobody. An ES module import finds the runtime's SDK on Node 18+.
 */
export const RUNTIME_SDK_CLIENTS: Readonly<Record<string, readonly string[]>> = {
  'functions/large-ingest-handler.ts': ['@aws-sdk/client-s3'],
};

/** What esbuild leaves out of a function's bundle. */
export function externalModules(entry: string): string[] {
  return [...RUNTIME_ONLY_MODULES, ...(RUNTIME_SDK_CLIENTS[entry] ?? [])];
}

/** ESM output needs `require` for the CommonJS parts of dependencies. */
export const ESM_REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * Commands that copy project files into a function's package at the same relative paths (NodejsFunction's
 * afterBundling hook runs them on this machine, no Docker). Files read at run time rather than bundled keep the
 * bundle, which is parsed at every cold start, inside its budget.
 */
export function copyIntoPackage(paths: readonly string[]): (inputDir: string, outputDir: string) => string[] {
  return (inputDir, outputDir) => paths.flatMap((path) => [`mkdir -p "${dirname(`${outputDir}/${path}`)}"`, `cp "${inputDir}/${path}" "${outputDir}/${path}"`]);
}
