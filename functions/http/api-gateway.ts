import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Log } from '../core/ports.js';
import type { Router } from './router.js';

/** API Gateway REST proxy event → the shared request shape → the router → a proxy result. */
export async function handleApiGatewayEvent(event: APIGatewayProxyEvent, router: Router, log: Log): Promise<APIGatewayProxyResult> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const query: Record<string, string | undefined> = { ...(event.queryStringParameters ?? {}) };
  const response = await router.handle(
    {
      method: event.httpMethod,
      // The console's Cognito-authorized copy of /admin/* (lib/console-hosting.ts) serves the same routes.
      path: event.path.replace(/^\/console-api(?=\/admin\/)/, ''),
      query,
      headers,
      body: event.body === null ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8'),
      requestId: event.requestContext?.requestId ?? 'unknown',
      // Present only when API Gateway authorized the call with IAM (the admin routes).
      principal: event.requestContext?.identity?.userArn ?? undefined,
    },
    log,
  );
  const isText = typeof response.body === 'string';
  return {
    statusCode: response.status,
    headers: { 'content-type': isText ? 'text/html; charset=utf-8' : 'application/json', ...response.headers },
    body: response.body === undefined ? '' : isText ? (response.body as string) : JSON.stringify(response.body),
  };
}
