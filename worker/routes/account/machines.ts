// POST /my/machines (add) and /my/machines/:id/{rename,activate,deactivate,delete,regenerate}.
import { Hono } from "hono";
import { field } from "../../http/form";
import { MACHINE_NOT_FOUND } from "../../http/web-responses";
import { addMachine, deleteMachine, regenerateToken, renameMachine, setActive, type MachineResult } from "../../services/machines";
import { putTokenReveal } from "../../services/sessions";
import { formGuard, redirect, requireSession, statusPage, type WebContext, type WebEnv } from "./context";

const PAGE = "/my/machines";

function machineId(c: WebContext): number | null {
  const raw = c.req.param("id") ?? "";
  if (!/^[1-9][0-9]{0,15}$/.test(raw)) return null;
  const id = Number(raw);
  return Number.isSafeInteger(id) ? id : null;
}

/** Maps a service result to the redirect back to the machines page (or a 404 for a machine that is not the user's). */
async function answer(c: WebContext, result: MachineResult, success: (name: string) => string): Promise<Response> {
  switch (result.kind) {
    case "missing":
      return statusPage(c, MACHINE_NOT_FOUND);
    case "invalid":
      return redirect(PAGE, { kind: "error", message: result.message });
    case "ok":
      return redirect(PAGE, { kind: "success", message: success(result.name) });
    case "token":
      // The token itself goes to D1, encrypted for this session, and is shown on the next page view only.
      await putTokenReveal(
        c.env,
        requireSession(c),
        { machineId: result.machineId, machineName: result.name, token: result.token },
        Date.now(),
      );
      return redirect(PAGE, { kind: "success", message: success(result.name), reveal: true });
  }
}

/** Runs `action` for a well-formed machine id of the signed-in user. */
function onMachine(action: (c: WebContext, userId: number, id: number) => Promise<Response>) {
  return async (c: WebContext) => {
    const id = machineId(c);
    if (id === null) return statusPage(c, MACHINE_NOT_FOUND);
    return action(c, requireSession(c).userId, id);
  };
}

const account = formGuard("account");

export const machineRoutes = new Hono<WebEnv>()
  .post(PAGE, account, async (c) => {
    const result = await addMachine(c.env, requireSession(c).userId, field(c.get("form"), "name"), Date.now());
    return answer(c, result, (name) => `Machine “${name}” added. Copy its API token now: it is shown only this once.`);
  })
  .post(
    `${PAGE}/:id/rename`,
    account,
    onMachine(async (c, userId, id) =>
      answer(c, await renameMachine(c.env, userId, id, field(c.get("form"), "name")), (name) => `Machine renamed to “${name}”.`),
    ),
  )
  .post(
    `${PAGE}/:id/activate`,
    account,
    onMachine(async (c, userId, id) => answer(c, await setActive(c.env, userId, id, true), (name) => `Machine “${name}” is active again.`)),
  )
  .post(
    `${PAGE}/:id/deactivate`,
    account,
    onMachine(async (c, userId, id) =>
      answer(
        c,
        await setActive(c.env, userId, id, false),
        (name) => `Machine “${name}” is deactivated: its token is refused until you activate it.`,
      ),
    ),
  )
  .post(
    `${PAGE}/:id/regenerate`,
    account,
    onMachine(async (c, userId, id) =>
      answer(
        c,
        await regenerateToken(c.env, userId, id),
        (name) => `New API token for “${name}”: the old one no longer works. Copy the new one now.`,
      ),
    ),
  )
  .post(
    `${PAGE}/:id/delete`,
    account,
    onMachine(async (c, userId, id) => {
      if (c.get("form").get("confirm") !== "yes") {
        return redirect(PAGE, { kind: "error", message: "Tick the confirmation box to delete a machine and all its XP." });
      }
      return answer(c, await deleteMachine(c.env, userId, id), (name) => `Machine “${name}” and all its XP were deleted.`);
    }),
  );
