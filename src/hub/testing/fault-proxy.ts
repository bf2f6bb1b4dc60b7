import net from 'node:net';

// A loopback TCP proxy between one register and the hub that injects the faults a store's
// network really has: a cut (both ends see the connection die), a stall (packets lost:
// nothing moves until it ends, then it resumes or is cut), a delay (everything arrives, late,
// in order) — and a target that can change, because a restarted hub listens on a new port.
// TCP itself never loses or reorders bytes inside a connection, so neither does this.

interface Pipe {
  client: net.Socket;
  upstream: net.Socket;
}

const MAX_CONNECTIONS = 64;

export class FaultProxy {
  private readonly pipes = new Set<Pipe>();
  private delayMs = 0;
  private delayUntil = 0;
  private stalledUntil = 0;
  private readonly waiting = new Set<() => void>();

  private constructor(
    private readonly server: net.Server,
    private targetPort: number,
  ) {}

  static async start(targetPort: number): Promise<FaultProxy> {
    const server = net.createServer();
    const proxy = new FaultProxy(server, targetPort);
    server.on('connection', (c) => proxy.accept(c));
    server.maxConnections = MAX_CONNECTIONS;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  get connections(): number {
    return this.pipes.size;
  }

  setTarget(port: number): void {
    this.targetPort = port;
  }

  /** Destroys every open connection: both ends see a reset. */
  cut(): number {
    const n = this.pipes.size;
    for (const p of this.pipes) {
      p.client.destroy();
      p.upstream.destroy();
    }
    this.pipes.clear();
    return n;
  }

  /** Nothing moves for `ms`; then what was held is delivered in order (or lost, if cut meanwhile). */
  stall(ms: number): void {
    this.stalledUntil = Math.max(this.stalledUntil, Date.now() + ms);
    setTimeout(() => this.release(), ms + 1).unref();
  }

  /** Every chunk arrives `ms` late, in order, for the next `forMs`. */
  delay(ms: number, forMs: number): void {
    this.delayMs = ms;
    this.delayUntil = Date.now() + forMs;
  }

  /** Ends every fault: no stall, no delay. */
  heal(): void {
    this.stalledUntil = 0;
    this.delayUntil = 0;
    this.release();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private release(): void {
    // A timer may fire a millisecond before Date.now() says it is due: re-arm, never strand.
    const left = this.stalledUntil - Date.now();
    if (left > 0) {
      setTimeout(() => this.release(), left + 1).unref();
      return;
    }
    const ws = [...this.waiting];
    this.waiting.clear();
    for (const w of ws) w();
  }

  private accept(client: net.Socket): void {
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    const pipe = { client, upstream };
    this.pipes.add(pipe);
    const end = () => {
      this.pipes.delete(pipe);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    this.forward(client, upstream);
    this.forward(upstream, client);
  }

  // One ordered chain per direction: a chunk waits for the stall to end and for its own due
  // time, never overtaking the chunk before it. Reads pause while the chain is long so a
  // stalled connection holds a bounded amount (backpressure reaches the sender's socket).
  private forward(from: net.Socket, to: net.Socket): void {
    let chain = Promise.resolve();
    let pending = 0;
    from.on('data', (chunk: Buffer) => {
      const due = Date.now() < this.delayUntil ? Date.now() + this.delayMs : 0;
      pending += 1;
      if (pending > 64) from.pause();
      chain = chain.then(async () => {
        while (Date.now() < this.stalledUntil) await new Promise<void>((r) => this.waiting.add(r));
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (!to.destroyed) to.write(chunk);
        pending -= 1;
        if (pending <= 16) from.resume();
      });
    });
  }
}
