/** Which tenants an overview covers: the ones an admin account may see, or null for all of them. */
export interface OverviewScope {
  tenants: string[] | null
}

/** Whether the scope covers every tenant, and so the infrastructure they share too. */
export function coversAllTenants (scope: OverviewScope): boolean {
  return scope.tenants === null
}
