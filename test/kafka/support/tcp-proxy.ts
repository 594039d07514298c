/**
 * A TCP forwarder that can be switched off and on: a real network outage between a client and a
 * real service (here: the schema registry), without touching the service. While off it still
 * accepts connections and closes them at once, counting them: how many times the client has
 * tried during the outage is what a test waits for, instead of waiting a while.
 */
import net from 'node:net';

export class TcpProxy {
  private server: net.Server | null = null;
  private forwarding = false;
  private readonly sockets = new Set<net.Socket>();
  /** Connections refused since the proxy was last switched off. */
  refused = 0;

  private constructor(readonly port: number, private readonly target: { host: string; port: number }) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const proxy = new TcpProxy(port, target);
    await proxy.up();
    return proxy;
  }

  async up(): Promise<void> {
    this.forwarding = true;
    if (this.server !== null) return;
    const server = net.createServer((client) => {
      if (!this.forwarding) {
        this.refused++;
        client.destroy();
        return;
      }
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => server.listen(this.port, '127.0.0.1', r));
    this.server = server;
  }

  /** Cuts the open connections; new ones are accepted and closed at once (and counted). */
  async down(): Promise<void> {
    this.forwarding = false;
    this.refused = 0;
    for (const s of this.sockets) s.destroy();
  }

  /** Stops listening altogether. */
  async close(): Promise<void> {
    this.forwarding = false;
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server !== null) await new Promise<void>((r) => server.close(() => r()));
  }
}
