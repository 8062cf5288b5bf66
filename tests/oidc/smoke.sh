#!/usr/bin/env bash
# Proves tests/oidc/provider.mjs is a working OpenID provider, with curl only (plus node to read
# JSON and base64): discovery; the authorization code flow with PKCE, state and nonce through the
# real login form (a wrong password first); the code exchanged with client_secret_basic; the ID
# token's claims and RS256 signature; single sign-on plus client_secret_post; RP-initiated logout
# with id_token_hint and post_logout_redirect_uri; the login form again afterwards. Starts and
# stops its own provider on a free port; only loopback traffic. Exits 0 when everything holds.
# Needs `npm ci` in tests/oidc first (scripts/ensure-test-tools.sh does it).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -f "$here/node_modules/oidc-provider/package.json" ]; then
  echo "smoke: $here/node_modules is missing; run scripts/ensure-test-tools.sh (or npm ci there)" >&2
  exit 2
fi

tmp="$(mktemp -d)"
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "smoke: FAIL: $*" >&2; [ -s "$tmp/provider.err" ] && sed 's/^/  provider: /' "$tmp/provider.err" >&2; exit 1; }
ok() { echo "ok - $*"; }
# js 'expression using j (the parsed JSON on stdin)'
js() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=s?JSON.parse(s):null;const r=('"$1"');if(r!==undefined)process.stdout.write(typeof r==="string"?r:JSON.stringify(r))})'; }

redirect_uri="http://127.0.0.1:9/auth/oidc/callback"     # port 9: nothing listens; never fetched
post_logout="http://127.0.0.1:9/auth/signed-out"
client_id=firewatch
client_secret=firewatch-test-secret

