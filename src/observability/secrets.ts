// Every secret value in a loaded configuration: what the logs must never contain.
import type { AppConfig } from '../config/config.js';

/** Provider settings fields that hold secrets (public keys, ids and URLs are not). */
const SECRET_FIELDS = new Set(['secretKey', 'callbackToken', 'serverKey', 'clientSecret', 'privateKey', 'apiKey']);

export function configuredSecrets(config: AppConfig): string[] {
  const out = [...config.apiKeys.values(), ...config.merchantWebhookSecrets.values(), config.dataKey.toString('base64'), config.dataKey.toString('hex')];
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value)) {
      if (typeof v === 'string' && SECRET_FIELDS.has(key)) out.push(v);
      else if (typeof v === 'object') visit(v);
    }
  };
  visit(config.providers);
  return out.filter((s) => s.length > 0);
}
