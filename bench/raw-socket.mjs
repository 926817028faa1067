// A minimal WebSocket client for the latency benchmarks: it only reads text frames and stamps each
// with the time its bytes arrived, before any parsing, so that a thousand sockets read on one Node
// thread measure the server, not the client's per-message event and decoding work.
import { connect } from "node:net";
import { randomBytes } from "node:crypto";

/**
 * Opens `url` (ws://host:port/path) and calls `onText(text, receivedAt)` for each text frame, where
 * `receivedAt` is `performance.now()` taken when the frame's last bytes were read from the socket.
 */
export function openRawSocket(url, onText) {
  const { hostname, port, pathname, search } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), noDelay: true });
    let buffer = Buffer.alloc(0);
    let open = false;
    const handle = {
      onText,
      close() {
        socket.destroy();
      },
    };
    socket.on("connect", () => {
      socket.write(
        `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on("data", (chunk) => {
      const receivedAt = performance.now();
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      if (!open) {
        const end = buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString("latin1");
        if (!head.startsWith("HTTP/1.1 101")) {
          socket.destroy();
          reject(new Error(`upgrade refused: ${head.split("\r\n")[0]}`));
          return;
        }
        open = true;
        buffer = buffer.subarray(end + 4);
        resolve(handle);
      }
      buffer = readFrames(buffer, (text) => handle.onText(text, receivedAt));
    });
    socket.on("error", (error) => (open ? undefined : reject(error)));
  });
}

/** Calls `onText` for each complete text frame in `buffer` (server frames are unmasked); returns the rest. */
function readFrames(buffer, onText) {
  let at = 0;
  for (;;) {
    if (buffer.length - at < 2) break;
    const opcode = buffer[at] & 0x0f;
    let length = buffer[at + 1] & 0x7f;
    let header = 2;
    if (length === 126) {
      if (buffer.length - at < 4) break;
      length = buffer.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      if (buffer.length - at < 10) break;
      length = Number(buffer.readBigUInt64BE(at + 2));
      header = 10;
    }
    if (buffer.length - at < header + length) break;
    if (opcode === 1) onText(buffer.toString("utf8", at + header, at + header + length));
    at += header + length;
  }
  return at === 0 ? buffer : buffer.subarray(at);
}

/**
 * Waits for the first text frame on each of `sockets` for which `matches(text)` holds (keep it cheap:
 * it runs on the stamping path, before the next socket's bytes are read) and resolves with one
 * `{ text, receivedAt }` per socket, or null where none came within `timeoutMs`. One counter and one
 * promise serve every socket, so the client's share stays small at a thousand sockets.
 */
export function firstMatchOnEach(sockets, matches, timeoutMs) {
  return new Promise((resolve) => {
    const found = new Array(sockets.length).fill(null);
    let remaining = sockets.length;
    const finish = () => {
      clearTimeout(timer);
      for (const ws of sockets) ws.onText = () => {};
      resolve(found);
    };
    const timer = setTimeout(finish, timeoutMs);
    sockets.forEach((ws, i) => {
      ws.onText = (text, receivedAt) => {
        if (found[i] !== null || !matches(text)) return;
        found[i] = { text, receivedAt };
        if (--remaining === 0) finish();
      };
    });
    if (remaining === 0) finish();
  });
}
