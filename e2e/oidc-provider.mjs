// A real OpenID Connect provider (the `oidc-provider` package) on a free loopback port, standing
// in for the national e-ID (VNeID) in xaso's tests. The first line on stdout is the issuer URL.
//
//   node oidc-provider.mjs <client_id> <client_secret> <redirect_uri> [cccd] [name]
//
// One confidential client (client_secret_post), authorization code flow with PKCE (S256)
// required, ID tokens signed RS256 with a key made at start. There is no login form: the
// interaction step signs the fixed test account in and grants what the client asked for, so a
// test can drive the whole flow by following redirects.
import { createServer } from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';

const [clientId, clientSecret, redirectUri, cccd = '001099012345', name = 'Nguyễn Văn An'] =
  process.argv.slice(2);
if (!clientId || !clientSecret || !redirectUri) {
  console.error('usage: node oidc-provider.mjs <client_id> <client_secret> <redirect_uri> [cccd] [name]');
  process.exit(2);
}

const ACCOUNT = 'cong-dan-thu';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  conformIdTokenClaims: false,
  claims: { openid: ['sub'], profile: ['name', 'cccd'] },
  cookies: { keys: [randomUUID()] },
  features: { devInteractions: { enabled: false } },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return { sub, name, cccd };
      },
    };
  },
});

// The interaction step, completed at once: login as the test account, then consent.
provider.use(async (ctx, next) => {
  if (ctx.method !== 'GET' || !ctx.path.startsWith('/interaction/')) {
    return next();
  }
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  let result;
  if (details.prompt.name === 'login') {
    result = { login: { accountId: ACCOUNT } };
  } else {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    result = { consent: details.grantId ? {} : { grantId } };
  }
  const to = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
  ctx.status = 303;
  ctx.redirect(to);
});

server.on('request', provider.callback());
console.log(issuer);
process.on('SIGTERM', () => process.exit(0));