# --- start -----------------------------------------------------------------------------------
# start_provider [VAR=value…]: sets $pid and $issuer
start_provider() {
  : >"$tmp/provider.out"
  env OIDC_PORT=0 OIDC_REDIRECT_URIS="$redirect_uri" OIDC_POST_LOGOUT_REDIRECT_URIS="$post_logout" "$@" \
    node "$here/provider.mjs" >"$tmp/provider.out" 2>"$tmp/provider.err" &
  pid=$!
  for _ in $(seq 300); do  # 30 s: the key generation is slow on a busy machine
    grep -q '^listening ' "$tmp/provider.out" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || fail "provider exited before listening"
    sleep 0.1
  done
  issuer="$(sed -n 's/^listening //p' "$tmp/provider.out")"
  [ -n "$issuer" ] || fail "no 'listening' line"
  [ "$(wc -l <"$tmp/provider.out")" -eq 1 ] || fail "stdout has more than the one listening line"
  [[ "$issuer" =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || fail "unexpected issuer $issuer"
}
stop_provider() {
  kill -TERM "$pid"
  local rc=0; wait "$pid" || rc=$?
  pid=
  [ "$rc" = 0 ] || fail "provider exit status $rc after SIGTERM"
}
start_provider
ok "provider pid $pid listening, issuer $issuer"

jar="$tmp/cookies"
# req METHOD URL [curl args…]: body -> $tmp/body, headers -> $tmp/headers, sets $status, $location
req() {
  local method="$1" url="$2"; shift 2
  case "$url" in /*) url="$issuer$url" ;; esac
  case "$url" in "$issuer"/*) ;; *) fail "refusing to fetch $url" ;; esac
  status=$(curl -sS -X "$method" -b "$jar" -c "$jar" -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' "$@" "$url")
  location=$(sed -n 's/^[Ll]ocation: *//p' "$tmp/headers" | tr -d '\r')
}
# follow redirects on the issuer until one leaves it (to the client); prints each hop
follow() {
  while [ "${status:0:1}" = 3 ]; do
    case "$location" in
      /*|"$issuer"/*) echo "   $status -> ${location%%\?*}"; req GET "$location" ;;
      *) return 0 ;;
    esac
  done
}
query_param() { node -e 'const u=new URL(process.argv[1]);const v=u.searchParams.get(process.argv[2]);if(v===null)process.exit(1);process.stdout.write(v)' "$1" "$2"; }

# --- discovery -------------------------------------------------------------------------------
req GET /.well-known/openid-configuration
[ "$status" = 200 ] || fail "discovery status $status"
cp "$tmp/body" "$tmp/discovery.json"
js '(() => {
  const want = { issuer: "'"$issuer"'", authorization_endpoint: "'"$issuer"'/auth", token_endpoint: "'"$issuer"'/token",
    jwks_uri: "'"$issuer"'/jwks", end_session_endpoint: "'"$issuer"'/session/end" };
  for (const [k, v] of Object.entries(want)) if (j[k] !== v) throw new Error(k + " is " + j[k]);
  if (!j.code_challenge_methods_supported.includes("S256")) throw new Error("no S256");
  for (const s of ["openid","email","profile","groups"]) if (!j.scopes_supported.includes(s)) throw new Error("scope " + s);
  for (const m of ["client_secret_basic","client_secret_post"]) if (!j.token_endpoint_auth_methods_supported.includes(m)) throw new Error(m);
})()' <"$tmp/discovery.json" || fail "discovery content"
ok "discovery: issuer, authorization/token/jwks/end_session endpoints, S256, scopes, both secret auth methods"
authorization_endpoint=$(js j.authorization_endpoint <"$tmp/discovery.json")
token_endpoint=$(js j.token_endpoint <"$tmp/discovery.json")
end_session_endpoint=$(js j.end_session_endpoint <"$tmp/discovery.json")

# --- PKCE, state, nonce ----------------------------------------------------------------------
b64url_rand() { node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64url"))'; }
verifier=$(b64url_rand)
challenge=$(node -e 'process.stdout.write(require("crypto").createHash("sha256").update(process.argv[1]).digest("base64url"))' "$verifier")
state=$(b64url_rand)
nonce=$(b64url_rand)
auth_url() {  # auth_url STATE NONCE CHALLENGE
  node -e 'const [e,c,r,s,n,ch]=process.argv.slice(1);const u=new URL(e);
    for (const [k,v] of Object.entries({response_type:"code",client_id:c,redirect_uri:r,scope:"openid email profile groups",state:s,nonce:n,code_challenge:ch,code_challenge_method:"S256"})) u.searchParams.set(k,v);
    process.stdout.write(u.href)' "$authorization_endpoint" "$client_id" "$redirect_uri" "$1" "$2" "$3"
}

# PKCE is required: no code_challenge -> error back to the client
req GET "$(node -e 'const u=new URL(process.argv[1]);u.searchParams.set("response_type","code");u.searchParams.set("client_id","firewatch");u.searchParams.set("redirect_uri",process.argv[2]);u.searchParams.set("scope","openid");u.searchParams.set("state","s");process.stdout.write(u.href)' "$authorization_endpoint" "$redirect_uri")"
[ "$status" = 303 ] && [ "$(query_param "$location" error)" = invalid_request ] || fail "auth without PKCE: $status $location"
ok "auth without code_challenge -> redirect with error=invalid_request ($(query_param "$location" error_description))"
rm -f "$jar"

# --- login form ------------------------------------------------------------------------------
echo "-- GET /auth (code, PKCE S256, state, nonce, scope openid email profile groups)"
req GET "$(auth_url "$state" "$nonce" "$challenge")"
[ "$status" = 303 ] || fail "auth status $status"
interaction="$location"
[[ "$interaction" =~ ^/interaction/[A-Za-z0-9_-]+$ ]] || fail "interaction url $interaction"
echo "   303 -> $interaction"
req GET "$interaction"
[ "$status" = 200 ] || fail "login page status $status"
grep -q '<input id="login" name="login"' "$tmp/body" &&
  grep -q 'name="password" type="password"' "$tmp/body" &&
  grep -q '<button type="submit">Sign in</button>' "$tmp/body" || fail "login form fields"
action=$(sed -n 's/.*<form method="post" action="\([^"]*\)".*/\1/p' "$tmp/body")
[ "$action" = "$interaction/login" ] || fail "form action $action"
ok "login form at $interaction (login, password, Sign in), posts to $action"

req POST "$action" --data-urlencode login=ana --data-urlencode 'password=wrong horse'
[ "$status" = 200 ] && grep -q 'Wrong user name or password.' "$tmp/body" && grep -q 'name="password"' "$tmp/body" \
  || fail "wrong password: $status"
ok "wrong password -> the form again with 'Wrong user name or password.'"
req POST "$action" --data-urlencode login=nobody --data-urlencode 'password=correct horse battery'
grep -q 'Wrong user name or password.' "$tmp/body" || fail "unknown user accepted"
ok "unknown user -> the form again"

echo "-- POST $action (ana, right password), then redirects:"
req POST "$action" --data-urlencode login=ana --data-urlencode 'password=correct horse battery'
[ "$status" = 303 ] || fail "login status $status"
follow
case "$location" in "$redirect_uri?"*) ;; *) fail "did not come back to the client: $status $location" ;; esac
echo "   $status -> $redirect_uri?$(node -e 'const u=new URL(process.argv[1]);process.stdout.write([...u.searchParams.keys()].join("&"))' "$location")"
code=$(query_param "$location" code) || fail "no code"
[ "$(query_param "$location" state)" = "$state" ] || fail "state mismatch"
[ "$(query_param "$location" iss)" = "$issuer" ] || fail "iss parameter"
ok "back at the redirect_uri with code, the same state, iss=$issuer"

# --- token (client_secret_basic + code_verifier) ---------------------------------------------
req POST "$token_endpoint" -u "$client_id:$client_secret" \
  --data-urlencode grant_type=authorization_code --data-urlencode "code=$code" \
  --data-urlencode "redirect_uri=$redirect_uri" --data-urlencode "code_verifier=$verifier"
[ "$status" = 200 ] || fail "token status $status: $(cat "$tmp/body")"
cp "$tmp/body" "$tmp/token.json"
js '({ token_type: j.token_type, expires_in: j.expires_in, scope: j.scope, has: Object.keys(j) })' <"$tmp/token.json"; echo
id_token=$(js j.id_token <"$tmp/token.json")
access_token=$(js j.access_token <"$tmp/token.json")
[ -n "$id_token" ] && [ -n "$access_token" ] || fail "no id_token / access_token"
ok "token endpoint (client_secret_basic + code_verifier): access_token and id_token"

req GET /me -H "Authorization: Bearer $access_token"
[ "$status" = 200 ] || fail "userinfo $status $(cat "$tmp/body") $(grep -i www-auth "$tmp/headers")"
echo "   userinfo $(cat "$tmp/body")"
ok "userinfo with the access token"

# a reused code is refused; oidc-provider then also revokes the tokens issued for it
req POST "$token_endpoint" -u "$client_id:$client_secret" \
  --data-urlencode grant_type=authorization_code --data-urlencode "code=$code" \
  --data-urlencode "redirect_uri=$redirect_uri" --data-urlencode "code_verifier=$verifier"
[ "$status" = 400 ] && [ "$(js j.error <"$tmp/body")" = invalid_grant ] || fail "code reuse: $status"
ok "the same code again -> 400 invalid_grant"
req GET /me -H "Authorization: Bearer $access_token"
[ "$status" = 401 ] || fail "access token still valid after code replay: $status"
ok "...and the access token issued for that code is revoked (userinfo -> 401)"

# --- the ID token ----------------------------------------------------------------------------
req GET /jwks
cp "$tmp/body" "$tmp/jwks.json"
echo "-- ID token header and payload:"
node -e '
const crypto = require("crypto");
const [tok, jwksFile, iss, nonce] = process.argv.slice(1);
const [h, p, s] = tok.split(".");
const header = JSON.parse(Buffer.from(h, "base64url"));
const payload = JSON.parse(Buffer.from(p, "base64url"));
console.log("   header  " + JSON.stringify(header));
console.log("   payload " + JSON.stringify(payload));
const fail = (m) => { console.error("smoke: FAIL: id token: " + m); process.exit(1); };
if (header.alg !== "RS256") fail("alg " + header.alg);
const jwk = JSON.parse(require("fs").readFileSync(jwksFile)).keys.find((k) => k.kid === header.kid);
if (!jwk) fail("kid not in jwks");
if (!crypto.verify("sha256", Buffer.from(h + "." + p), crypto.createPublicKey({ key: jwk, format: "jwk" }), Buffer.from(s, "base64url"))) fail("bad signature");
if (payload.iss !== iss) fail("iss");
if (payload.aud !== "firewatch") fail("aud " + JSON.stringify(payload.aud));
if (payload.nonce !== nonce) fail("nonce");
if (payload.sub !== "ana" || payload.email !== "ana@example.com" || payload.email_verified !== true) fail("sub/email");
if (payload.name !== "Ana Kim" || payload.preferred_username !== "ana") fail("name");
if (JSON.stringify(payload.groups) !== "[\"sre\"]") fail("groups");
const now = Math.floor(Date.now() / 1000);
if (!(payload.exp > now && payload.iat <= now + 5)) fail("exp/iat");
// oidc-provider puts at_hash only into ID tokens from the authorization endpoint (hybrid
// flows); from the token endpoint there is none (OIDC Core 3.1.3.6 makes it optional there).
if ("at_hash" in payload) fail("unexpected at_hash");
' "$id_token" "$tmp/jwks.json" "$issuer" "$nonce" || exit 1
ok "ID token: RS256 signature valid against /jwks (kid), iss, aud=\"firewatch\" (a string), nonce, sub, email, email_verified, name, preferred_username, groups; no at_hash, sid or auth_time"

req GET /__test/sessions
[ "$(js j.sessions <"$tmp/body")" = 1 ] || fail "sessions: $(cat "$tmp/body")"
ok "GET /__test/sessions -> $(cat "$tmp/body")"

# --- single sign-on: a second /auth goes straight back; client_secret_post -------------------
verifier2=$(b64url_rand)
challenge2=$(node -e 'process.stdout.write(require("crypto").createHash("sha256").update(process.argv[1]).digest("base64url"))' "$verifier2")
echo "-- second GET /auth with the provider's session cookie (the replay above revoked the grant, so"
echo "   consent is asked again, and auto-granted):"
req GET "$(auth_url state2 nonce2 "$challenge2")"
follow
case "$location" in "$redirect_uri?"*) ;; *) fail "second /auth did not come back: $status $location" ;; esac
code2=$(query_param "$location" code)
ok "second /auth -> back at the redirect_uri with a code, no login form (single sign-on)"
req POST "$token_endpoint" --data-urlencode "client_id=$client_id" --data-urlencode "client_secret=$client_secret" \
  --data-urlencode grant_type=authorization_code --data-urlencode "code=$code2" \
  --data-urlencode "redirect_uri=$redirect_uri" --data-urlencode "code_verifier=wrong-verifier-wrong-verifier-wrong-verifier-0"
