// The key CredSSP binds to (MS-CSSP 3.1.5): the SubjectPublicKey of the server's TLS certificate,
// i.e. the contents of the BIT STRING inside SubjectPublicKeyInfo without its unused-bits byte
// (for RSA, the PKCS#1 RSAPublicKey). Binding to it proves the NTLM peer and the TLS peer are one.
import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';

export function subjectPublicKey(certificateDer: Uint8Array): Buffer {
  const spki = new X509Certificate(Buffer.from(certificateDer)).publicKey.export({
    type: 'spki',
    format: 'der',
  });
  // Keep the BIT STRING as bytes: node-forge would otherwise parse the RSA key inside it.
  const fromDer = forge.asn1.fromDer as unknown as (
    b: string,
    o: { decodeBitStrings: boolean },
  ) => forge.asn1.Asn1;
  const parsed = fromDer(spki.toString('binary'), { decodeBitStrings: false });
  const bitString = Array.isArray(parsed.value) ? parsed.value[1] : undefined;
  if (!bitString || typeof bitString.value !== 'string' || bitString.type !== forge.asn1.Type.BITSTRING)
    throw new Error('the certificate has no SubjectPublicKey');
  return Buffer.from(bitString.value, 'binary').subarray(1);
}
