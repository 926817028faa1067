// The import use cases for the signed-in user: each goes to the user's ImportJob object.
import type { Env } from "../env";
import type { BeginResult, ChunkResult, StartResult } from "../objects/import-job";
import type { ImportStatus } from "../domain/import/progress";
import { importObject } from "../objects/stubs";

export function beginImport(env: Env, userId: number, file: { name: string; size: number }): Promise<BeginResult> {
  return importObject(env, userId).begin(userId, file, Date.now());
}

export function putImportChunk(env: Env, userId: number, jobId: string, n: number, bytes: Uint8Array): Promise<ChunkResult> {
  // An exact-size ArrayBuffer: RPC copies it to the object, which stores it as one row.
  const data = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
  return importObject(env, userId).putChunk(jobId, n, data as ArrayBuffer);
}

export function startImport(env: Env, userId: number, jobId: string): Promise<StartResult> {
  return importObject(env, userId).start(jobId);
}

export function importStatus(env: Env, userId: number): Promise<ImportStatus | null> {
  return importObject(env, userId).status();
}
