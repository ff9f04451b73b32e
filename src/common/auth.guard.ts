// Merchant authentication: `Authorization: Bearer <api key>` → merchant id.
// Keys are compared in constant time; the key itself is never logged or echoed.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, createParamDecorator, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { ProblemException } from './problem.js';

interface AuthedRequest {
  headers: Record<string, string | undefined>;
  merchantId?: string;
}

@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: { merchantId: string; digest: Buffer }[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.keys = [...config.apiKeys].map(([merchantId, key]) => ({ merchantId, digest: digest(key) }));
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match) throw new ProblemException(401, 'UNAUTHENTICATED', 'send Authorization: Bearer <api key>');
    const given = digest(match[1]!);
    // Check every key, so timing does not reveal which merchant a key is close to.
    let merchantId: string | undefined;
    for (const k of this.keys) if (timingSafeEqual(k.digest, given)) merchantId = k.merchantId;
    if (!merchantId) throw new ProblemException(401, 'UNAUTHENTICATED', 'unknown API key');
    req.merchantId = merchantId;
    return true;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** The authenticated merchant's id, set by ApiKeyGuard. */
export const MerchantId = createParamDecorator((_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<AuthedRequest>().merchantId!);
