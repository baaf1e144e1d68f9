// What every route declares for the security plugin (docs/service.md "Security contract"): the role it needs, and
// where the account it concerns is (checked against the key's scope; another account's data answers 404).

export type RouteRole = 'public' | 'read' | 'trade' | 'operator' | 'admin';
export type RouteAccount = 'params.id' | 'body.account';

declare module 'fastify' {
  interface FastifyContextConfig {
    role?: RouteRole;
    account?: RouteAccount;
  }
}
