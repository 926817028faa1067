/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    /** The signed-in user of this request, or null (set by site/middleware.ts from the session cookie). */
    viewer: { id: number; username: string; csrfToken: string } | null;
    /**
     * The CSRF token for forms on this page: the viewer's token when signed in, else the double-submit
     * cookie's (issued on the signed-out form pages); "" when the page has no forms that need one.
     */
    formToken: string;
    /** The flash message of the previous form post (shown by components/Flash.astro). */
    flash: import("#worker/domain/flash").Flash | null;
    /** A new machine token to show once (only on /my/machines right after it was issued). */
    tokenReveal: import("#worker/services/sessions").TokenReveal | null;
    /** Set by a page whose rendering may be kept in the isolate's page cache under this key (site/middleware.ts stores it). */
    pageCacheKey?: string;
  }
}
