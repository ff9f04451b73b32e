// Merchant authentication: `Authorization: Bearer <api key>` → merchant id, checked against the
// api_keys table (src/db/keys.ts) on every request: unknown, revoked or expired key → 401, a key
// without the route's scope → 403. The route's scope comes from @RequireScope on the handler (or
// its controller); a guarded route without one is refused, so a new route cannot be open by
// omission. The key itself is never logged or echoed.
//
// Cache: keys are looked up through VerifiedKeys (src/db/verified-keys.ts), which remembers the
// keys it found and forgets them all the moment PostgreSQL announces a change to any key or
// merchant (LISTEN/NOTIFY, migration 006): a request costs no key query, and a revocation still
// takes effect at once. Unknown keys are never cached, so a new key works at once.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger, SetMetadata, createParamDecorator, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { VERIFIED_KEYS } from '../db/database.module.js';
import { ALL_SCOPES, judgeKey, type KeyMatch, type Scope } from '../db/keys.js';
import type { VerifiedKeys } from '../db/verified-keys.js';
import { ProblemException } from './problem.js';

interface AuthedRequest {
  headers: Record<string, string | undefined>;
  merchantId?: string;
  apiKeyId?: string;
}

const SCOPE_KEY = 'bayar:scope';
/** The scope a route needs; put it on every handler (or controller) behind ApiKeyGuard. */
export const RequireScope = (scope: Scope) => SetMetadata(SCOPE_KEY, scope);

@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly logger = new Logger('auth');
  /** Only without a database (an in-process API in unit tests): BAYAR_API_KEYS, every scope. */
  private readonly configKeys: { merchantId: string; digest: Buffer }[];

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(VERIFIED_KEYS) private readonly keys: VerifiedKeys | null,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {
    this.configKeys = keys ? [] : [...config.apiKeys].map(([merchantId, key]) => ({ merchantId, digest: digest(key) }));
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(SCOPE_KEY, [context.getHandler(), context.getClass()]);
    if (!scope) {
      this.logger.error(`${context.getClass().name}.${context.getHandler().name} has no @RequireScope: refused`);
      throw new ProblemException(403, 'INSUFFICIENT_SCOPE', 'this route accepts no API key');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match) throw new ProblemException(401, 'UNAUTHENTICATED', 'send Authorization: Bearer <api key>');
    const verdict = judgeKey(await this.lookup(match[1]!), scope, Date.now());
    if (!verdict.ok) throw new ProblemException(verdict.status, verdict.code, verdict.detail);
    req.merchantId = verdict.merchantId;
    req.apiKeyId = verdict.keyId;
    return true;
  }

  private async lookup(secret: string): Promise<KeyMatch | undefined> {
    if (!this.keys) return this.fromConfig(secret);
    try {
      return await this.keys.lookup(secret);
    } catch (err) {
      this.logger.error(`API key lookup failed: ${(err as Error).message}`);
      throw new ProblemException(503, 'DATABASE_UNAVAILABLE', 'cannot check the API key right now; retry');
    }
  }

  private fromConfig(secret: string): KeyMatch | undefined {
    const given = digest(secret);
    // Check every key, so timing does not reveal which merchant a key is close to.
    let merchantId: string | undefined;
    for (const k of this.configKeys) if (timingSafeEqual(k.digest, given)) merchantId = k.merchantId;
    return merchantId ? { keyId: 'config', merchantId, scopes: [...ALL_SCOPES], revoked: false, merchantActive: true } : undefined;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** The authenticated merchant's id, set by ApiKeyGuard. */
export const MerchantId = createParamDecorator((_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<AuthedRequest>().merchantId!);
/** The id of the API key that made the request (for the audit log). */
export const ApiKeyId = createParamDecorator((_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<AuthedRequest>().apiKeyId!);
