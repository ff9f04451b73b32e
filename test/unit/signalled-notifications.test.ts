// The API's memory of notifications already signalled: bounded, least recently used out.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InMemorySignalledNotifications } from '../../src/webhooks/signalled-notifications.js';

describe('InMemorySignalledNotifications', () => {
  it('remembers which payment a (provider, event id) went to, per provider', () => {
    const store = new InMemorySignalledNotifications(10);
    store.remember('xendit', 'e1', 'pay_a');
    assert.equal(store.paymentFor('xendit', 'e1'), 'pay_a');
    assert.equal(store.paymentFor('midtrans', 'e1'), undefined, "another provider's id space");
    assert.equal(store.paymentFor('xendit', 'e2'), undefined);
  });

  it('keeps at most its capacity, dropping the least recently used first', () => {
    const store = new InMemorySignalledNotifications(3);
    store.remember('xendit', 'a', 'p1');
    store.remember('xendit', 'b', 'p2');
    store.remember('xendit', 'c', 'p3');
    assert.equal(store.paymentFor('xendit', 'a'), 'p1'); // a is now the most recent
    store.remember('xendit', 'd', 'p4');
    assert.equal(store.size, 3);
    assert.equal(store.paymentFor('xendit', 'b'), undefined, 'b was the least recently used');
    assert.equal(store.paymentFor('xendit', 'a'), 'p1');
    for (let i = 0; i < 1000; i++) store.remember('doku', `r-${i}`, 'p');
    assert.equal(store.size, 3);
  });

  it('refuses a capacity that is not a positive integer', () => {
    assert.throws(() => new InMemorySignalledNotifications(0));
    assert.throws(() => new InMemorySignalledNotifications(1.5));
  });
});
