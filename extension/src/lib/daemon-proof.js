// The daemon proves it is the real baitwatch daemon before the extension sends it any URL or
// its token: the extension sends a random nonce to POST /v1/hello, and only a process that
// knows the pairing token can answer HMAC-SHA256(token, "baitwatch-daemon-v1:" + nonce).

const CONTEXT = "baitwatch-daemon-v1:";
const NONCE_BYTES = 32;

const hex = (bytes) => [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, "0")).join("");

// 64 lowercase hex characters from the platform's cryptographic random source.
export function newNonce() {
  return hex(crypto.getRandomValues(new Uint8Array(NONCE_BYTES)));
}

export async function expectedProof(token, nonce) {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(token), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return hex(await crypto.subtle.sign("HMAC", key, encoder.encode(CONTEXT + nonce)));
}
