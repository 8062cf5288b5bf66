// A real OpenID provider for Firewatch's tests: panva's certified `oidc-provider`, with a real
// user name + password login page (no devInteractions), PKCE (S256) required, RS256 ID tokens,
// RP-initiated logout, and an in-memory store whose live sessions a test can count.
//
// Version: oidc-provider 9.13.3 (the newest on the registry). oidc-provider declares no
// `engines`; v9 prints "oidc-provider WARNING: Unsupported runtime. Use Node.js v22.x LTS" on
// stderr under any Node.js older than 22 LTS, including this machine's v20.20 ("Iron"). That is
// a policy notice, not a failure: every API v9 and its three dependencies (jose 6, koa 3,
// debug 4) use exists in Node 20.20 (URL.parse, URL.canParse, crypto.hash, structuredClone),
// and tests/oidc/smoke.sh runs the whole code flow, token exchange and logout on v20.20. The
// newest release that officially supports Node 20 is 8.8.1 (minimum 18 LTS), but v8 is out of
// upstream support (v9's README lists only v9.x), so 9.13.3 it is. Should a later v9 break on
// Node 20, 8.8.1 is the fallback; this file uses v9's shape (the Provider is the Koa app itself)
// and has not been tried on v8, so smoke.sh would have to be run again after such a switch.
//
// Start: `node provider.mjs` (after `npm ci` here). It prints exactly one line on stdout,
//   listening http://127.0.0.1:PORT
// and the issuer is exactly `http://127.0.0.1:PORT` (no trailing slash). Everything else
// (oidc-provider's notices, errors) goes to stderr. SIGTERM / SIGINT stop it cleanly (exit 0).
//
// Environment:
//   OIDC_PORT                       port on 127.0.0.1; 0 or unset = a free one.
//   OIDC_CLIENT_ID                  default `firewatch`.
//   OIDC_CLIENT_SECRET              default `firewatch-test-secret`.
//   OIDC_REDIRECT_URIS              required; comma-separated; matched EXACTLY (port included).
//   OIDC_POST_LOGOUT_REDIRECT_URIS  optional; comma-separated; matched exactly.
//   OIDC_USERS                      optional JSON array of
//                                     {"id","password","email","name","groups":[…]};
//                                   default: ana ["sre"], root ["sre-admins"], guest [] with
//                                   password `correct horse battery` each.
//   OIDC_KEYS_FILE                  optional JWKS file ({"keys":[…]}) WITH private parts to sign
//                                   with (the first key signs); else an RSA 2048 key is
//                                   generated at start. Restart with another file (or another
//                                   OIDC_KEY_ID) to rotate keys.
//   OIDC_KEY_ID                     kid of the generated key (default: `fw-test-` + random hex).
//   OIDC_ID_TOKEN_TTL               ID token lifetime in seconds (default 3600).
//
// Endpoints (oidc-provider's defaults): discovery /.well-known/openid-configuration,
// /auth, /token, /me (userinfo), /jwks, /session/end (end_session_endpoint),
// /session/end/confirm, /session/end/success; this file adds the login pages under
// /interaction/:uid and the test-only GET /__test/sessions -> {"sessions": N}.

import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

// oidc-provider writes its NOTICEs with console.info, i.e. to stdout; the one line the tests
// wait for must be the only thing there.
console.info = (...args) => console.error(...args);

const { default: Provider } = await import('oidc-provider');

function fail(message) {
  console.error(`provider.mjs: ${message}`);
  process.exit(2);
}

