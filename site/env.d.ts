/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    /** The signed-in user of this request, or null (set by site/middleware.ts from the session cookie). */
    viewer: { id: number; username: string; csrfToken: string } | null;
  }
}
