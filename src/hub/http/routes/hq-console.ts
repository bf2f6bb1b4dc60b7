import { z } from 'zod';
import type { RouteModule } from '../app';
import { hqPage } from '../hq-page';

// The HQ console's three files (page, script, styles), public like any web app's assets: the
// console signs in against the API, and nothing here carries a store's data.

const html = { 200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } } };

export const hqConsoleRoutes: RouteModule = (app) => {
  app.get('/hq/', {
    config: { rateLimit: false },
    schema: { tags: ['system'], summary: 'The HQ console (HTML)', response: html },
    handler: async (_req, reply) => {
      const page = await hqPage();
      reply.header('content-security-policy', page.csp).header('cache-control', 'no-cache').type('text/html; charset=utf-8');
      return page.html;
    },
  });
  app.get('/hq/app.js', {
    config: { rateLimit: false },
    schema: { tags: ['system'], summary: "The HQ console's script", response: { 200: { description: 'JavaScript', content: { 'text/javascript': { schema: z.string() } } } } },
    handler: async (_req, reply) => {
      const page = await hqPage();
      reply.header('cache-control', 'no-cache').type('text/javascript; charset=utf-8');
      return page.js;
    },
  });
  app.get('/hq/app.css', {
    config: { rateLimit: false },
    schema: { tags: ['system'], summary: "The HQ console's styles", response: { 200: { description: 'CSS', content: { 'text/css': { schema: z.string() } } } } },
    handler: async (_req, reply) => {
      const page = await hqPage();
      reply.header('cache-control', 'no-cache').type('text/css; charset=utf-8');
      return page.css;
    },
  });
};
