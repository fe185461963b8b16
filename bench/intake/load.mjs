// A closed-loop HTTP load generator: `connections` keep-alive sockets, each sending its next
// request as soon as the previous answer arrives, for a fixed time.
import http from 'node:http';

/**
 * @param {{ url: string, connections: number, seconds: number, headers: (i: number) => Record<string, string>, body: (i: number) => string, expectStatus: number }} opts
 */
export async function load({ url, connections, seconds, headers, body, expectStatus }) {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies = [];
  let ok = 0;
  let failed = 0;
  let counter = 0;
  const firstFailures = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;

  const once = (i) =>
    new Promise((resolve) => {
      const payload = body(i);
      const t0 = performance.now();
      const request = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            ...headers(i),
          },
        },
        (response) => {
          const chunks = [];
          response.on('data', (c) => chunks.push(c));
          response.on('end', () => {
            const ms = performance.now() - t0;
            if (response.statusCode === expectStatus) {
              ok += 1;
              latencies.push(ms);
            } else {
              failed += 1;
              if (firstFailures.length < 3)
                firstFailures.push(
                  `${response.statusCode} ${Buffer.concat(chunks).toString().slice(0, 200)}`,
                );
            }
            resolve();
          });
        },
      );
      request.on('error', (error) => {
        failed += 1;
        if (firstFailures.length < 3) firstFailures.push(error.message);
        resolve();
      });
      request.end(payload);
    });

  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) await once(counter++);
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p) =>
    latencies.length
      ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]
      : NaN;
  return {
    requests: ok + failed,
    ok,
    failed,
    perSecond: ok / elapsed,
    p50Ms: pct(50),
    p99Ms: pct(99),
    maxMs: latencies.at(-1) ?? NaN,
    seconds: elapsed,
    firstFailures,
  };
}
