// A real OpenID Connect provider (oidc-provider) for the tests, on 127.0.0.1:<port>.
//
// Usage: node provider.mjs <port> <settings.json>
//
// The settings file is written by the test (tests/oidc_server.py) and read again on every
// sign-in, so a test can change an account's claims or the ID token's lifetime between two
// sign-ins without restarting the provider:
//   { "client": { "client_id", "client_secret", "redirect_uris": [...],
//                 "post_logout_redirect_uris": [...] },
//     "accounts": { "<login name>": { "sub", "preferred_username", "name", "email",
//                                     "groups": [...], "department" } },
//     "id_token_ttl": 600 }
// The built-in development login form (devInteractions) takes any login name and password;
// the login name is the account id. A negative id_token_ttl signs ID tokens that have
// already expired.
import { readFileSync } from 'node:fs';

import { Provider } from 'oidc-provider';

const [port, settingsPath] = process.argv.slice(2);
if (!port || !settingsPath) {
  console.error('usage: node provider.mjs <port> <settings.json>');
  process.exit(2);
}

const settings = () => JSON.parse(readFileSync(settingsPath, 'utf8'));
const { client } = settings();

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: client.client_id,
    client_secret: client.client_secret,
    redirect_uris: client.redirect_uris,
    post_logout_redirect_uris: client.post_logout_redirect_uris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true, methods: ['S256'] },
  // The groups and the department travel with the profile, in the ID token itself.
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username', 'groups', 'department'],
    email: ['email', 'email_verified'],
  },
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  ttl: {
    IdToken: function idTokenTtl() {
      return Number(settings().id_token_ttl ?? 600);
    },
  },
  async findAccount(ctx, id) {
    const account = settings().accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { email_verified: true, ...account, sub: account.sub ?? id };
      },
    };
  },
  // Fixed, throw-away cookie keys: the provider lives for one test run.
  cookies: { keys: ['plan-tracker-test-provider'] },
});

provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${provider.issuer}`);
});
