import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * Renders a page of the admin UI in its layout, with what the layout needs: the signed-in
 * account (null on the login form) and a CSRF token for its forms, the logout button included.
 * Eta escapes every `<%= %>` value, so a template never prints user data unescaped.
 */
export async function renderPage (request: FastifyRequest, reply: FastifyReply, template: string, data: Record<string, unknown>): Promise<FastifyReply> {
  const csrfToken = reply.generateCsrf()
  return await reply.type('text/html; charset=utf-8').view(template, { ...data, admin: request.admin, csrfToken })
}
