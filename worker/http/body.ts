// Reading a request body with a hard size limit, so a huge or endless body costs nothing.

export type BodyRead = { ok: true; text: string } | { ok: false; status: 400 | 413; message: string };
export type BytesRead = { ok: true; bytes: Uint8Array } | { ok: false; status: 413; message: string };

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export async function readBytesBody(request: Request, limitBytes: number): Promise<BytesRead> {
  const tooLarge = { ok: false, status: 413, message: `Request body too large (at most ${limitBytes} bytes).` } as const;
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limitBytes) return tooLarge;
  if (!request.body) return { ok: true, bytes: new Uint8Array(0) };
  // A declared length within the limit bounds the body (the HTTP framing ends it there): one native
  // read, instead of a JavaScript loop over its chunks (a CPU profile of the pulse path put that loop
  // at about 9% of the isolate's time).
  if (declared !== null && /^\d+$/.test(declared)) {
    const bytes = new Uint8Array(await request.arrayBuffer());
    return bytes.byteLength > limitBytes ? tooLarge : { ok: true, bytes };
  }

  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel();
      return tooLarge;
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const p of parts) {
    bytes.set(p, offset);
    offset += p.byteLength;
  }
  return { ok: true, bytes };
}

export async function readTextBody(request: Request, limitBytes: number): Promise<BodyRead> {
  const read = await readBytesBody(request, limitBytes);
  if (!read.ok) return read;
  try {
    return { ok: true, text: utf8.decode(read.bytes) };
  } catch {
    return { ok: false, status: 400, message: "Request body is not valid UTF-8." };
  }
}
