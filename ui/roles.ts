/**
 * Who may use the dashboard and what each may do there. The dashboard logs in as `admin` (every right) or,
 * when the admin login refuses the account its permission (403), as `manager` (the PBX areas: see the
 * server's route table, src/auth/permissions.ts). A button the role may not use is not shown, so a click
 * never ends in a 403; test/unit/ui/roles.test.ts holds `mayDo` to the server's route table.
 */

export type DashboardRole = 'admin' | 'manager';

/** The login tried for each role, in this order (`/admin/login` accepts admin only, `/manager/login` manager). */
export const loginPaths: Readonly<Record<DashboardRole, string>> = { admin: '/v1/admin/login', manager: '/v1/manager/login' };

/** What each button sends: the method and a path of the same shape as main.ts's (unversioned, as the route table matches). */
export const actionRoutes = {
  hangup: { method: 'DELETE', path: '/core/channels/1.1' },
  pause: { method: 'PUT', path: '/queue/members/PJSIP%2F100' },
  campaign: { method: 'PUT', path: '/ob/campaigns/uuid' },
  timeline: { method: 'GET', path: '/calls/1.1' },
} as const satisfies Record<string, { readonly method: string; readonly path: string }>;

export type ActionName = keyof typeof actionRoutes;

/** Per role, the buttons shown. */
export const mayDo: Readonly<Record<DashboardRole, Readonly<Record<ActionName, boolean>>>> = {
  admin: { hangup: true, pause: true, campaign: true, timeline: true },
  manager: { hangup: true, pause: true, campaign: true, timeline: true },
};

export function isDashboardRole(value: unknown): value is DashboardRole {
  return value === 'admin' || value === 'manager';
}
