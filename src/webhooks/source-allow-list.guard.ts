// Per-provider allow-lists of notification sources (BAYAR_WEBHOOK_ALLOW_<PROVIDER>, CIDRs, IPv4
// and IPv6). A second fence in front of each provider's own signature or token check, not a
// replacement for it: an address proves little on its own, but it shuts out everyone else on the
// internet when a provider's scheme is weak (Xendit's static token, Indodana's header).
//
// The client address is the socket's peer. X-Forwarded-For is believed only when
// BAYAR_TRUSTED_PROXIES is set, and only as far as the proxies in it: walking the header from the
// right, each hop added by a trusted proxy is skipped, and the first address not a trusted proxy
// is the client. A header the client wrote itself therefore changes nothing.
import { Inject, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { AddressRanges, normalizeAddress } from '../config/cidr.js';
import { ProblemException } from '../common/problem.js';
import type { ProviderName } from '../domain/payment.js';
import { PROVIDER_NAMES } from '../providers/index.js';
import { Metrics } from '../health/metrics.js';

@Injectable()
export class SourceAllowListGuard implements CanActivate {
  private readonly logger = new Logger('webhooks');
  private readonly allow = new Map<ProviderName, AddressRanges>();
  private readonly proxies?: AddressRanges;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    for (const [provider, ranges] of Object.entries(config.webhookSources.allow)) {
      if (ranges) this.allow.set(provider as ProviderName, new AddressRanges(ranges));
    }
    if (config.webhookSources.trustedProxies.length > 0) this.proxies = new AddressRanges(config.webhookSources.trustedProxies);
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const name = String(req.params.provider ?? '');
    const allow = PROVIDER_NAMES.includes(name as ProviderName) ? this.allow.get(name as ProviderName) : undefined;
    // No list for this provider (or no such provider: the controller answers 404).
    if (!allow) return true;
    const client = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], this.proxies);
    if (client !== undefined && allow.has(client)) return true;
    this.logger.warn(`${name}: notification from ${client ?? 'an unreadable address'} refused: not in BAYAR_WEBHOOK_ALLOW_${name.toUpperCase()}`);
    this.metrics.webhooks.inc({ provider: name, outcome: 'source-refused' });
    throw new ProblemException(403, 'SOURCE_NOT_ALLOWED', `notifications for ${name} are accepted only from its allow-listed addresses`);
  }
}

/**
 * The address a request came from: the socket's peer, unless that peer is a trusted proxy, in
 * which case the X-Forwarded-For hops are walked from the right past every trusted proxy.
 * Undefined when an address cannot be read (a malformed hop counts as untrusted and unusable).
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trustedProxies: AddressRanges | undefined): string | undefined {
  let current = peer === undefined ? undefined : normalizeAddress(peer)?.address;
  if (current === undefined || trustedProxies === undefined) return current;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? ''))
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  while (trustedProxies.has(current) && hops.length > 0) {
    const next = normalizeAddress(hops.pop()!);
    if (next === undefined) return undefined;
    current = next.address;
  }
  return current;
}
