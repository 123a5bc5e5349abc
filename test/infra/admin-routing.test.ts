/**
 * The admin API's three functions behind API Gateway, as the route table assigns them: every route of admin-tools
 * and admin-preview has its own method, under /admin (IAM) and /console-api/admin (Cognito), integrated with that
 * function; the records routes have none (they reach the admin function through {proxy+}), and no other method
 * reaches the two.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { adminRecordRoutes, separateAdminRoutes } from '../../functions/http/routes.js';
import { logicalId, resourceOf, resourcesOf, synth, type Synthesized } from './synth.js';

let dev: Synthesized;
beforeAll(() => {
  dev = synth({ stage: 'dev' });
}, 120_000);

const Resource = z.object({ Properties: z.object({ PathPart: z.string(), ParentId: z.unknown() }) });
const Method = z.object({ Properties: z.object({ HttpMethod: z.string(), AuthorizationType: z.string(), ResourceId: z.object({ Ref: z.string() }), Integration: z.optional(z.object({ Uri: z.unknown() })) }) });

interface Integrated {
  method: string;
  path: string;
  auth: string;
  /** Logical id of the Lambda function the method invokes. */
  fn: string | undefined;
}

/** Every API Gateway method with its full resource path and the function it invokes. */
function methods(): Integrated[] {
  const resources = resourcesOf(dev.template, 'AWS::ApiGateway::Resource', Resource);
  const pathOf = (id: string): string => {
    const { PathPart, ParentId } = resources[id]!.Properties;
    const parent = z.object({ Ref: z.string() }).safeParse(ParentId);
    return `${parent.success ? pathOf(parent.data.Ref) : ''}/${PathPart}`;
  };
  const functions = Object.keys(dev.template.findResources('AWS::Lambda::Function'));
  return Object.values(resourcesOf(dev.template, 'AWS::ApiGateway::Method', Method)).map(({ Properties: m }) => {
    const uri = JSON.stringify(m.Integration?.Uri ?? null);
    return { method: m.HttpMethod, path: pathOf(m.ResourceId.Ref), auth: m.AuthorizationType, fn: functions.find((id) => uri.includes(`"${id}"`)) };
  });
}

describe('Admin routes by function', () => {
  const ids = () => ({ 'admin-tools': logicalId(dev.stack.functions.adminTools), 'admin-preview': logicalId(dev.stack.functions.adminPreview) });

  it('integrates every admin-tools and admin-preview route with its function, under /admin with IAM and /console-api/admin with Cognito', () => {
    const all = methods();
    const routes = Object.entries(separateAdminRoutes()).flatMap(([fn, list]) => list.map((route) => ({ ...route, fn: ids()[fn as keyof ReturnType<typeof ids>] })));
    expect(routes.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'POST /admin/deliveries/preview',
      'POST /admin/mappings/{instanceKey}/match-test',
      'POST /admin/targets/{id}/check',
      'POST /admin/targets/{id}/workflow/install',
      'POST /admin/targets/{id}/workflow/test',
      'POST /admin/targets/{id}/workflow/verify',
    ]);
    for (const route of routes) {
      expect(all.filter((m) => m.path === route.path)).toEqual([{ method: route.method, path: route.path, auth: 'AWS_IAM', fn: route.fn }]);
      expect(all.filter((m) => m.path === `/console-api${route.path}`)).toEqual([{ method: route.method, path: `/console-api${route.path}`, auth: 'COGNITO_USER_POOLS', fn: route.fn }]);
    }
    // Nothing else reaches them.
    expect(all.filter((m) => Object.values(ids()).includes(m.fn ?? ''))).toHaveLength(routes.length * 2);
  });

  it('leaves every records route to the admin function through {proxy+}: no method of its own', () => {
    const all = methods();
    const records = adminRecordRoutes({} as never).filter((route) => route.path.startsWith('/admin/'));
    expect(records.length).toBeGreaterThan(15);
    for (const route of records) {
      expect(all.filter((m) => m.path === route.path || m.path === `/console-api${route.path}`)).toEqual([]);
    }
    const admin = logicalId(dev.stack.functions.admin);
    expect(all.filter((m) => m.path.endsWith('/admin/{proxy+}'))).toEqual([
      { method: 'ANY', path: '/admin/{proxy+}', auth: 'AWS_IAM', fn: admin },
      { method: 'ANY', path: '/console-api/admin/{proxy+}', auth: 'COGNITO_USER_POOLS', fn: admin },
    ]);
  });

  it('throttles the separate admin methods in the admin bucket, like /admin/{proxy+}', () => {
    const Stage = z.object({ Properties: z.object({ MethodSettings: z.array(z.object({ ResourcePath: z.string(), HttpMethod: z.string(), ThrottlingRateLimit: z.optional(z.number()) })) }) });
    const [stage] = Object.values(resourcesOf(dev.template, 'AWS::ApiGateway::Stage', Stage));
    const limit = (path: string, method: string) => stage!.Properties.MethodSettings.find((s) => s.ResourcePath === `/${path.replaceAll('/', '~1')}` && s.HttpMethod === method)?.ThrottlingRateLimit;
    const admin = limit('/admin/{proxy+}', '*');
    expect(admin).toBe(10);
    for (const route of Object.values(separateAdminRoutes()).flat()) expect(limit(route.path, route.method)).toBe(admin);
  });

  it('gives every admin function the console token settings', () => {
    const Fn = z.object({ Properties: z.object({ Environment: z.object({ Variables: z.record(z.string(), z.unknown()) }) }) });
    for (const fn of Object.values(dev.stack.functions.adminFunctions)) {
      const env = resourceOf(dev.template, logicalId(fn), Fn).Properties.Environment.Variables;
      expect(Object.keys(env)).toEqual(expect.arrayContaining(['CONSOLE_ISSUER', 'CONSOLE_CLIENT_ID']));
      expect(env.CONSOLE_GROUPS_CLAIM).toBe('cognito:groups');
    }
  });
});
