import { defineMiddleware } from "astro:middleware";

// Sessions arrive with the accounts feature; until then nobody is signed in.
export const onRequest = defineMiddleware((context, next) => {
  context.locals.viewer = null;
  return next();
});