[ "$status" = 400 ] && [ "$(js j.error <"$tmp/body")" = invalid_grant ] || fail "wrong verifier: $status"
ok "wrong code_verifier -> 400 invalid_grant"
req GET "$(auth_url state3 nonce3 "$challenge2")"
case "$location" in "$redirect_uri?"*) ;; *) fail "third /auth did not go straight back: $status $location" ;; esac
code3=$(query_param "$location" code)
ok "third /auth (grant exists now) -> 303 straight to the redirect_uri"
req POST "$token_endpoint" --data-urlencode "client_id=$client_id" --data-urlencode "client_secret=$client_secret" \
  --data-urlencode grant_type=authorization_code --data-urlencode "code=$code3" \
  --data-urlencode "redirect_uri=$redirect_uri" --data-urlencode "code_verifier=$verifier2"
[ "$status" = 200 ] || fail "client_secret_post: $status $(cat "$tmp/body")"
ok "token endpoint with client_secret_post"

# --- logout ----------------------------------------------------------------------------------
echo "-- logout: GET end_session_endpoint with id_token_hint, post_logout_redirect_uri, state"
req GET "$end_session_endpoint" -G --data-urlencode "id_token_hint=$id_token" \
  --data-urlencode "post_logout_redirect_uri=$post_logout" --data-urlencode state=bye-state
