import { freePort, startSmtpCapture, waitFor, type CapturedMail, type SmtpCapture } from '@beacon/testing';
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';

/**
 * The suite's own PostgreSQL cluster (Debian's pg_createcluster), so restarting it touches
 * nothing else on the machine. Trust authentication on 127.0.0.1 only.
 */
export class PrivatePostgres {
  private constructor(
    readonly version: string,
    readonly cluster: string,
    readonly port: number,
  ) {}

  static async create(): Promise<PrivatePostgres> {
    const version = execFileSync('pg_lsclusters', ['-h'], { encoding: 'utf8' }).trim().split(/\s+/)[0] ?? '15';
    const cluster = `beaconfaults${randomBytes(4).toString('hex')}`;
    const port = await freePort();
    execFileSync('pg_createcluster', [version, cluster, '-p', String(port), '--', '--auth=trust'], { stdio: 'pipe' });
    const pg = new PrivatePostgres(version, cluster, port);
    await pg.start();
    return pg;
  }

  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async createDatabase(name: string): Promise<string> {
    await withClient(this.adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
    return `postgres://postgres@127.0.0.1:${this.port}/${name}`;
  }

  /** Stops like a crash (immediate mode: no checkpoint, every connection cut). */
  crash(): void {
    this.ctl('stop', '-m', 'immediate');
  }

  async start(): Promise<void> {
    this.ctl('start');
    await waitFor(() => withClient(this.adminUrl, (c) => c.query('SELECT 1')), { timeoutMs: 30_000, intervalMs: 200, what: 'the private PostgreSQL cluster' });
  }

  drop(): void {
    try {
      execFileSync('pg_dropcluster', ['--stop', this.version, this.cluster], { stdio: 'pipe' });
    } catch (error) {
      process.stderr.write(`could not drop cluster ${this.version}/${this.cluster}: ${(error as Error).message}\n`);
    }
  }

  private ctl(...args: string[]): void {
    const [action, ...rest] = args;
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', ...rest, this.version, this.cluster, action!], { stdio: 'pipe' });
  }
}

export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A Kafka broker of the suite's own, driven through tools/infra/broker-process.mjs (Jest runs
 * CommonJS and cannot import the ESM infra modules): SIGKILL and start again on the same ports
 * and data directory.
 */
export class DedicatedBroker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private stderr = '';

  constructor() {
    const script = path.resolve(__dirname, '../../tools/infra/broker-process.mjs');
    this.child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.lines.push(line));
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)));
  }

  private async nextLine(timeoutMs = 180_000): Promise<string> {
    return waitFor(
      () => {
        if (this.lines.length > 0) return this.lines.shift();
        if (this.child.exitCode !== null) throw new Error(`broker process exited:\n${this.stderr}`);
        return undefined;
      },
      { timeoutMs, intervalMs: 100, what: `the broker process to answer\n${this.stderr}` },
    );
  }

  async ready(): Promise<string> {
    return (JSON.parse(await this.nextLine()) as { brokers: string }).brokers;
  }

  async command(name: 'kill' | 'start'): Promise<void> {
    this.child.stdin.write(`${name}\n`);
    const answer = await this.nextLine();
    if (answer !== `ok ${name}`) throw new Error(`broker ${name}: ${answer}\n${this.stderr}`);
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    await new Promise((resolve) => (this.child.exitCode === null ? this.child.once('exit', resolve) : resolve(null)));
  }
}

/** An SMTP server that can go down and come back on the same port, keeping one list of what arrived. */
export class RestartableSmtp {
  readonly messages: CapturedMail[] = [];
  private current: SmtpCapture | undefined;
  port = 0;

  async start(): Promise<void> {
    // Cut the sender's pooled connections at once: a stop is an outage, not a drain.
    this.current = await startSmtpCapture(this.port, { messages: this.messages, closeTimeoutMs: 1 });
    this.port = this.current.port;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    await current?.stop();
  }
}
