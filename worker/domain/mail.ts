// The texts of the mails this service sends.

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export const RESET_VALIDITY_MS = 4 * 60 * 60 * 1000;

export function passwordResetMail(to: string, username: string, link: string): Mail {
  return {
    to,
    subject: "Pulse Edge password reset request",
    text: [
      `Hello ${username},`,
      "",
      "Someone (hopefully you) asked to reset the password of your Pulse Edge account.",
      "Open this link to choose a new password. It is valid for 4 hours and works once:",
      "",
      link,
      "",
      "If you did not ask for this, ignore this mail: your password stays as it is.",
      "",
    ].join("\n"),
  };
}