[ "$status" = 200 ] || fail "end_session status $status: $(cat "$tmp/body")"
form_action=$(sed -n 's/.*<form id="op.logoutForm" method="post" action="\([^"]*\)".*/\1/p' "$tmp/body")
xsrf=$(sed -n 's/.*name="xsrf" value="\([^"]*\)".*/\1/p' "$tmp/body")
grep -q 'name="logout" value="yes"' "$tmp/body" || fail "no logout=yes in the form"
[ "$form_action" = "$issuer/session/end/confirm" ] && [ -n "$xsrf" ] || fail "logout form: $form_action"
ok "logout page: form op.logoutForm -> $form_action (hidden xsrf, logout=yes; auto-submits in a browser)"
req POST "$form_action" --data-urlencode "xsrf=$xsrf" --data-urlencode logout=yes
[ "$status" = 303 ] || fail "confirm status $status"
[ "$location" = "$post_logout?state=bye-state" ] || fail "after logout went to $location"
ok "POST confirm -> 303 $location"

req GET /__test/sessions
[ "$(js j.sessions <"$tmp/body")" = 0 ] || fail "sessions after logout: $(cat "$tmp/body")"
ok "GET /__test/sessions -> $(cat "$tmp/body")"

req GET "$(auth_url state4 nonce4 "$challenge2")"
[ "$status" = 303 ] && [[ "$location" =~ ^/interaction/ ]] || fail "after logout /auth: $status $location"
req GET "$location"
grep -q '<button type="submit">Sign in</button>' "$tmp/body" || fail "no login form after logout"
ok "new /auth after logout (same cookie jar) -> the login form again"

