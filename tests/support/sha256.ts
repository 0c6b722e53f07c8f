/** SHA-256 of bytes in lowercase hex (the form blob names, LFS oids and part digests take). */
export async function sha256(bytes: Uint8Array): Promise<string> {
  // A copy: WebCrypto's types take bytes over an ArrayBuffer; a Node Buffer is typed over ArrayBufferLike.
  const digest = await crypto.subtle.digest('SHA-256', new Uint8Array(bytes));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
