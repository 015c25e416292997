// An OpenID Connect provider for the Feide sign-in tests (tests/browser/test_feide.py):
// node-oidc-provider, a certified implementation, configured to answer as Feide does.
//
// Environment (set by the pytest fixture):
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI   the one client
//   OIDC_ACCOUNTS   JSON: {"<login name>": {"sub", "eppn", "email", "name", "name#nb", "name#en"}}
//
// It listens on a free port of 127.0.0.1 and prints one line to stdout when it is up:
//   {"issuer": "http://127.0.0.1:<port>"}
//
// Its login page is oidc-provider's devInteractions: a login name (one of OIDC_ACCOUNTS)
// and any password. Consent is taken as given, as at a second Feide sign-in.
//
// For the refusal tests, POST /_test/mode with {"id_token": "expired"} makes the token
// endpoint answer with an id_token whose exp lies an hour in the past (signed with the
// provider's key), {"id_token": "forged"} with one in date signed by another key under the
// provider's key id, {"id_token": "normal"} undoes it. GET /_test/last-id-token gives the last
// id_token the token endpoint answered with.

import { createServer } from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const EPPN = 'https://n.feide.no/claims/eduPersonPrincipalName';

const clientId = process.env.OIDC_CLIENT_ID;
const clientSecret = process.env.OIDC_CLIENT_SECRET;
const redirectUri = process.env.OIDC_REDIRECT_URI;
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');
if (!clientId || !clientSecret || !redirectUri) {
  console.error('OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_REDIRECT_URI are required');
  process.exit(2);
}

// The provider's signing key, made anew at each start.
const kid = 'feide-test-key';
const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const { privateKey: strangerKey } = await jose.generateKeyPair('RS256');
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };

// Claims as Feide sends them (https://docs.feide.no/reference/oauth_oidc/): the pairwise
// `sub`, the Feide id under the userid-feide scope, and an e-mail address Feide does not
// vouch for.
function feideClaims(account) {
  return {
    sub: account.sub,
    [EPPN]: account.eppn,
    email: account.email,
    email_verified: false,
    name: account.name,
    'name#nb': account['name#nb'] ?? account.name,
    'name#en': account['name#en'] ?? account.name,
  };
}

const server = createServer();
await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingJwk] },
  scopes: ['openid', 'profile', 'email', 'userid-feide'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'name#nb', 'name#en'],
    email: ['email', 'email_verified'],
    'userid-feide': [EPPN],
  },
  // Feide puts the claims in the id_token as well as in userinfo.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['hms-test-cookie-key'] },
  pkce: { required: () => true },
  ttl: { IdToken: 3600, AccessToken: 3600, AuthorizationCode: 60, Session: 3600, Grant: 3600, Interaction: 600 },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return { accountId: id, claims: async () => feideClaims(account) };
  },
  // Consent is given: the grant covers whatever the client asked for.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid');
    grant.addOIDCClaims([...(ctx.oidc.requestParamClaims || [])]);
    await grant.save();
    return grant;
  },
});

let mode = 'normal';
let lastIdToken = null;

async function tamper(idToken) {
  const claims = jose.decodeJwt(idToken);
  if (mode === 'expired') {
    const now = Math.floor(Date.now() / 1000);
    return new jose.SignJWT({ ...claims, iat: now - 7200, exp: now - 3600 })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .sign(privateKey);
  }
  if (mode === 'forged') {
    // the same claims, in date, under the provider's key id, signed by another key
    return new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .sign(strangerKey);
  }
  return idToken;
}

provider.use(async (ctx, next) => {
  if (ctx.path === '/_test/mode' && ctx.method === 'POST') {
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(chunk);
    const wanted = JSON.parse(Buffer.concat(chunks).toString() || '{}').id_token;
    if (!['normal', 'expired', 'forged'].includes(wanted)) ctx.throw(400, 'unknown mode');
    mode = wanted;
    ctx.body = { id_token: mode };
    return;
  }
  if (ctx.path === '/_test/last-id-token' && ctx.method === 'GET') {
    ctx.body = { id_token: lastIdToken };
    return;
  }
  await next();
  if (ctx.path === '/token' && ctx.status === 200 && ctx.body?.id_token) {
    ctx.body = { ...ctx.body, id_token: await tamper(ctx.body.id_token) };
    lastIdToken = ctx.body.id_token;
  }
});

server.on('request', provider.callback());
process.on('SIGTERM', () => { server.close(); process.exit(0); });
console.log(JSON.stringify({ issuer }));
