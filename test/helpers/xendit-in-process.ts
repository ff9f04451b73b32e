// A Xendit sandbox in the test's own process, with bayar's adapter pointed at it: for unit tests
// of the adapter against the sandbox over real HTTP, without a stack. Callbacks go nowhere
// (port 9, discard); the sandbox's clock runs 10,000 times fast.
import { after, before } from 'node:test';
import { XenditProvider } from '../../src/providers/xendit/index.js';
import { XenditSandbox } from '../../src/providers/xendit/sandbox/sandbox.js';
import { SandboxKit } from '../../src/sandbox/kit.js';

export interface InProcessXendit {
  kit: SandboxKit;
  base: string;
  xendit: XenditProvider;
}

/** Starts the sandbox before the suite's tests and closes it after; the fields are set once `before` has run. */
export function xenditInProcess(secretKey: string, callbackToken: string, timeoutMs: number): InProcessXendit {
  const state = {} as InProcessXendit;
  before(async () => {
    state.kit = new SandboxKit(new XenditSandbox({ secretKey, callbackToken }), { callbackUrl: 'http://127.0.0.1:9/webhooks/xendit', timeScale: 0.0001 });
    state.base = `http://127.0.0.1:${await state.kit.listen(0)}`;
    state.xendit = new XenditProvider({ secretKey, callbackToken, baseUrl: state.base, timeoutMs });
  });
  after(async () => {
    await state.kit?.close();
  });
  return state;
}
