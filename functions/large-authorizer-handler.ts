import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { awsRoot } from './aws/root.js';
import { authorizeLargeReport } from './http/large-report-authorizer.js';

/** API Gateway REQUEST authorizer of POST /webhooks/saas-management/large (the S3 integration has no code of its own). */
const { webhookSecrets } = awsRoot('large-authorizer');
export const handler = (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => authorizeLargeReport(event, webhookSecrets);
