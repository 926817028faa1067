// The machines page in the browser: follows the owner's own profile channel (/live/users/:name) and
// marks a machine's "waiting for the first pulse" as received the moment one of its pulses arrives.
import type { ProfileServerMessage } from "#worker/protocol";
import { LiveSocket } from "./live-socket";

const list = document.querySelector<HTMLElement>("[data-machines]");
if (list?.dataset.username && list.querySelector("[data-machine]")) {
  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const socket = new LiveSocket<ProfileServerMessage>({
    path: `/live/users/${encodeURIComponent(list.dataset.username)}`,
    isSnapshot: (m) => m.type === "profile.snapshot",
    onMessage(message) {
      if (message.type !== "profile.pulses") return;
      for (const pulse of message.pulses) {
        const item = [...list.querySelectorAll<HTMLElement>("[data-machine]")].find((li) => li.dataset.machine === pulse.machine);
        const status = item?.querySelector<HTMLElement>("[data-pulse-status]");
        if (!status) continue;
        const time = document.createElement("time");
        time.dateTime = pulse.sentAt;
        time.textContent = `just now (${timeFormat.format(new Date())})`;
        status.replaceChildren("Last pulse: ", time);
        status.classList.remove("waiting");
        status.classList.add("fresh");
      }
    },
  });
  socket.start();
}
