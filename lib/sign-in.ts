import { Aws, CfnOutput, Duration, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  FeaturePlan,
  Mfa,
  OAuthScope,
  ProviderAttribute,
  UserPool,
  UserPoolClient,
  UserPoolClientIdentityProvider,
  UserPoolIdentityProviderOidc,
  UserPoolIdentityProviderSaml,
  UserPoolIdentityProviderSamlMetadata,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { Construct, type Node } from 'constructs';
import type { StageConfig } from './config.js';
import { readContext, type ConsoleIdp } from './context.js';

/** The console's groups; membership is the role the API enforces (functions/http/console-auth.ts). */
export const CONSOLE_GROUPS = { admin: 'May change targets, credentials, mappings and replay deliveries.', viewer: 'May read everything, change nothing.' } as const;

/** The external IdP the user pool federates to (context `consoleIdp`, JSON), checked with the other context keys. */
export function consoleIdp(node: Node): ConsoleIdp | undefined {
  return readContext(node).consoleIdp;
}

export interface SignInProps {
  config: StageConfig;
  idp?: ConsoleIdp;
}

/**
 * Who may use the console: a Cognito user pool (no self sign-up; admins create users) with its hosted sign-in
 * on a Cognito domain, the `admin` and `viewer` groups, and optionally a federated SAML/OIDC IdP. The console is
 * a public client added once its URL is known (addConsoleClient).
 */
export class SignIn extends Construct {
  readonly userPool: UserPool;
  readonly domain: UserPoolDomain;
  /** https://<prefix>.auth.<region>.amazoncognito.com */
  readonly baseUrl: string;
  private readonly providers: UserPoolClientIdentityProvider[] = [UserPoolClientIdentityProvider.COGNITO];
  private readonly federated: Construct[] = [];

  constructor(scope: Construct, id: string, props: SignInProps) {
    super(scope, id);
    const { config } = props;
    this.userPool = new UserPool(this, 'Users', {
      userPoolName: `${config.stackName}-console`,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: { minLength: 14, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.ESSENTIALS,
      deletionProtection: config.deletionProtection,
      removalPolicy: config.dataRemovalPolicy,
    });
    for (const [name, description] of Object.entries(CONSOLE_GROUPS)) {
      new CfnUserPoolGroup(this, `${name[0]!.toUpperCase()}${name.slice(1)}Group`, { userPoolId: this.userPool.userPoolId, groupName: name, description });
    }
    this.domain = this.userPool.addDomain('HostedSignIn', { cognitoDomain: { domainPrefix: `usage-cert-${config.stage}-${Aws.ACCOUNT_ID}` } });
    this.baseUrl = this.domain.baseUrl();
    if (props.idp) this.federate(props.idp);

    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason: 'The Plus feature plan (threat protection) has a per-user cost; users are created by admins only (no self sign-up), MFA is required and a federated IdP applies its own risk checks.',
    });
  }

  /** The console's app client: public (no secret), authorization code only (PKCE is enforced by the console and Cognito for public clients). */
  addConsoleClient(consoleUrl: string): UserPoolClient {
    const client = this.userPool.addClient('Console', {
      userPoolClientName: 'console',
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL],
        callbackUrls: [consoleUrl],
        logoutUrls: [consoleUrl],
      },
      supportedIdentityProviders: this.providers,
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(8),
      enableTokenRevocation: true,
    });
    // The client names the federated IdP, which must exist first.
    for (const idp of this.federated) client.node.addDependency(idp);
    new CfnOutput(Stack.of(this), 'ConsoleUserPoolId', { value: this.userPool.userPoolId, description: 'Create the first admin here (docs/deploy.md), then add them to the "admin" group' });
    return client;
  }

  private federate(idp: ConsoleIdp): void {
    const provider =
      idp.type === 'saml'
        ? new UserPoolIdentityProviderSaml(this, 'Idp', { userPool: this.userPool, name: idp.name, metadata: UserPoolIdentityProviderSamlMetadata.url(idp.metadataUrl), attributeMapping: { email: ProviderAttribute.other('http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress') } })
        : new UserPoolIdentityProviderOidc(this, 'Idp', {
            userPool: this.userPool,
            name: idp.name,
            issuerUrl: idp.issuer,
            clientId: idp.clientId,
            // A {{resolve:secretsmanager:…}} reference, read by CloudFormation at deploy time: the value is never in the template.
            clientSecret: SecretValue.secretsManager(idp.clientSecretName).unsafeUnwrap(),
            scopes: ['openid', 'email'],
            attributeMapping: { email: ProviderAttribute.other('email') },
          });
    this.providers.push(UserPoolClientIdentityProvider.custom(provider.providerName));
    this.federated.push(provider);
  }
}
