import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { signalSourceContract } from '../signal-source-contract.js';
import { prometheusSource } from './prometheus-source.js';

// Reading a real Prometheus is in ../prometheus.prometheus.test.ts; the contract checks errors as data.
signalSourceContract({
  definition: prometheusSource as never,
  valid: { prometheus: { url: 'http://127.0.0.1:9090', error_ratio: 'sum(rate(errors{release="{release}"}[1m]))' }, every: '15s' },
  unreachable: async () => {
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    return { config: { prometheus: { url: `http://127.0.0.1:${port}`, error_ratio: 'x{release="{release}"}', p95: 'y' } }, close: async () => undefined };
  },
});
