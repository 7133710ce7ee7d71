import type { FastifyInstance, LightMyRequestResponse } from 'fastify'

/** The CSRF token of the first form in a page. */
export function csrfTokenOf (html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html)
  if (match === null) throw new Error('no CSRF token in the page')
  return match[1]
}

/** A browser of the admin UI over `app.inject`: it keeps the cookies it is given, as a browser would. */
export class AdminClient {
  readonly cookies = new Map<string, string>()

  /** Failed logins are counted per address: a test that fails some gives its clients their own. */
  constructor (readonly app: FastifyInstance, readonly remoteAddress = '127.0.0.1') {}

  async request (method: 'GET' | 'POST', url: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return await this.#send(method, url, form === undefined ? undefined : new URLSearchParams(form).toString(),
      { ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }), ...headers })
  }

  /** A JSON API call; `csrfToken` goes in the X-CSRF-Token header, as a script on a page would send it. */
  async json (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, csrfToken?: string): Promise<LightMyRequestResponse> {
    return await this.#send(method, url, body === undefined ? undefined : JSON.stringify(body), {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(csrfToken === undefined ? {} : { 'x-csrf-token': csrfToken })
    })
  }

  /** The CSRF token of the session, read from a page as a script would. */
  async csrfToken (page = '/admin'): Promise<string> {
    return csrfTokenOf((await this.get(page)).body)
  }

  async #send (method: 'GET' | 'POST' | 'DELETE', url: string, payload: string | undefined, headers: Record<string, string>): Promise<LightMyRequestResponse> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    const response = await this.app.inject({
      method,
      url,
      remoteAddress: this.remoteAddress,
      headers: { ...(cookie === '' ? {} : { cookie }), ...headers },
      payload
    })
    for (const set of response.cookies as Array<{ name: string, value: string, maxAge?: number, expires?: Date }>) {
      const cleared = set.value === '' || set.maxAge === 0 || (set.expires !== undefined && set.expires.getTime() <= Date.now())
      if (cleared) this.cookies.delete(set.name)
      else this.cookies.set(set.name, set.value)
    }
    return response
  }

  async get (url: string): Promise<LightMyRequestResponse> {
    return await this.request('GET', url)
  }

  /** Posts a form with the CSRF token of the page at `formPage`, as submitting that page's form would. */
  async submit (formPage: string, url: string, form: Record<string, string>): Promise<LightMyRequestResponse> {
    const page = await this.get(formPage)
    return await this.request('POST', url, { _csrf: csrfTokenOf(page.body), ...form })
  }

  async login (name: string, password: string, next?: string): Promise<LightMyRequestResponse> {
    return await this.submit('/admin/login', '/admin/login', { name, password, ...(next === undefined ? {} : { next }) })
  }
}
