// Base64 for what the hosts send the service: file bytes from Office slices, and UTF-8 text (an email body).

const CHUNK = 0x8000;  // String.fromCharCode takes its bytes as arguments: keep the argument list short

/** @param {ArrayLike<number>[]} parts byte arrays (Office slices' `data`), joined in order */
export function bytesToBase64(...parts) {
  let binary = "";
  for (const part of parts) {
    const bytes = part instanceof Uint8Array ? part : Uint8Array.from(part);
    for (let i = 0; i < bytes.length; i += CHUNK) {
      binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
    }
  }
  return btoa(binary);
}

export function textToBase64(text) {
  return bytesToBase64(new TextEncoder().encode(text));
}