function list(value) {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

const env = process.env;
const port = env.OIDC_PORT ? Number(env.OIDC_PORT) : 0;
if (!Number.isInteger(port) || port < 0 || port > 65535) fail('OIDC_PORT must be a port number');
const clientId = env.OIDC_CLIENT_ID || 'firewatch';
const clientSecret = env.OIDC_CLIENT_SECRET || 'firewatch-test-secret';
const redirectUris = list(env.OIDC_REDIRECT_URIS);
if (redirectUris.length === 0) fail('OIDC_REDIRECT_URIS is required (comma-separated)');
const postLogoutRedirectUris = list(env.OIDC_POST_LOGOUT_REDIRECT_URIS);
let idTokenTtl = 3600;
if (env.OIDC_ID_TOKEN_TTL) {
  idTokenTtl = Number(env.OIDC_ID_TOKEN_TTL);
  if (!Number.isInteger(idTokenTtl) || idTokenTtl <= 0) fail('OIDC_ID_TOKEN_TTL must be a positive integer');
}

// ---- users ---------------------------------------------------------------------------------

const defaultPassword = 'correct horse battery';
let users = [
  { id: 'ana', password: defaultPassword, email: 'ana@example.com', name: 'Ana Kim', groups: ['sre'] },
  { id: 'root', password: defaultPassword, email: 'root@example.com', name: 'Root Admin', groups: ['sre-admins'] },
  { id: 'guest', password: defaultPassword, email: 'guest@example.com', name: 'Guest User', groups: [] },
];
if (env.OIDC_USERS) {
  try {
    users = JSON.parse(env.OIDC_USERS);
  } catch (err) {
    fail(`OIDC_USERS is not JSON: ${err.message}`);
  }
  if (!Array.isArray(users)) fail('OIDC_USERS must be a JSON array');
  for (const u of users) {
    if (!u || typeof u.id !== 'string' || !u.id || typeof u.password !== 'string') {
      fail('each OIDC_USERS entry needs a string "id" and "password"');
    }
    u.groups ??= [];
    if (!Array.isArray(u.groups)) fail(`OIDC_USERS: "groups" of ${u.id} must be an array`);
  }
}
const usersById = new Map(users.map((u) => [u.id, u]));

function sameSecret(a, b) {
  const h = (s) => createHash('sha256').update(String(s)).digest();
  return timingSafeEqual(h(a), h(b));
}

function account(user) {
  return {
    accountId: user.id,
    // oidc-provider filters these by the granted scopes (see `claims` below).
    async claims() {
      return {
        sub: user.id,
        email: user.email,
        email_verified: true,
        name: user.name,
        preferred_username: user.id,
        groups: [...user.groups],
      };
    },
  };
}

// ---- signing keys --------------------------------------------------------------------------

let jwks;
if (env.OIDC_KEYS_FILE) {
  try {
    jwks = JSON.parse(readFileSync(env.OIDC_KEYS_FILE, 'utf8'));
  } catch (err) {
    fail(`cannot read OIDC_KEYS_FILE: ${err.message}`);
  }
  if (!Array.isArray(jwks?.keys) || jwks.keys.length === 0) fail('OIDC_KEYS_FILE must be a JWKS with "keys"');
} else {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  jwks = {
    keys: [{ ...jwk, kid: env.OIDC_KEY_ID || `fw-test-${randomBytes(6).toString('hex')}`, alg: 'RS256', use: 'sig' }],
  };
}

// ---- storage: an in-memory adapter whose Session entries can be counted ---------------------

const store = new Map(); // `${model}:${id}` -> { payload, expiresAt (ms) | undefined }
const indexes = new Map(); // `sessionUid:…` / `userCode:…` -> id; `grant:…` -> Set of keys

function live(key) {
  const entry = store.get(key);
  if (!entry) return undefined;
  if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
    store.delete(key);
    return undefined;
  }
  return entry.payload;
}

class TestAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    store.set(key, {
      payload,
      expiresAt: typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined,
    });
    if (this.model === 'Session' && payload.uid) indexes.set(`sessionUid:${payload.uid}`, id);
    if (payload.userCode) indexes.set(`userCode:${payload.userCode}`, id);
    if (payload.grantId) {
      const k = `grant:${payload.grantId}`;
      if (!indexes.has(k)) indexes.set(k, new Set());
      indexes.get(k).add(key);
    }
  }

  async find(id) {
    return live(this.key(id));
  }

  async findByUid(uid) {
    const id = indexes.get(`sessionUid:${uid}`);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode) {
    const id = indexes.get(`userCode:${userCode}`);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id) {
    const payload = live(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    const k = `grant:${grantId}`;
    for (const key of indexes.get(k) ?? []) store.delete(key);
    indexes.delete(k);
  }
}

function liveSessions() {
  let n = 0;
  for (const key of [...store.keys()]) {
    if (key.startsWith('Session:') && live(key) !== undefined) n += 1;
  }
  return n;
}

// ---- HTML (plain, no scripts or external resources except the logout auto-submit) ----------

