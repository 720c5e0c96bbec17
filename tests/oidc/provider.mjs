// A real OpenID Connect provider (panva's oidc-provider) on loopback, for veche's tests.
//
// Usage: node provider.mjs  (configuration from the environment, all optional)
//   OIDC_CLIENTS   JSON list of {client_id, client_secret, redirect_uris}; tests rather register
//                  their own with dynamic client registration (POST /reg, RFC 7591), as their
//                  redirect URI names a port chosen at run time
//   OIDC_ACCOUNTS  JSON object: login -> extra claims ({"preferred_username": ..., "name": ...})
// It listens on a free port of 127.0.0.1 and prints one line, "listening http://127.0.0.1:PORT",
// once it answers; the issuer is that address. Any password signs in (devInteractions):
// the login typed is the account's `sub`. Unknown logins get preferred_username = login.
import http from 'node:http';

import Provider from 'oidc-provider';

const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]').map((c) => ({
  client_id: c.client_id,
  client_secret: c.client_secret,
  redirect_uris: c.redirect_uris,
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
}));
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients,
    // Cookie signing keys of this throwaway provider; nothing outlives the test run.
    cookies: { keys: ['veche-test-provider-cookie-key'] },
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    // PKCE for every client, confidential ones too: a relying party that forgets it fails.
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true }, registration: { enabled: true } },
    async findAccount(_ctx, sub) {
      const extra = accounts[sub] || {};
      return {
        accountId: sub,
        async claims() {
          return { sub, preferred_username: sub, ...extra };
        },
      };
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`listening ${issuer}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));  // nothing to keep: all state is in memory
}
