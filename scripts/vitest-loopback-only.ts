// Loaded by every test project (vitest.shared.ts): a test may open TCP connections to loopback only, so the
// suite behaves the same with the network cut. A connection anywhere else fails at once with a clear error
// instead of hanging on a download that cannot happen.
import net from "node:net";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+|localhost)$/i;

type ConnectArgs = Parameters<net.Socket["connect"]>;

function targetHost(args: unknown[]): string | undefined {
  const [first, second] = args;
  if (Array.isArray(first)) return targetHost(first);
  if (typeof first === "object" && first !== null) {
    const options = first as { host?: string; path?: string };
    if (options.path !== undefined) return undefined; // a unix socket
    return options.host ?? "localhost";
  }
  if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    return typeof second === "string" ? second : "localhost";
  }
  return undefined; // a path
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(this: net.Socket, ...args: unknown[]) {
  const host = targetHost(args);
  if (host !== undefined && !LOOPBACK.test(host.replace(/^\[|\]$/g, ""))) {
    const error = Object.assign(
      new Error(`test tried to reach ${host}: tests may only connect to loopback`),
      {
        code: "ECONNREFUSED",
      },
    );
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return originalConnect.apply(this, args as ConnectArgs);
} as net.Socket["connect"];
