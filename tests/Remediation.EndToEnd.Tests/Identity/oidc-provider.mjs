// A real OpenID Connect provider (the npm package oidc-provider) for the identity tests, on 127.0.0.1 only.
//   node oidc-provider.mjs <port> <node_modules folder> <console redirect URI>
// People: any login name signs in (the package's development login form); the name picks the roles:
//   rita -> reader, alice/bob -> approver, olga -> operator, nora -> none, anyone else -> reader.
// Test hook POST /test/token {sub, name, roles, aud, iss, expiresIn, foreignKey, nonce}: a JWT signed with the key this
// provider publishes (or, foreignKey, with one it does not), for API tests of expiry, audience, issuer and keys.
// Prints "listening <issuer>" once it serves requests.
import http from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [port, modules, redirectUri] = process.argv.slice(2);
const load = async name => import(pathToFileURL(createRequire(join(modules, "noop.js")).resolve(name)).href);
const { default: Provider } = await load("oidc-provider");
const jose = await load("jose");

const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = await jose.generateKeyPair("RS256", { extractable: true });
const signing = { ...(await jose.exportJWK(privateKey)), kid: "lab-signing", alg: "RS256", use: "sig" };
const foreign = (await jose.generateKeyPair("RS256")).privateKey;
const rolesOf = login => ({ rita: ["reader"], alice: ["approver"], bob: ["approver"], olga: ["operator"], nora: [] })[login] ?? ["reader"];
const nameOf = login => login.charAt(0).toUpperCase() + login.slice(1);

const provider = new Provider(issuer, {
  clients: [{
    client_id: "remediation-console",
    client_secret: "console-secret-for-tests-only",
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [new URL("/", redirectUri).href],
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_post",
  }],
  jwks: { keys: [signing] },
  claims: { openid: ["sub"], profile: ["name", "roles"] },
  conformIdTokenClaims: false,
  findAccount: async (_ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, name: nameOf(sub), roles: rolesOf(sub) }),
  }),
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
  loadExistingGrant: async ctx => {
    // Consent is implied for the console: one grant for openid and profile.
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid profile");
    grant.addOIDCClaims(["name", "roles"]);
    await grant.save();
    return grant;
  },
});

async function mint(body) {
  const claims = { name: body.name ?? nameOf(body.sub), roles: body.roles ?? [] };
  if (body.nonce) claims.nonce = body.nonce; // what an ID token issued at a sign-in carries
  const jwt = new jose.SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: "lab-signing", typ: "JWT" })
    .setSubject(body.sub)
    .setIssuer(body.iss ?? issuer)
    .setAudience(body.aud ?? "remediation-console")
    .setIssuedAt(Math.floor(Date.now() / 1000) + Math.min(0, body.expiresIn ?? 600) - 60)
    .setExpirationTime(Math.floor(Date.now() / 1000) + (body.expiresIn ?? 600));
  return jwt.sign(body.foreignKey ? foreign : await jose.importJWK(signing, "RS256"));
}

const callback = provider.callback();
http.createServer(async (req, res) => {
  if (req.method === "POST" && req.url === "/test/token") {
    let text = "";
    for await (const chunk of req) text += chunk;
    res.writeHead(200, { "content-type": "text/plain" }).end(await mint(JSON.parse(text)));
    return;
  }
  callback(req, res);
}).listen(Number(port), "127.0.0.1", () => console.log(`listening ${issuer}`));
