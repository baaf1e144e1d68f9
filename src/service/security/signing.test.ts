import { describe, expect, it } from 'vitest';
import { canonicalString, sign, verify, type SignedParts } from './signing.js';

// The worked example of docs/security.md. Its figures were computed outside Node with coreutils and OpenSSL:
//   printf '{"kind":"price",...}' | sha256sum                    -> db35a4f8...a1ae6ed (the body's digest)
//   printf '<canonical string>' | openssl dgst -sha256 -hmac '<secret>' -> fc155177...14db555
const SECRET = 'hQ0b3Xc8m4Vt1sYg7kLwPz2aNe6JrUf9DiOqTy5BvHE';
const POST_PRICE: SignedParts = {
  keyId: 'bk_0123456789abcdef01234567',
  timestampMs: '1767225600000',
  nonce: '9f86d081884c7d65',
  method: 'POST',
  pathWithQuery: '/v1/commands',
  body: Buffer.from('{"kind":"price","at":1767225600000,"market":"BTC-PERP","mark":"97000.5"}'),
};
const POST_SIGNATURE = 'fc15517772bdf48f663f7bf458378de206408adc67a0d9567f71900f014db555';

describe('request signature', () => {
  it('signs the canonical string of the worked example as OpenSSL does', () => {
    expect(canonicalString(POST_PRICE)).toBe(
      'BAILIFF-HMAC-SHA256\nbk_0123456789abcdef01234567\n1767225600000\n9f86d081884c7d65\nPOST\n/v1/commands\n' +
        'db35a4f890d9863af7c2ed11a6ee7dfc645ef3e7162b522e984ca0306a1ae6ed',
    );
    expect(sign(SECRET, POST_PRICE)).toBe(POST_SIGNATURE);
    expect(verify(SECRET, POST_PRICE, POST_SIGNATURE)).toBe(true);
  });

  it('signs a GET with a query and no body or nonce (the SHA-256 of nothing; OpenSSL: f458ff15...b356e)', () => {
    const get: SignedParts = { ...POST_PRICE, nonce: '', method: 'get', pathWithQuery: '/v1/accounts/alice?view=risk', body: new Uint8Array(0) };
    expect(canonicalString(get).split('\n')).toEqual([
      'BAILIFF-HMAC-SHA256', 'bk_0123456789abcdef01234567', '1767225600000', '', 'GET', '/v1/accounts/alice?view=risk',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ]);
    expect(sign(SECRET, get)).toBe('f458ff1596652ea832ba500f9490b30aff24b86c0ab59a560d1e80f8305b356e');
  });

  it('fails when any signed part changes, or the signature is malformed', () => {
    const changed: readonly SignedParts[] = [
      { ...POST_PRICE, keyId: 'bk_0123456789abcdef01234568' },
      { ...POST_PRICE, timestampMs: '1767225600001' },
      { ...POST_PRICE, nonce: '9f86d081884c7d66' },
      { ...POST_PRICE, method: 'PUT' },
      { ...POST_PRICE, pathWithQuery: '/v1/commands?x=1' },
      { ...POST_PRICE, body: Buffer.from('{"kind":"price","at":1767225600000,"market":"BTC-PERP","mark":"97000.6"}') },
    ];
    for (const parts of changed) expect(verify(SECRET, parts, POST_SIGNATURE)).toBe(false);
    expect(verify(`${SECRET}x`, POST_PRICE, POST_SIGNATURE)).toBe(false);
    expect(verify(SECRET, POST_PRICE, POST_SIGNATURE.toUpperCase())).toBe(false); // lower-case hex only
    expect(verify(SECRET, POST_PRICE, POST_SIGNATURE.slice(0, 62))).toBe(false); // short: refused before comparing
    expect(verify(SECRET, POST_PRICE, '')).toBe(false);
  });
});
