// Reading an HTML form post (application/x-www-form-urlencoded) with a small size limit.
import { readTextBody } from "./body";

const MAX_FORM_BYTES = 16 * 1024;

export type FormRead = { ok: true; form: URLSearchParams } | { ok: false; status: 400 | 413 | 415 };

export async function readForm(request: Request): Promise<FormRead> {
  const type = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return { ok: false, status: 415 };
  const body = await readTextBody(request, MAX_FORM_BYTES);
  if (!body.ok) return { ok: false, status: body.status };
  return { ok: true, form: new URLSearchParams(body.text) };
}

/** A text field; absent fields are "". */
export function field(form: URLSearchParams, name: string): string {
  return form.get(name) ?? "";
}