function esc(value) {
  return String(value ?? '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;max-width:22em;margin:3em auto}label,input,button{display:block;width:100%;margin:.3em 0}.error{color:#b00020}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function loginPage(uid, client, { login = '', error = false } = {}) {
  return page('Sign in', `<h1>Sign in</h1>
<p>to ${esc(client?.clientName || client?.clientId || 'the application')} (Firewatch test provider)</p>
${error ? '<p class="error" id="error">Wrong user name or password.</p>\n' : ''}<form method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
<label for="login">User name</label>
<input id="login" name="login" type="text" value="${esc(login)}" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" required>
<button type="submit">Sign in</button>
</form>`);
}

async function readForm(req, limit = 64 * 1024) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw Object.assign(new Error('form too large'), { status: 413 });
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// ---- the provider --------------------------------------------------------------------------

const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', resolve);
}).catch((err) => fail(`cannot listen on 127.0.0.1:${port}: ${err.message}`));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    client_name: 'Firewatch',
    redirect_uris: redirectUris,
    post_logout_redirect_uris: postLogoutRedirectUris,
    response_types: ['code'],
    grant_types: ['authorization_code'],
    // client_secret_basic is registered; oidc-provider accepts client_secret_post for a client
    // registered with either of the two (lib/shared/client_auth.js).
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  }],
  clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  pkce: { required: () => true }, // S256 is the only method oidc-provider 9 supports
  jwks,
  adapter: TestAdapter,
  async findAccount(ctx, sub) {
    const user = usersById.get(sub);
    return user ? account(user) : undefined;
  },
  // Keys of `claims` are scopes; `groups` is a custom one.
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  // The claims of the granted scopes go into the ID token too, not only to userinfo.
  conformIdTokenClaims: false,
  cookies: {
    // Signed cookies (Koa keygrip); a fresh key per run. Not `secure`: the issuer is plain http
    // (oidc-provider only marks them secure when the request itself is https).
    keys: [randomBytes(32).toString('hex')],
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      // `form` is oidc-provider's <form id="op.logoutForm" …> holding the xsrf token; a browser
      // submits it by itself (script) or through the visible button (no JS); curl can POST it.
      async logoutSource(ctx, form) {
        const withLogout = form.replace('</form>',
          '<input type="hidden" name="logout" value="yes"/><button type="submit" id="logout">Sign out</button></form>');
        ctx.type = 'html';
        ctx.body = page('Signing out', `<h1>Signing out</h1>
${withLogout}
<script>document.getElementById('op.logoutForm').submit();</script>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.type = 'html';
        ctx.body = page('Signed out', '<h1>Signed out</h1>\n<p>You are signed out of the test provider.</p>');
      },
    },
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Error', `<h1>Error</h1>\n${Object.entries(out)
      .map(([k, v]) => `<p><strong>${esc(k)}</strong>: <span class="${esc(k)}">${esc(v)}</span></p>`).join('\n')}`);
  },
  clientBasedCORS: () => false,
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    ClientCredentials: 600,
    Grant: 14 * 24 * 3600,
    IdToken: idTokenTtl,
    Interaction: 3600,
    RefreshToken: 14 * 24 * 3600,
    Session: 14 * 24 * 3600,
  },
});
provider.proxy = false;

provider.on('server_error', (ctx, err) => console.error('oidc-provider server_error:', err));

// Interaction pages (login, consent) and the test endpoint, ahead of oidc-provider's routes.
provider.use(async (ctx, next) => {
  if (ctx.path === '/__test/sessions' && ctx.method === 'GET') {
    ctx.set('cache-control', 'no-store');
    ctx.body = { sessions: liveSessions() };
    return;
  }

  const m = /^\/interaction\/([^/]+)(\/login)?$/.exec(ctx.path);
  if (!m) return next();
  const [, uid, login] = m;
  ctx.set('cache-control', 'no-store');

  let details;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (err) {
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = page('Error', `<h1>Error</h1>\n<p class="error">${esc(err.message)}</p>`);
    return;
  }
  if (details.uid !== uid) {
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = page('Error', '<h1>Error</h1>\n<p class="error">interaction mismatch</p>');
    return;
  }
  const client = await provider.Client.find(details.params.client_id);
  const { prompt } = details;

  if (prompt.name === 'login') {
    if (ctx.method === 'GET' && !login) {
      ctx.type = 'html';
      ctx.body = loginPage(uid, client);
      return;
    }
    if (ctx.method === 'POST' && login) {
      const form = await readForm(ctx.req);
      const name = form.get('login') ?? '';
      const user = usersById.get(name);
      if (!user || !sameSecret(form.get('password') ?? '', user.password)) {
        ctx.type = 'html';
        ctx.body = loginPage(uid, client, { login: name, error: true });
        return;
      }
      const returnTo = await provider.interactionResult(ctx.req, ctx.res,
        { login: { accountId: user.id, remember: true } }, { mergeWithLastSubmission: false });
      ctx.status = 303;
      ctx.redirect(returnTo);
      return;
    }
  }

  if (prompt.name === 'consent') {
    // Auto-granted (first-party client): everything the request asks for.
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
    const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    const grant = existing
      ?? new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    if (missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(missingResourceScopes)) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    const grantId = await grant.save();
    const returnTo = await provider.interactionResult(ctx.req, ctx.res,
      { consent: existing ? {} : { grantId } }, { mergeWithLastSubmission: true });
    ctx.status = 303;
    ctx.redirect(returnTo);
    return;
  }

  ctx.status = 400;
  ctx.type = 'html';
  ctx.body = page('Error', `<h1>Error</h1>\n<p class="error">unexpected ${esc(ctx.method)} for prompt ${esc(prompt.name)}</p>`);
});

server.on('request', provider.callback());

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

process.stdout.write(`listening ${issuer}\n`);
