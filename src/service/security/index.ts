// The service's security: API keys (key-store.ts), signed requests (signing.ts), the fastify plugin (plugin.ts) and
// the client that signs (client.ts). docs/security.md.

export { securityPlugin, SECURITY_DEFAULTS, type SecurityOptions } from './plugin.js';
export { KeyStore, KeyStoreError, defaultMasterKeyFile, type ApiKey, type NewKey } from './key-store.js';
export { ROLES, roleAllows, type Role, type RouteRole, type AccountLocation } from './roles.js';
export { HEADERS, canonicalString, sign, verify, type SignedParts } from './signing.js';
export { refusalBody, REFUSAL_STATUS, type RefusalBody, type RefusalCode, type SecurityCode } from './refusal.js';
export type { RateLimit } from './token-bucket.js';
