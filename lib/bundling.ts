/**
 * How every Lambda function is bundled (the CDK stack and bench/packages.ts share this).
 *
 * The AWS SDK is bundled: measured, a bundled SDK initialises in about half the time of the runtime's copy
 * (bench/results/latest.md). Only the credential providers Lambda never reaches are left out: Lambda puts
 * credentials in the environment, which the default chain reads first; the runtime ships the rest should
 * the chain ever get that far.
 */
export const RUNTIME_ONLY_MODULES = [
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@smithy/credential-provider-imds',
];

/** ESM output needs `require` for the CommonJS parts of dependencies. */
export const ESM_REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";