# --- stop ------------------------------------------------------------------------------------
stop_provider
ok "SIGTERM -> provider exited 0"

# --- keys: OIDC_KEY_ID, OIDC_KEYS_FILE (a restart with other keys = rotation) ------------------
start_provider OIDC_KEY_ID=rotation-1
req GET /jwks
[ "$(js 'j.keys.map((k) => k.kid + ":" + k.alg + ":" + ("d" in k)).join()' <"$tmp/body")" = "rotation-1:RS256:false" ] \
  || fail "OIDC_KEY_ID: $(cat "$tmp/body")"
stop_provider
ok "OIDC_KEY_ID=rotation-1 -> /jwks has kid rotation-1 (RS256, public part only)"
node -e '
const { generateKeyPairSync } = require("crypto");
const jwk = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
require("fs").writeFileSync(process.argv[1], JSON.stringify({ keys: [{ ...jwk, kid: "rotation-2", alg: "RS256", use: "sig" }] }));
' "$tmp/keys.json"
start_provider OIDC_KEYS_FILE="$tmp/keys.json"
req GET /jwks
[ "$(js 'j.keys.map((k) => k.kid + ":" + ("d" in k)).join()' <"$tmp/body")" = "rotation-2:false" ] \
  || fail "OIDC_KEYS_FILE: $(cat "$tmp/body")"
[ "$(js 'j.keys[0].n' <"$tmp/body")" = "$(js 'j.keys[0].n' <"$tmp/keys.json")" ] || fail "not the file's key"
stop_provider
ok "OIDC_KEYS_FILE -> /jwks serves that file's key (kid rotation-2), public part only"

echo "smoke: all checks passed"
