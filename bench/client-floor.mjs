// The load generator's own share of live latency: the same client reads one message fanned out to
// N sockets by a trivial WebSocket server (raw frames, in a worker thread of this process), so the
// figure is what the client alone adds at N viewers, with no workerd in the path.
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { isMainThread, parentPort, Worker } from "node:worker_threads";
import { firstMatchOnEach, openRawSocket } from "./raw-socket.mjs";

const ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

if (!isMainThread && parentPort) {
  const sockets = [];
  const server = createServer();
  server.on("upgrade", (request, socket) => {
    const accept = createHash("sha1")
      .update(request.headers["sec-websocket-key"] + ACCEPT_GUID)
      .digest("base64");
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    socket.setNoDelay(true);
    socket.on("error", () => {});
    sockets.push(socket);
  });
  parentPort.on("message", (text) => {
    const payload = Buffer.from(text);
    const header =
      payload.length < 126 ? Buffer.from([0x81, payload.length]) : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 255]);
    const frame = Buffer.concat([header, payload]);
    for (const s of sockets) s.write(frame);
  });
  server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));
}

/**
 * Latencies (ms, unsorted) of `rounds` fan-outs of `message` (under 64 KB) to `viewers` sockets, each
 * frame tested with the suite's own `matches`, so the client does the same work per message.
 */
export async function clientFloor(viewers, message, rounds, matches) {
  const worker = new Worker(new URL(import.meta.url));
  try {
    const port = await new Promise((resolve) => worker.once("message", resolve));
    const sockets = [];
    for (let i = 0; i < viewers; i += 50)
      sockets.push(
        ...(await Promise.all(Array.from({ length: Math.min(50, viewers - i) }, () => openRawSocket(`ws://127.0.0.1:${port}/`, () => {})))),
      );
    const latencies = [];
    for (let r = 0; r < rounds; r++) {
      const arrived = firstMatchOnEach(sockets, matches, 10_000);
      const sent = performance.now();
      worker.postMessage(message);
      for (const f of await arrived) if (f !== null) latencies.push(f.receivedAt - sent);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const ws of sockets) ws.close();
    return latencies;
  } finally {
    await worker.terminate();
  }
}
