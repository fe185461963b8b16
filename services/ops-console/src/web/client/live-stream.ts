import { SseParser, type SseMessage } from './sse-parser.js';

export type LiveState = 'connecting' | 'connected' | 'reconnecting';

/**
 * The console's server-sent event stream, read with fetch() so the access token travels in
 * the Authorization header. Reconnects with backoff; `restart` reconnects at once with a new
 * token (the server ends a stream when the token it was opened with expires).
 */
export class LiveStream {
  private controller: AbortController | null = null;
  private active = false;
  private generation = 0;

  constructor(
    private readonly token: () => string | null,
    private readonly onMessage: (message: SseMessage) => void,
    private readonly onState: (state: LiveState) => void,
  ) {}

  start(): void {
    this.active = true;
    this.restart();
  }

  restart(): void {
    if (!this.active) return;
    this.controller?.abort();
    const generation = ++this.generation;
    void this.run(generation);
  }

  stop(): void {
    this.active = false;
    this.generation++;
    this.controller?.abort();
    this.controller = null;
  }

  private async run(generation: number): Promise<void> {
    let delay = 1_000;
    const current = () => this.active && generation === this.generation;
    this.onState('connecting');
    while (current()) {
      const token = this.token();
      const controller = new AbortController();
      this.controller = controller;
      try {
        if (!token) throw new Error('no token');
        const response = await fetch('/v1/live', {
          headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
          signal: controller.signal,
          cache: 'no-store',
        });
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        const parser = new SseParser();
        for (;;) {
          const { value, done } = await reader.read();
          if (done || !current()) break;
          for (const message of parser.push(value)) {
            if (message.event === 'ready') {
              delay = 1_000;
              this.onState('connected');
            }
            this.onMessage(message);
          }
        }
      } catch {
        // Aborted by restart/stop, or the network failed: the loop decides what comes next.
      }
      if (!current()) return;
      this.onState('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 15_000);
    }
  }
}
